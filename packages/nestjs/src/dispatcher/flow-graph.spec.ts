import { MAX_FLOW_NODES, MAX_FLOW_PARENTS, OnParentFailure } from '@cask/contracts';
import { FlowShapeNode, checkFlowShape, findCycle } from './flow-graph';

/** A shape from each key's parents (all `fail` edges). */
function shape(parents: Record<string, string[]>, onFailure: OnParentFailure = 'fail'): FlowShapeNode[] {
  return Object.entries(parents).map(([key, list]) => ({ key, parents: list.map((parent) => ({ key: parent, onFailure })) }));
}

describe('checkFlowShape', () => {
  it('accepts a diamond, a chain, a lone job and jobs with no edges between them', () => {
    expect(checkFlowShape(shape({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }))).toEqual([]);
    expect(checkFlowShape(shape({ a: [], b: ['a'], c: ['b'], d: ['c'] }))).toEqual([]);
    expect(checkFlowShape(shape({ only: [] }))).toEqual([]);
    expect(checkFlowShape(shape({ x: [], y: [], z: ['x'] }, 'ignore'))).toEqual([]);
  });

  it('names a cycle by the keys on it, however far below the first jobs it lies', () => {
    expect(checkFlowShape(shape({ a: ['b'], b: ['a'] }))).toEqual([{ field: 'nodes[0].parents', reason: 'makes a cycle: a → b → a' }]);
    const errors = checkFlowShape(shape({ root: [], p: ['root', 'r'], q: ['p'], r: ['q'], tail: ['r'] }));
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toMatch(/^makes a cycle: /);
    const keys = errors[0].reason.replace('makes a cycle: ', '').split(' → ');
    expect(keys[0]).toBe(keys[keys.length - 1]);
    expect(new Set(keys)).toEqual(new Set(['p', 'q', 'r']));
  });

  it('names malformed and repeated keys, unknown and repeated parents, and a job that is its own parent', () => {
    const errors = checkFlowShape([
      { key: 'a', parents: [] },
      { key: 'a', parents: [] },
      { key: 'has space', parents: [] },
      { key: 'b', parents: [{ key: 'b', onFailure: 'fail' }] },
      {
        key: 'c',
        parents: [
          { key: 'nope', onFailure: 'fail' },
          { key: 'a', onFailure: 'fail' },
          { key: 'a', onFailure: 'continue' },
        ],
      },
      { key: 'd', parents: [{ key: 'a', onFailure: 'sometimes' as OnParentFailure }] },
    ]);

    expect(errors).toEqual([
      { field: 'nodes[1].key', reason: 'repeats the key of nodes[0]' },
      { field: 'nodes[2].key', reason: expect.stringContaining('1 to 64 of') },
      { field: 'nodes[3].parents[0]', reason: 'is the job itself' },
      { field: 'nodes[4].parents[0]', reason: 'names no job of the flow: "nope"' },
      { field: 'nodes[4].parents[2]', reason: 'repeats parent "a"' },
      { field: 'nodes[5].parents[0].on_failure', reason: 'must be one of: fail, continue, ignore' },
    ]);
  });

  it('bounds the number of jobs and of parents per job', () => {
    expect(checkFlowShape([])).toEqual([{ field: 'nodes', reason: 'must hold at least one job' }]);
    const many = Array.from({ length: MAX_FLOW_NODES + 1 }, (_, i) => ({ key: `n${i}`, parents: [] }));
    expect(checkFlowShape(many)).toEqual([{ field: 'nodes', reason: `must hold at most ${MAX_FLOW_NODES} jobs` }]);
    const wide = Array.from({ length: MAX_FLOW_PARENTS + 1 }, (_, i) => `p${i}`);
    const errors = checkFlowShape(shape({ ...Object.fromEntries(wide.map((key) => [key, []])), child: wide }));
    expect(errors).toEqual([{ field: `nodes[${wide.length}].parents`, reason: `must hold at most ${MAX_FLOW_PARENTS} parents` }]);
  });
});

describe('findCycle', () => {
  it('finds none in a long chain, and the loop in a chain closed on itself', () => {
    const chain = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`n${i}`, i === 0 ? [] : [`n${i - 1}`]]));
    expect(findCycle(shape(chain))).toBeUndefined();
    expect(findCycle(shape({ ...chain, n0: ['n299'] }))?.length).toBe(301);
  });
});
