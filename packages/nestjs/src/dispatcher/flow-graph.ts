import { FLOW_KEY, FieldError, MAX_FLOW_NODES, MAX_FLOW_PARENTS, OnParentFailure, PARENT_FAILURE_POLICIES } from '@cask/contracts';

/** A flow's shape: each job's key and its parents' keys with their edges' policies. */
export interface FlowShapeNode {
  key: string;
  parents: ReadonlyArray<{ key: string; onFailure: OnParentFailure }>;
}

/**
 * What is wrong with a flow's shape, as field errors (`nodes[<i>].key`, `nodes[<i>].parents[<j>]`): keys
 * malformed or repeated, parents unknown, repeated or the job itself, too many jobs or parents, a cycle.
 */
export function checkFlowShape(nodes: readonly FlowShapeNode[]): FieldError[] {
  if (nodes.length === 0) return [{ field: 'nodes', reason: 'must hold at least one job' }];
  if (nodes.length > MAX_FLOW_NODES) return [{ field: 'nodes', reason: `must hold at most ${MAX_FLOW_NODES} jobs` }];
  const errors: FieldError[] = [];
  const index = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (typeof node.key !== 'string' || !FLOW_KEY.test(node.key)) {
      errors.push({ field: `nodes[${i}].key`, reason: 'must be 1 to 64 of A-Z a-z 0-9 _ . : - starting with a letter or digit' });
    } else if (index.has(node.key)) {
      errors.push({ field: `nodes[${i}].key`, reason: `repeats the key of nodes[${index.get(node.key)}]` });
    } else {
      index.set(node.key, i);
    }
  });
  nodes.forEach((node, i) => {
    if (node.parents.length > MAX_FLOW_PARENTS) {
      errors.push({ field: `nodes[${i}].parents`, reason: `must hold at most ${MAX_FLOW_PARENTS} parents` });
      return;
    }
    const seen = new Set<string>();
    node.parents.forEach((parent, j) => {
      const field = `nodes[${i}].parents[${j}]`;
      if (!PARENT_FAILURE_POLICIES.includes(parent.onFailure)) {
        errors.push({ field: `${field}.on_failure`, reason: `must be one of: ${PARENT_FAILURE_POLICIES.join(', ')}` });
      }
      if (parent.key === node.key) errors.push({ field, reason: 'is the job itself' });
      else if (!index.has(parent.key)) errors.push({ field, reason: `names no job of the flow: "${String(parent.key)}"` });
      else if (seen.has(parent.key)) errors.push({ field, reason: `repeats parent "${parent.key}"` });
      seen.add(parent.key);
    });
  });
  if (errors.length > 0) return errors;
  const cycle = findCycle(nodes);
  if (cycle) {
    const at = index.get(cycle[0]) as number;
    errors.push({ field: `nodes[${at}].parents`, reason: `makes a cycle: ${cycle.join(' → ')}` });
  }
  return errors;
}

/**
 * A cycle of parent edges, as keys from a job back to itself (each waits for the next), or undefined for an
 * acyclic flow. Kahn's algorithm takes away every job whose parents are all taken; what is left lies on or
 * below a cycle, and following parents from any of it within what is left must come round.
 */
export function findCycle(nodes: readonly FlowShapeNode[]): string[] | undefined {
  const waitingFor = new Map(nodes.map((node) => [node.key, new Set(node.parents.map((parent) => parent.key))]));
  const children = new Map<string, string[]>();
  for (const node of nodes)
    for (const parent of node.parents) (children.get(parent.key) ?? children.set(parent.key, []).get(parent.key)!).push(node.key);
  const free = nodes.filter((node) => node.parents.length === 0).map((node) => node.key);
  while (free.length > 0) {
    const key = free.pop() as string;
    waitingFor.delete(key);
    for (const child of children.get(key) ?? []) {
      const left = waitingFor.get(child);
      left?.delete(key);
      if (left?.size === 0) free.push(child);
    }
  }
  if (waitingFor.size === 0) return undefined;
  const path: string[] = [];
  const onPath = new Map<string, number>();
  let key = waitingFor.keys().next().value as string;
  while (!onPath.has(key)) {
    onPath.set(key, path.length);
    path.push(key);
    key = (waitingFor.get(key) as Set<string>).values().next().value as string;
  }
  return [...path.slice(onPath.get(key)), key];
}
