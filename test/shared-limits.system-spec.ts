import { CaskSystem, createTestDatabase, startApi } from '@cask/testing';

type Api = Awaited<ReturnType<typeof startApi>>;

/** Fires `count` requests at once, spread over the apis in turn; resolves their statuses. */
async function burst(
  apis: readonly string[],
  count: number,
  request: (baseUrl: string, i: number) => Promise<Response>,
): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => request(apis[i % apis.length], i)));
  await Promise.all(responses.map((response) => response.arrayBuffer()));
  return responses.map((response) => response.status);
}

const count = (statuses: readonly number[], status: number) => statuses.filter((s) => s === status).length;

/**
 * Per-tenant request and dispatch rates are counted in the store when it is PostgreSQL, so two api instances on
 * one database let through what one would: counted per instance, two would let through twice the limit.
 */
describe.each([
  ['requests', { RATE_LIMIT_PER_SECOND: '5' }],
  ['dispatches', { RATE_LIMIT_PER_SECOND: '0', DISPATCH_RATE_LIMIT_PER_SECOND: '5' }],
])('shared %s limit across two apis on one PostgreSQL database', (what, limits) => {
  let database: { url: string; drop: () => Promise<void> };
  let cask: CaskSystem;
  let second: Api;

  beforeAll(async () => {
    database = await createTestDatabase();
    cask = new CaskSystem(`shared-${what}`, { DATABASE_URL: database.url });
    await cask.startApi(limits);
    second = await startApi({ ...cask.commonEnv, ...limits });
  });

  afterAll(async () => {
    await second?.process.stop('SIGKILL');
    await cask.stop();
    await database.drop();
  });

  /** A request the limit counts: a read under the request limit, a dispatch under the dispatch limit. */
  const request = (baseUrl: string, i: number) =>
    what === 'requests'
      ? fetch(`${baseUrl}/jobs?limit=1`)
      : fetch(`${baseUrl}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'email.welcome', payload: { email: `u${i}@example.com`, name: `U${i}` } }),
        });

  it('lets 5 of 20 through in a second between both apis, and each api answers 429 with Retry-After past them', async () => {
    const apis = [cask.baseUrl, second.baseUrl];
    const started = Date.now();
    const statuses = await burst(apis, 20, request);
    // The burst and the request after it fit in one window: all count against the same second.
    expect(Date.now() - started).toBeLessThan(700);
    expect(count(statuses, what === 'requests' ? 200 : 202)).toBe(5);
    expect(count(statuses, 429)).toBe(15);
    // Both apis refused some: neither kept a count of its own.
    expect(new Set(statuses.map((status, i) => (status === 429 ? i % 2 : -1)).filter((api) => api >= 0))).toEqual(new Set([0, 1]));
    const refused = await request(apis[1], 99);
    await refused.arrayBuffer();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
