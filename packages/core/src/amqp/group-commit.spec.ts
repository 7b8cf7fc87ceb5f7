import { deferred, nextTurn, settle, track } from '@cask/testing';
import { GroupCommit, GroupCommitOptions } from './group-commit';

interface Write<T> {
  items: T[];
  done: ReturnType<typeof deferred<void>>;
}

/** A group commit whose every write waits for the test to let it succeed or fail. */
function setup<T>(options: GroupCommitOptions<T>) {
  const writes: Write<T>[] = [];
  const commit = new GroupCommit<T>((items) => {
    const done = deferred();
    writes.push({ items, done });
    return done.promise;
  }, options);
  return { commit, writes, groups: () => writes.map((write) => write.items) };
}

describe('GroupCommit', () => {
  it('writes the items added in one turn in one write, and resolves each add only once it succeeded', async () => {
    const { commit, writes, groups } = setup<string>({ maxGroup: 10 });

    // Awaits within the turn (as between jobs that finish together) still share the write.
    const added = [track(commit.add('a')), track(commit.add('b'))];
    await settle();
    added.push(track(commit.add('c')));
    await nextTurn();

    expect(groups()).toEqual([['a', 'b', 'c']]);
    expect(added.map((add) => add.outcome)).toEqual(['pending', 'pending', 'pending']);
    writes[0].done.resolve();
    await settle();
    expect(added.map((add) => add.outcome)).toEqual(['resolved', 'resolved', 'resolved']);
  });

  it('writes an item at once when idle, and gathers the items of later turns into the next write while one is under way', async () => {
    const { commit, writes, groups } = setup<number>({ maxGroup: 10 });

    void commit.add(1);
    await nextTurn();
    void commit.add(2);
    await nextTurn();
    void commit.add(3);
    await nextTurn();
    expect(groups()).toEqual([[1]]);

    writes[0].done.resolve();
    await nextTurn();
    expect(groups()).toEqual([[1], [2, 3]]);
  });

  it('has up to maxInFlight writes under way; the items added meanwhile wait for one of them to end', async () => {
    const { commit, writes, groups } = setup<number>({ maxGroup: 10, maxInFlight: 2 });

    void commit.add(1);
    await nextTurn();
    void commit.add(2);
    await nextTurn();
    void commit.add(3);
    void commit.add(4);
    await nextTurn();
    expect(groups()).toEqual([[1], [2]]);

    writes[1].done.resolve();
    await nextTurn();
    expect(groups()).toEqual([[1], [2], [3, 4]]);
  });

  it('caps each write at maxGroup items and keeps their order across writes', async () => {
    const { commit, writes, groups } = setup<number>({ maxGroup: 3 });

    const added = [1, 2, 3, 4, 5, 6, 7].map((item) => track(commit.add(item)));
    for (let i = 0; i < 3; i += 1) {
      await nextTurn();
      writes[i].done.resolve();
    }
    await settle();

    expect(groups()).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(added.every((add) => add.outcome === 'resolved')).toBe(true);
  });

  it('counts items by sizeOf, and writes an item larger than maxGroup alone', async () => {
    const { commit, groups } = setup<string>({ maxGroup: 5, maxInFlight: 4, sizeOf: (item) => item.length });

    for (const item of ['aa', 'bbb', 'c', 'dddddddd', 'e']) void commit.add(item);
    await nextTurn();

    expect(groups()).toEqual([['aa', 'bbb'], ['c'], ['dddddddd'], ['e']]);
  });

  it('rejects every add of a failed write with its error, leaving the other writes and later adds unaffected', async () => {
    const { commit, writes, groups } = setup<string>({ maxGroup: 10, maxInFlight: 2 });
    const refused = new Error('channel closed');

    const first = ['a', 'b'].map((item) => track(commit.add(item)));
    await nextTurn();
    const second = track(commit.add('c'));
    await nextTurn();
    writes[0].done.reject(refused);
    writes[1].done.resolve();
    await settle();

    expect(first).toEqual([
      { outcome: 'rejected', error: refused },
      { outcome: 'rejected', error: refused },
    ]);
    expect(second.outcome).toBe('resolved');

    const later = track(commit.add('d'));
    await nextTurn();
    writes[2].done.resolve();
    await settle();
    expect(groups()).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(later.outcome).toBe('resolved');
  });
});
