import type { FlowNode } from './async-dispatcher';
import type { FlowShapeNode } from './flow-graph';

/** A flow's shape from its nodes: each parent as a key with its edge's policy (`fail` unless given). */
export function flowShape(nodes: readonly FlowNode[]): FlowShapeNode[] {
  return nodes.map((node) => ({
    key: node.key,
    parents: (node.parents ?? []).map((parent) =>
      typeof parent === 'string' ? { key: parent, onFailure: 'fail' as const } : { key: parent.key, onFailure: parent.onFailure ?? 'fail' },
    ),
  }));
}
