import { RateLimiterRes } from 'rate-limiter-flexible';
import { StoreRateLimiter, WindowClaim } from './store-rate-limiter';

/** A shared count as the store keeps it (one row per key, reset when its window ended), with every claim made. */
function sharedStore() {
  const rows = new Map<string, { points: number; expire: number }>();
  const claims: number[] = [];
  let down = false;
  const claim: WindowClaim = async (key, points, windowEnd, now) => {
    await Promise.resolve();
    if (down) throw new Error('connection refused');
    claims.push(points);
    const row = rows.get(key);
    const next = !row || row.expire <= now ? { points, expire: windowEnd } : { points: row.points + points, expire: row.expire };
    rows.set(key, next);
    return next.points;
  };
  return { claim, rows, claims, setDown: (value: boolean) => (down = value) };
}

async function admitted(limiters: StoreRateLimiter[], count: number, points = 1, key = 'acme'): Promise<number> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => limiters[i % limiters.length].consume(key, points)));
  for (const outcome of outcomes) if (outcome.status === 'rejected' && !(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

describe('StoreRateLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_100, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('lets exactly the limit through between instances sharing a count, concurrent or not', async () => {
    const store = sharedStore();
    const limiters = [1, 2, 3].map(() => new StoreRateLimiter('requests', 5, store.claim));
    expect(await admitted(limiters, 30)).toBe(5);
    expect(await admitted(limiters, 3)).toBe(0);
  });

  it('claims in growing chunks: 1,000 requests at a limit of 1,000 cost a few claims, not 1,000', async () => {
    const store = sharedStore();
    const limiter = new StoreRateLimiter('requests', 1000, store.claim);
    for (let i = 0; i < 1000; i++) await limiter.consume('acme');
    await expect(limiter.consume('acme')).rejects.toBeInstanceOf(RateLimiterRes);
    expect(store.claims.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 64, 100]);
    expect(store.claims.length).toBeLessThan(20);
  });

  it('refuses with the time left in the second, and starts again in the next', async () => {
    const store = sharedStore();
    const limiter = new StoreRateLimiter('requests', 2, store.claim);
    expect(await admitted([limiter], 3)).toBe(2);
    const refusal = await limiter.consume('acme').catch((err: RateLimiterRes) => err);
    expect((refusal as RateLimiterRes).msBeforeNext).toBe(900);
    jest.setSystemTime(1_700_000_001_000);
    expect(await admitted([limiter], 3)).toBe(2);
  });

  it('counts a batch as its points, and refuses one larger than what is left without spending it', async () => {
    const store = sharedStore();
    const limiter = new StoreRateLimiter('dispatch', 10, store.claim);
    await limiter.consume('acme', 6);
    await expect(limiter.consume('acme', 6)).rejects.toBeInstanceOf(RateLimiterRes);
    await limiter.consume('acme', 4);
    await expect(limiter.consume('acme', 1)).rejects.toBeInstanceOf(RateLimiterRes);
    expect(await admitted([limiter], 1, 11, 'globex')).toBe(0);
  });

  it('keeps keys and limiters apart', async () => {
    const store = sharedStore();
    const [requests, dispatch] = [new StoreRateLimiter('requests', 2, store.claim), new StoreRateLimiter('dispatch', 2, store.claim)];
    expect(await admitted([requests], 3, 1, 'acme')).toBe(2);
    expect(await admitted([requests], 3, 1, 'globex')).toBe(2);
    expect(await admitted([dispatch], 3, 1, 'acme')).toBe(2);
    expect([...store.rows.keys()].sort()).toEqual(['dispatch:acme', 'requests:acme', 'requests:globex']);
  });

  it('counts in memory while the store does not answer, then shares again', async () => {
    const store = sharedStore();
    const limiter = new StoreRateLimiter('requests', 3, store.claim);
    store.setDown(true);
    expect(await admitted([limiter], 5)).toBe(3);
    store.setDown(false);
    jest.setSystemTime(1_700_000_001_000);
    expect(await admitted([limiter, new StoreRateLimiter('requests', 3, store.claim)], 6)).toBe(3);
    expect(store.rows.get('requests:acme')?.points).toBeGreaterThanOrEqual(3);
  });
});
