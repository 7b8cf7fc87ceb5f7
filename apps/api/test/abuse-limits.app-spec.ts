import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { createApiApp } from './api-app';

const ACME = 'cask_test_key_acme_limits_0123456789';
const GLOBEX = 'cask_test_key_globex_limits_01234567';
const KEYS = { CASK_API_KEYS: `acme:write:${ACME},globex:write:${GLOBEX}` };
const WELCOME = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };

/** Rate limits, the waiting-jobs cap and payload sizes: refused with a clear answer, and nothing stored. */
describe('Abuse limits', () => {
  const namespace = uniqueNamespace('limits');
  const apps: INestApplication[] = [];

  async function api(env: Record<string, string>) {
    const app = await createApiApp({ CASK_NAMESPACE: namespace, ...KEYS, ...env });
    apps.push(app);
    return { app, http: request(app.getHttpServer()) };
  }

  const jobCount = async (http: ReturnType<typeof request>, key: string) =>
    (await http.get('/stats').set('Authorization', `Bearer ${key}`).expect(200)).body.total as number;

  afterAll(async () => {
    for (const app of apps) await app.close();
    await deleteNamespace(namespace);
  });

  it('probes of 10,000 random job ids find nothing and trip the rate limit', async () => {
    // Low enough that even a client slowed down by a loaded machine sends faster than the limit.
    const { app } = await api({ RATE_LIMIT_PER_SECOND: '20' });
    await app.listen(0);
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const statuses = new Map<number, number>();
    const retryAfter = new Set<string | null>();
    let next = 0;
    const started = Date.now();
    // 20 clients at once, as a scanner would.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 10_000) {
          next += 1;
          const response = await fetch(`${base}/jobs/${uuidv7()}`, { headers: { authorization: `Bearer ${ACME}` } });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 429) retryAfter.add(response.headers.get('retry-after'));
        }
      }),
    );

    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(statuses.get(200) ?? 0).toBe(0);
    expect([...statuses.keys()].sort()).toEqual([404, 429]);
    // The limiter let through at most 20 a second (one window more for the one the probe started in).
    expect(statuses.get(404)).toBeLessThanOrEqual(20 * (seconds + 1));
    expect(statuses.get(429)).toBeGreaterThan(0);
    expect([...retryAfter]).toEqual(['1']);
  }, 120_000);

  it('answers 429 with Retry-After past the tenant’s dispatch rate, stores nothing, and leaves other tenants alone', async () => {
    const { http } = await api({ DISPATCH_RATE_LIMIT_PER_SECOND: '3' });
    const before = await jobCount(http, ACME);

    const statuses: number[] = [];
    let refused: request.Response | undefined;
    for (let i = 0; i < 10; i += 1) {
      const response = await http.post('/jobs').set('Authorization', `Bearer ${ACME}`).send(WELCOME);
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }

    // Ten requests pass three per second only if they take over three seconds: some must be refused.
    const accepted = statuses.filter((status) => status === 202).length;
    expect(statuses.every((status) => status === 202 || status === 429)).toBe(true);
    expect(refused).toBeDefined();
    expect(refused?.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(refused?.body).toEqual({ error: 'Rate limit exceeded: at most 3 jobs dispatched per second' });
    expect(await jobCount(http, ACME)).toBe(before + accepted);
    await http.post('/jobs').set('Authorization', `Bearer ${GLOBEX}`).send(WELCOME).expect(202);
  });

  it('refuses a batch larger than the dispatch rate allows, naming the limit', async () => {
    const { http } = await api({ DISPATCH_RATE_LIMIT_PER_SECOND: '3' });
    const response = await http
      .post('/jobs/batch')
      .set('Authorization', `Bearer ${ACME}`)
      .send({ jobs: Array.from({ length: 4 }, () => WELCOME) })
      .expect(400);
    expect(response.body.details).toEqual([
      { field: 'jobs', reason: 'A batch may hold at most 3 jobs under the dispatch rate limit; this one has 4' },
    ]);
  });

  it('caps a tenant’s waiting jobs: 429 past the cap, nothing stored, other tenants unaffected', async () => {
    const { http } = await api({ MAX_QUEUED_JOBS_PER_TENANT: '3' });
    // No worker runs here: every job stays queued. The cap counts jobs already stored by earlier tests too.
    const waiting = await jobCount(http, GLOBEX);
    for (let i = waiting; i < 3; i += 1) await http.post('/jobs').set('Authorization', `Bearer ${GLOBEX}`).send(WELCOME).expect(202);

    const refused = await http.post('/jobs').set('Authorization', `Bearer ${GLOBEX}`).send(WELCOME).expect(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body.error).toMatch(/^Too many jobs waiting: 3 of at most 3/);
    await http
      .post('/jobs/batch')
      .set('Authorization', `Bearer ${GLOBEX}`)
      .send({ jobs: [WELCOME] })
      .expect(429);
    expect(await jobCount(http, GLOBEX)).toBe(Math.max(waiting, 3));
  });

  it('refuses a payload over its type’s limit with 413, naming the field and the sizes; nothing stored', async () => {
    const { http } = await api({ JOB_MAX_PAYLOAD_BYTES: 'email.welcome=100' });
    const before = await jobCount(http, ACME);
    const big = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'A'.repeat(100) } };

    const single = await http.post('/jobs').set('Authorization', `Bearer ${ACME}`).send(big).expect(413);
    expect(single.body).toEqual({
      error: 'Payload too large for job type "email.welcome"',
      details: [{ field: 'payload', reason: 'must be at most 100 bytes as JSON; it is 137' }],
    });
    const batch = await http
      .post('/jobs/batch')
      .set('Authorization', `Bearer ${ACME}`)
      .send({ jobs: [WELCOME, big] })
      .expect(413);
    expect(batch.body.details).toEqual([{ field: 'jobs[1].payload', reason: 'must be at most 100 bytes as JSON; it is 137' }]);
    expect(await jobCount(http, ACME)).toBe(before);
    // Other types keep their definitions' limits.
    await http
      .post('/jobs')
      .set('Authorization', `Bearer ${ACME}`)
      .send({ type: 'demo.flaky', payload: { fail_times: 0 } })
      .expect(202);
  });
});
