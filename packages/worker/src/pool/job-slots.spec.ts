import { deferred } from '@cask/testing';
import { JobSlots } from './job-slots';
import { RateTokens } from './rate-tokens';

/** Lets every already-queued promise continuation run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i += 1) await Promise.resolve();
}

/** Tokens the test hands out; counts every look and who looked at once. */
class FakeTokens extends RateTokens {
  readonly available = new Map<string, number>();
  looks = 0;
  failing = false;

  give(type: string, count: number): void {
    this.available.set(type, (this.available.get(type) ?? 0) + count);
  }

  async take(type: string): Promise<boolean> {
    this.looks += 1;
    if (this.failing) throw new Error('channel closed');
    const left = this.available.get(type) ?? 0;
    if (left === 0) return false;
    this.available.set(type, left - 1);
    return true;
  }
}

/**
 * Slots wrapped so the test sees which jobs started, how many of each type ran at once at most, and can
 * finish each job by name. Backoffs between token looks end only when the test calls `wake()`.
 */
function harness(options: { concurrency: number; caps?: Record<string, number>; rateLimited?: string[] }) {
  const tokens = new FakeTokens();
  let backoffs: Array<() => void> = [];
  const slots = new JobSlots(
    options.concurrency,
    new Map(Object.entries(options.caps ?? {})),
    options.rateLimited ?? [],
    tokens,
    (_attempt, signal) => {
      const wait = deferred();
      backoffs.push(wait.resolve);
      signal.addEventListener('abort', () => wait.resolve());
      return wait.promise;
    },
  );
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<string>>>();
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  let runningAll = 0;
  let peakAll = 0;
  const submit = (name: string) => {
    const type = name.replace(/\d+$/, '');
    const gate = deferred<string>();
    gates.set(name, gate);
    return slots.run(type, async () => {
      started.push(name);
      running.set(type, (running.get(type) ?? 0) + 1);
      peak.set(type, Math.max(peak.get(type) ?? 0, running.get(type) as number));
      runningAll += 1;
      peakAll = Math.max(peakAll, runningAll);
      try {
        return await gate.promise;
      } finally {
        running.set(type, (running.get(type) as number) - 1);
        runningAll -= 1;
      }
    });
  };
  /** Submits one at a time, so they reach the slots in this order. */
  const submitInOrder = async (names: string[]) => {
    const results: Array<Promise<string>> = [];
    for (const name of names) {
      results.push(submit(name));
      await settle();
    }
    return results;
  };
  return {
    slots,
    tokens,
    submit,
    submitInOrder,
    started,
    finish: (name: string) => gates.get(name)?.resolve(`${name} done`),
    fail: (name: string) => gates.get(name)?.reject(new Error(`${name} broke`)),
    /** Ends every backoff in progress, as if its time had passed. */
    wake: () => {
      const waiting = backoffs;
      backoffs = [];
      for (const resolve of waiting) resolve();
    },
    get backingOff() {
      return backoffs.length;
    },
    peak: (type: string) => peak.get(type) ?? 0,
    get peakAll() {
      return peakAll;
    },
  };
}

describe('JobSlots', () => {
  describe('per-type caps', () => {
    it('runs no more jobs of a capped type at once than its cap, while a backlog drains', async () => {
      const h = harness({ concurrency: 10, caps: { video: 2 } });
      const names = ['video1', 'video2', 'video3', 'video4', 'video5', 'video6'];
      const results = names.map((name) => h.submit(name));
      await settle();
      expect(h.started).toEqual(['video1', 'video2']);

      for (const name of names) {
        h.finish(name);
        await settle();
      }

      await expect(Promise.all(results)).resolves.toEqual(names.map((name) => `${name} done`));
      expect(h.started).toEqual(names);
      expect(h.peak('video')).toBe(2);
    });

    it('keeps jobs waiting for their cap off worker slots, so other types run meanwhile', async () => {
      const h = harness({ concurrency: 3, caps: { video: 1 } });
      await h.submitInOrder(['video1', 'video2', 'video3', 'email1', 'email2']);

      expect(h.started).toEqual(['video1', 'email1', 'email2']);
      expect(h.slots.running).toBe(3);
    });

    it('still holds the worker limit across types', async () => {
      const h = harness({ concurrency: 2, caps: { video: 2 } });
      await h.submitInOrder(['video1', 'email1', 'video2', 'email2']);

      expect(h.started).toEqual(['video1', 'email1']);
      h.finish('email1');
      await settle();
      expect(h.started).toEqual(['video1', 'email1', 'video2']);
      expect(h.peakAll).toBe(2);
    });

    it('gives back both slots of a job that fails', async () => {
      const h = harness({ concurrency: 1, caps: { video: 1 } });
      const [failing, next, other] = await h.submitInOrder(['video1', 'video2', 'email1']);

      h.fail('video1');
      await expect(failing).rejects.toThrow('video1 broke');
      await settle();

      // The worker slot goes to email1, first in line for it; video2 got the type slot and lines up behind.
      expect(h.started).toEqual(['video1', 'email1']);
      h.finish('email1');
      await settle();
      expect(h.started).toEqual(['video1', 'email1', 'video2']);
      h.finish('video2');
      await expect(Promise.all([next, other])).resolves.toEqual(['video2 done', 'email1 done']);
      expect(h.slots.running).toBe(0);
    });
  });

  describe('rate-limited types', () => {
    it('starts a rate-limited job only with a token, one token per start', async () => {
      const h = harness({ concurrency: 10, rateLimited: ['report'] });
      h.tokens.give('report', 2);
      for (const name of ['report1', 'report2', 'report3']) void h.submit(name);
      await settle();

      expect(h.started).toEqual(['report1', 'report2']);
      expect(h.tokens.available.get('report')).toBe(0);
      expect(h.backingOff).toBe(1);

      h.tokens.give('report', 1);
      h.wake();
      await settle();
      expect(h.started).toEqual(['report1', 'report2', 'report3']);
    });

    it('holds no worker slot while it waits for a token, so other types run meanwhile', async () => {
      const h = harness({ concurrency: 1, rateLimited: ['report'] });
      void h.submit('report1');
      await settle();
      void h.submit('email1');
      await settle();

      expect(h.started).toEqual(['email1']);
      expect(h.slots.running).toBe(1);
    });

    it('has one job per type look for tokens at a time; the others queue behind it', async () => {
      const h = harness({ concurrency: 10, rateLimited: ['report'] });
      for (const name of ['report1', 'report2', 'report3', 'report4']) void h.submit(name);
      await settle();

      expect(h.tokens.looks).toBe(1);
      expect(h.backingOff).toBe(1);
      h.wake();
      await settle();
      expect(h.tokens.looks).toBe(2);

      h.tokens.give('report', 4);
      h.wake();
      await settle();
      expect(h.started).toEqual(['report1', 'report2', 'report3', 'report4']);
      expect(h.tokens.looks).toBe(6);
    });

    it('does not let one type waiting for tokens hold back another rate-limited type', async () => {
      const h = harness({ concurrency: 10, rateLimited: ['report', 'sms'] });
      h.tokens.give('sms', 1);
      for (const name of ['report1', 'sms1']) void h.submit(name);
      await settle();

      expect(h.started).toEqual(['sms1']);
    });

    it('looks for a token only once its type has a free slot under its cap', async () => {
      const h = harness({ concurrency: 10, caps: { report: 1 }, rateLimited: ['report'] });
      h.tokens.give('report', 5);
      for (const name of ['report1', 'report2']) void h.submit(name);
      await settle();

      expect(h.started).toEqual(['report1']);
      expect(h.tokens.available.get('report')).toBe(4);
      h.finish('report1');
      await settle();
      expect(h.started).toEqual(['report1', 'report2']);
      expect(h.tokens.available.get('report')).toBe(3);
    });

    it('treats a failed look for a token as no token, and keeps the job', async () => {
      const h = harness({ concurrency: 2, rateLimited: ['report'] });
      h.tokens.failing = true;
      const job = h.submit('report1');
      await settle();

      expect(h.started).toEqual([]);
      expect(h.slots.running).toBe(0);
      h.tokens.failing = false;
      h.tokens.give('report', 1);
      h.wake();
      await settle();
      h.finish('report1');
      await expect(job).resolves.toBe('report1 done');
    });
  });

  describe('releaseWaiting', () => {
    it('lets every waiting job through at once: behind a cap, behind the worker limit and waiting for a token', async () => {
      const h = harness({ concurrency: 1, caps: { video: 1 }, rateLimited: ['report'] });
      await h.submitInOrder(['video1', 'video2', 'email1', 'report1', 'report2']);
      expect(h.started).toEqual(['video1']);

      h.slots.releaseWaiting();
      await settle();

      expect([...h.started].sort()).toEqual(['email1', 'report1', 'report2', 'video1', 'video2']);
      expect(h.tokens.looks).toBe(0);
    });

    it('ends the backoff of a job waiting for a token and lets it through without one', async () => {
      const h = harness({ concurrency: 2, rateLimited: ['report'] });
      void h.submit('report1');
      await settle();
      expect(h.backingOff).toBe(1);

      h.slots.releaseWaiting();
      await settle();

      expect(h.started).toEqual(['report1']);
      expect(h.tokens.looks).toBe(1);
    });

    it('lets a job arriving after shutdown began through at once, without a token', async () => {
      const h = harness({ concurrency: 1, caps: { video: 1 }, rateLimited: ['report'] });
      void h.submit('video1');
      await settle();

      h.slots.releaseWaiting();
      for (const name of ['video2', 'report1']) void h.submit(name);
      await settle();

      expect(h.started).toEqual(['video1', 'video2', 'report1']);
      expect(h.tokens.looks).toBe(0);
    });
  });
});
