import { deferred, settle } from '@cask/testing';
import { ConcurrencyLimiter } from './concurrency-limiter';

/**
 * A limiter wrapped so the test sees which tasks have started, the most that ever ran at once, and can
 * finish each task by name.
 */
function harness(limit: number) {
  const limiter = new ConcurrencyLimiter(limit);
  const startOrder: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<string>>>();
  let running = 0;
  let peak = 0;
  const submit = (name: string) => {
    const gate = deferred<string>();
    gates.set(name, gate);
    return limiter.run(async () => {
      startOrder.push(name);
      running += 1;
      peak = Math.max(peak, running);
      try {
        return await gate.promise;
      } finally {
        running -= 1;
      }
    });
  };
  return {
    limiter,
    submit,
    startOrder,
    finish: (name: string) => gates.get(name)!.resolve(`${name} done`),
    fail: (name: string) => gates.get(name)!.reject(new Error(`${name} broke`)),
    get peak() {
      return peak;
    },
  };
}

describe('ConcurrencyLimiter', () => {
  it('starts no more than limit tasks while they are all busy', async () => {
    const h = harness(2);

    for (const name of ['a', 'b', 'c', 'd']) void h.submit(name);
    await settle();

    expect(h.startOrder).toEqual(['a', 'b']);
    expect(h.limiter.running).toBe(2);
  });

  it('never runs more than limit tasks at once while a backlog drains', async () => {
    const h = harness(3);
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const results = names.map((name) => h.submit(name));

    for (const name of names) {
      await settle();
      h.finish(name);
    }

    await expect(Promise.all(results)).resolves.toEqual(names.map((name) => `${name} done`));
    expect(h.peak).toBe(3);
  });

  it('starts waiting tasks in arrival order as slots free up', async () => {
    const h = harness(1);
    for (const name of ['a', 'b', 'c', 'd']) void h.submit(name);
    await settle();

    h.finish('a');
    await settle();
    h.finish('b');
    await settle();
    h.finish('c');
    await settle();

    expect(h.startOrder).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts the next waiting task when a task finishes out of order', async () => {
    const h = harness(2);
    for (const name of ['a', 'b', 'c']) void h.submit(name);
    await settle();

    h.finish('b');
    await settle();

    expect(h.startOrder).toEqual(['a', 'b', 'c']);
    expect(h.limiter.running).toBe(2);
  });

  it('gives a freed slot to the earliest waiting task, not to a task submitted as the slot frees', async () => {
    const h = harness(1);
    const first = h.submit('a');
    void h.submit('b');
    await settle();
    // Submitted from a continuation of a's completion, before b has had a chance to resume.
    const late = first.then(() => h.submit('late'));

    h.finish('a');
    await settle();

    expect(h.startOrder).toEqual(['a', 'b']);
    expect(h.peak).toBe(1);
    h.finish('b');
    await settle();
    h.finish('late');
    await expect(late).resolves.toBe('late done');
  });

  it('frees the slot of a failing task and passes its error to the caller', async () => {
    const h = harness(1);
    const failing = h.submit('a');
    const next = h.submit('b');
    await settle();

    h.fail('a');

    await expect(failing).rejects.toThrow('a broke');
    await settle();
    expect(h.startOrder).toEqual(['a', 'b']);
    h.finish('b');
    await expect(next).resolves.toBe('b done');
  });

  it('frees the slot of a task that throws before returning a promise', async () => {
    const limiter = new ConcurrencyLimiter(1);

    await expect(
      limiter.run(() => {
        throw new Error('sync failure');
      }),
    ).rejects.toThrow('sync failure');

    await expect(limiter.run(async () => 'ran')).resolves.toBe('ran');
    expect(limiter.running).toBe(0);
  });

  it('reports no running tasks once all have finished', async () => {
    const h = harness(2);
    const results = ['a', 'b', 'c'].map((name) => h.submit(name));
    await settle();
    h.finish('a');
    h.finish('b');
    await settle();
    h.finish('c');

    await Promise.all(results);
    expect(h.limiter.running).toBe(0);
  });

  describe('acquire', () => {
    it('hands out slots up to the limit and makes the next caller wait for a release', async () => {
      const limiter = new ConcurrencyLimiter(2);
      const first = await limiter.acquire();
      await limiter.acquire();
      let third = false;
      void limiter.acquire().then(() => (third = true));
      await settle();

      expect(third).toBe(false);
      expect(limiter.queued).toBe(1);
      first();
      await settle();
      expect(third).toBe(true);
      expect(limiter.running).toBe(2);
    });

    it('ignores a second release of the same slot', async () => {
      const limiter = new ConcurrencyLimiter(1);
      const release = await limiter.acquire();
      release();
      const again = await limiter.acquire();
      let waiting = false;
      void limiter.acquire().then(() => (waiting = true));

      release();
      await settle();

      expect(waiting).toBe(false);
      expect(limiter.running).toBe(1);
      again();
      await settle();
      expect(waiting).toBe(true);
    });

    it('passes a released slot to the waiter even when another caller asks in the same turn', async () => {
      const limiter = new ConcurrencyLimiter(1);
      const release = await limiter.acquire();
      const order: string[] = [];
      void limiter.acquire().then(() => order.push('waiter'));
      await settle();

      release();
      void limiter.acquire().then(() => order.push('newcomer'));
      await settle();

      expect(order).toEqual(['waiter']);
      expect(limiter.running).toBe(1);
    });
  });

  describe('releaseWaiting', () => {
    it('starts every waiting task at once, in arrival order, past the limit', async () => {
      const h = harness(1);
      for (const name of ['a', 'b', 'c', 'd']) void h.submit(name);
      await settle();

      h.limiter.releaseWaiting();
      await settle();

      expect(h.startOrder).toEqual(['a', 'b', 'c', 'd']);
      expect(h.limiter.running).toBe(4);
    });

    it('delivers the results of released tasks and of the task that was running', async () => {
      const h = harness(1);
      const results = ['a', 'b', 'c'].map((name) => h.submit(name));
      await settle();

      h.limiter.releaseWaiting();
      await settle();
      for (const name of ['c', 'a', 'b']) h.finish(name);

      await expect(Promise.all(results)).resolves.toEqual(['a done', 'b done', 'c done']);
      expect(h.limiter.running).toBe(0);
    });

    it('changes nothing when no task is waiting', async () => {
      const h = harness(2);
      void h.submit('a');
      await settle();

      h.limiter.releaseWaiting();
      for (const name of ['b', 'c']) void h.submit(name);
      await settle();

      expect(h.startOrder).toEqual(['a', 'b']);
      expect(h.limiter.running).toBe(2);
    });

    it('holds the limit again once the released tasks have finished', async () => {
      const h = harness(1);
      const released = ['a', 'b', 'c'].map((name) => h.submit(name));
      await settle();
      h.limiter.releaseWaiting();
      h.limiter.releaseWaiting();
      await settle();
      for (const name of ['a', 'b', 'c']) h.finish(name);
      await Promise.all(released);

      for (const name of ['x', 'y']) void h.submit(name);
      await settle();

      expect(h.startOrder).toEqual(['a', 'b', 'c', 'x']);
      expect(h.limiter.running).toBe(1);
    });
  });
});
