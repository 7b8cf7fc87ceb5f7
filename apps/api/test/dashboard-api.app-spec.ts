import { JobStartedEvent, JobSucceededEvent, JobFailedEvent } from '@cask/contracts';
import { deleteNamespace, uniqueNamespace, waitFor } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { OutboxRelay } from '../../../packages/nestjs/src/outbox/outbox-relay';
import { JobStore } from '../../../packages/nestjs/src/store/job-store';
import { createApiApp } from './api-app';

const ACME_WRITE = 'cask_test_key_dash_acme_write_012345';
const ACME_READ = 'cask_test_key_dash_acme_read_0123456';
const GLOBEX_READ = 'cask_test_key_dash_globex_read_01234';
const API_KEYS = `acme:write:${ACME_WRITE},acme:read:${ACME_READ},globex:read:${GLOBEX_READ}`;
const MINUTE = 60_000;

/** What the dashboard reads besides the job endpoints: who the key is, the last hour, and the shared system. */
describe('Dashboard data: /auth/whoami, /stats/activity, /system', () => {
  const namespace = uniqueNamespace('dash-api');
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let store: JobStore;

  const get = (path: string, key: string) => http.get(path).set('Authorization', `Bearer ${key}`);

  /** A job of `tenant` committed as the api would, then run by a worker from `startedAt` to `at`. */
  async function finished(tenant: string, outcome: 'succeeded' | 'failed', startedAt: number, at: number): Promise<string> {
    const id = await queued(tenant, startedAt - 5);
    const base = { job_id: id, type: 'email.welcome', series: 1, attempt: 1, worker: 'worker-1', tenant };
    const start: JobStartedEvent = { kind: 'started', ...base, at: startedAt };
    const end: JobSucceededEvent | JobFailedEvent =
      outcome === 'succeeded'
        ? { kind: 'succeeded', ...base, at, started_at: startedAt, result: {} }
        : { kind: 'failed', ...base, at, started_at: startedAt, error: { code: 'permanent', message: 'no', retryable: false } };
    await store.applyEvents([start, end]);
    return id;
  }

  async function queued(tenant: string, createdAt: number, availableAt = Date.now() + 3_600_000): Promise<string> {
    const id = uuidv7();
    const job = {
      id,
      type: 'email.welcome',
      queue: 'default',
      status: 'queued' as const,
      payload: {},
      maxAttempts: 1,
      priority: 0,
      createdAt,
      backoff: { type: 'fixed' as const, baseMs: 0, capMs: 0, jitter: 0 },
      timeoutMs: 1000,
      tenant,
    };
    // The message is not due: the relay leaves it alone, and only the store matters here.
    await store.createJob(job, { id: uuidv7(), jobId: id, routingKey: 'default', body: '{}', priority: 0, createdAt, availableAt });
    return id;
  }

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace, CASK_API_KEYS: API_KEYS });
    http = request(app.getHttpServer());
    store = app.get(JobStore);
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('GET /auth/whoami names the tenant and scope of any valid key', async () => {
    expect((await get('/auth/whoami', ACME_READ).expect(200)).body).toEqual({ tenant: 'acme', scope: 'read', keys_required: true });
    expect((await get('/auth/whoami', ACME_WRITE).expect(200)).body).toEqual({ tenant: 'acme', scope: 'write', keys_required: true });
    expect((await get('/auth/whoami', GLOBEX_READ).expect(200)).body).toEqual({ tenant: 'globex', scope: 'read', keys_required: true });
    await http.get('/auth/whoami').expect(401);
  });

  it('GET /stats/activity counts the tenant’s finishes per minute, their p50/p95 and the oldest queued job', async () => {
    const now = Date.now();
    const thisMinute = Math.floor(now / MINUTE) * MINUTE;
    // Ten minutes ago: 3 succeeded in 100, 200 and 300 ms, 1 failed in 1 s; now: 1 succeeded in 50 ms.
    const tenAgo = thisMinute - 10 * MINUTE;
    for (const ms of [100, 200, 300]) await finished('acme', 'succeeded', tenAgo + 1_000, tenAgo + 1_000 + ms);
    await finished('acme', 'failed', tenAgo + 2_000, tenAgo + 3_000);
    await finished('acme', 'succeeded', Math.max(thisMinute, now - 60), Math.max(thisMinute, now - 60) + 50);
    // Another tenant's finish, and a finish before the window, count for nobody here.
    await finished('globex', 'failed', tenAgo, tenAgo + 10);
    await finished('acme', 'succeeded', thisMinute - 61 * MINUTE, thisMinute - 61 * MINUTE + 5);
    await queued('acme', now - 30_000);
    await queued('acme', now - 5_000);

    const body = (await get('/stats/activity', ACME_READ).expect(200)).body;

    // Found by time, not position: the minute may turn between the writes and the read.
    const minute = (at: number) => body.minutes.find((m: { at: string }) => m.at === new Date(at).toISOString());
    expect(body.minutes).toHaveLength(60);
    expect(body.from).toBe(body.minutes[0].at);
    expect([thisMinute - 59 * MINUTE, thisMinute - 58 * MINUTE].map((at) => new Date(at).toISOString())).toContain(body.from);
    expect(body.minutes.map((m: { at: string }) => Date.parse(m.at) - Date.parse(body.from))).toEqual(
      Array.from({ length: 60 }, (_, i) => i * MINUTE),
    );
    expect(minute(tenAgo)).toEqual({ at: new Date(tenAgo).toISOString(), succeeded: 3, failed: 1 });
    expect(minute(thisMinute)).toEqual({ at: new Date(thisMinute).toISOString(), succeeded: 1, failed: 0 });
    const total = body.minutes.reduce((sum: number, m: { succeeded: number; failed: number }) => sum + m.succeeded + m.failed, 0);
    expect(total).toBe(5);
    expect(body.duration_ms).toEqual({ jobs: 5, p50: 200, p95: 1_000 });
    expect(body.oldest_queued.age_ms).toBeGreaterThanOrEqual(30_000);
    expect(body.oldest_queued.age_ms).toBeLessThan(30_000 + (Date.now() - now) + 1_000);

    const globex = (await get('/stats/activity', GLOBEX_READ).expect(200)).body;
    expect(globex.minutes.find((m: { at: string }) => m.at === new Date(tenAgo).toISOString())).toEqual({
      at: new Date(tenAgo).toISOString(),
      succeeded: 0,
      failed: 1,
    });
    expect(globex.duration_ms).toEqual({ jobs: 1, p50: 10, p95: 10 });
    expect(globex.oldest_queued).toBeNull();
  });

  it('GET /jobs/:id carries the payload as dispatched, for the job detail; a page of GET /jobs does not', async () => {
    const payload = { email: 'ada@example.com', name: 'Ada Lovelace' };
    const { job_id } = (
      await http.post('/jobs').set('Authorization', `Bearer ${ACME_WRITE}`).send({ type: 'email.welcome', payload }).expect(202)
    ).body;

    expect((await get(`/jobs/${job_id}`, ACME_READ).expect(200)).body).toMatchObject({ job_id, payload, history: expect.any(Array) });
    const page = (await get('/jobs?limit=5', ACME_READ).expect(200)).body;
    expect(page.items.map((item: { job_id: string }) => item.job_id)).toContain(job_id);
    expect(page.items.every((item: object) => !('payload' in item))).toBe(true);
    await get(`/jobs/${job_id}`, GLOBEX_READ).expect(404);
  });

  it('names the worker of a job’s latest attempt in GET /jobs/:id and GET /jobs, null before one starts', async () => {
    const waiting = await queued('acme', Date.now());
    const ran = await finished('acme', 'succeeded', Date.now() - 20, Date.now());

    expect((await get(`/jobs/${waiting}`, ACME_READ).expect(200)).body.worker).toBeNull();
    expect((await get(`/jobs/${ran}`, ACME_READ).expect(200)).body.worker).toBe('worker-1');
    const page = (await get('/jobs?limit=100', ACME_READ).expect(200)).body;
    expect(page.items.find((item: { job_id: string }) => item.job_id === ran).worker).toBe('worker-1');
  });

  it('GET /system shows every queue with its depth and consumers, the workers online and the outbox backlog', async () => {
    // Backlog is what waits for the broker's confirm and is due within a publish's lease; later ones are
    // delayed jobs. One message due in 10 s counts, the hour-away ones above do not.
    expect(app.get(OutboxRelay).inlineLeaseMs).toBeGreaterThan(10_000);
    await queued('acme', Date.now(), Date.now() + 10_000);
    const body = await waitFor(
      async () => {
        const system = (await get('/system', GLOBEX_READ).expect(200)).body;
        return system.outbox_backlog === 1 && system;
      },
      { what: 'an outbox backlog of 1' },
    );

    expect(body.broker_connected).toBe(true);
    expect(body.queues.map((q: { name: string; kind: string; broker_queue: string }) => [q.name, q.kind, q.broker_queue])).toEqual([
      ['default', 'jobs', `${namespace}.jobs.default`],
      ['video', 'jobs', `${namespace}.jobs.video`],
      ['webhooks', 'jobs', `${namespace}.jobs.webhooks`],
      ['dead-letter', 'dead-letter', `${namespace}.dead`],
      ['events', 'events', `${namespace}.events`],
    ]);
    for (const queue of body.queues) {
      expect([queue.name, queue.messages, queue.consumers]).toEqual([queue.name, expect.any(Number), expect.any(Number)]);
    }
    // The api itself consumes the event queue; no worker runs in this test.
    expect(body.queues.find((q: { kind: string }) => q.kind === 'events').consumers).toBeGreaterThanOrEqual(1);
    expect(body.queues.find((q: { name: string }) => q.name === 'default').consumers).toBe(0);
    expect(body.workers_online).toBe(0);
  });
});

describe('Dashboard data in an open api (no keys)', () => {
  const namespace = uniqueNamespace('dash-open');
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace });
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('GET /auth/whoami answers the default tenant with write scope, and that keys are not required', async () => {
    const body = (await request(app.getHttpServer()).get('/auth/whoami').expect(200)).body;

    expect(body).toEqual({ tenant: 'default', scope: 'write', keys_required: false });
  });
});
