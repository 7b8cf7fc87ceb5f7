import { SCHEDULE_NAME_MAX_LENGTH } from '@cask/contracts';
import { JOB_DEFINITIONS } from '@cask/examples';
import { TcpProxy, deleteNamespace, rawConnection, uniqueNamespace, waitFor } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApiApp } from './api-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const welcome = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };

/** Error bodies carry a sentence and field details, nothing else: no status echo, no stack. */
function expectErrorBody(body: Record<string, unknown>): void {
  expect(Object.keys(body).every((key) => key === 'error' || key === 'details')).toBe(true);
  expect(typeof body.error).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
}

describe('api HTTP contract', () => {
  const namespace = uniqueNamespace('app');
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace });
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  async function queueDepth(queue: string): Promise<number> {
    const connection = await rawConnection();
    try {
      const channel = await connection.createChannel();
      return (await channel.checkQueue(`${namespace}.jobs.${queue}`)).messageCount;
    } finally {
      await connection.close();
    }
  }

  async function jobCount(): Promise<number> {
    const response = await http.get('/jobs?limit=100');
    return response.body.items.length;
  }

  describe('POST /jobs', () => {
    it('answers 202 with the one-line queued body and a Location, and the job is stored and on its queue', async () => {
      const before = await queueDepth('default');
      const response = await http.post('/jobs').send(welcome).expect(202);
      expect(Object.keys(response.body).sort()).toEqual(['job_id', 'status']);
      expect(response.body.status).toBe('queued');
      expect(response.body.job_id).toMatch(UUID);
      expect(response.headers.location).toBe(`/jobs/${response.body.job_id}`);
      const job = await http.get(response.headers.location).expect(200);
      expect(job.body).toMatchObject({
        job_id: response.body.job_id,
        type: 'email.welcome',
        status: 'queued',
        attempts: 0,
        max_attempts: 3,
        result: null,
        error: null,
      });
      await waitFor(async () => (await queueDepth('default')) === before + 1, { what: 'the message to reach its queue' });
    });

    it('routes a job to the queue its definition names', async () => {
      const before = await queueDepth('video');
      await http
        .post('/jobs')
        .send({ type: 'video.process', payload: { url: 'https://example.com/a.mp4' } })
        .expect(202);
      await waitFor(async () => (await queueDepth('video')) === before + 1, { what: 'the message to reach the video queue' });
    });

    it('accepts a priority from 0 to 9 and refuses 10', async () => {
      await http
        .post('/jobs')
        .send({ ...welcome, priority: 9 })
        .expect(202);
      const response = await http
        .post('/jobs')
        .send({ ...welcome, priority: 10 })
        .expect(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'priority' })]);
    });

    it('names every bad payload field and stores nothing', async () => {
      const before = await jobCount();
      const response = await http
        .post('/jobs')
        .send({ type: 'email.welcome', payload: { email: 'not-an-address', name: '' } })
        .expect(400);
      expectErrorBody(response.body);
      const fields = response.body.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['payload.email', 'payload.name']));
      expect(await jobCount()).toBe(before);
    });

    it('refuses a payload property the job does not define', async () => {
      const response = await http
        .post('/jobs')
        .send({ type: 'demo.flaky', payload: { fail_times: 1, extra: true } })
        .expect(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'payload.extra' })]);
    });

    it('refuses a wrongly typed value instead of coercing it', async () => {
      const response = await http
        .post('/jobs')
        .send({ type: 'demo.flaky', payload: { fail_times: '1' } })
        .expect(400);
      expect(response.body.details[0].field).toBe('payload.fail_times');
    });

    it('answers an unknown type with 400 listing the known types', async () => {
      const response = await http.post('/jobs').send({ type: 'nope.never', payload: {} }).expect(400);
      expectErrorBody(response.body);
      expect(response.body.details[0].field).toBe('type');
      for (const known of JOB_DEFINITIONS.map((job) => job.name)) expect(response.body.details[0].reason).toContain(known);
    });

    it('answers a missing type or a non-object payload with 400 naming the field', async () => {
      const missing = await http.post('/jobs').send({ payload: {} }).expect(400);
      expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('type');
      const scalar = await http.post('/jobs').send({ type: 'email.welcome', payload: 'hello' }).expect(400);
      expect(scalar.body.details.map((d: { field: string }) => d.field)).toContain('payload');
    });

    it('refuses unknown top-level properties', async () => {
      const response = await http
        .post('/jobs')
        .send({ ...welcome, color: 'blue' })
        .expect(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'color' })]);
    });

    it('reads a schedule back by a name as long as names may be', async () => {
      const name = `nightly.${'x'.repeat(SCHEDULE_NAME_MAX_LENGTH - 'nightly.'.length)}`;
      await http
        .post('/schedules')
        .send({ name, cron: '0 3 * * *', ...welcome })
        .expect(201);
      expect((await http.get(`/schedules/${name}`).expect(200)).body.name).toBe(name);
      await http.delete(`/schedules/${name}`).expect(204);
    });

    it('answers a malformed percent-encoding in the path with 400, the error body and the request id', async () => {
      const response = await http.get('/jobs/%E0%A4%A').expect(400);
      expectErrorBody(response.body);
      expect(response.body.details).toEqual([{ field: 'url', reason: expect.stringContaining('percent-encoded') }]);
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    });

    it('answers a path parameter longer than any id or name with 414 and the error body', async () => {
      const response = await http.get(`/jobs/${'a'.repeat(SCHEDULE_NAME_MAX_LENGTH + 1)}`).expect(414);
      expect(response.body).toEqual({ error: 'Path parameter too long', details: [expect.objectContaining({ field: 'url' })] });
    });

    it('reads an empty body with a JSON content type as {}, as a client sends with its default headers', async () => {
      const response = await http.post('/jobs').set('content-type', 'application/json').expect(400);
      expect(response.body.details.map((d: { field: string }) => d.field)).toContain('type');
    });

    it('answers malformed JSON with 400', async () => {
      const response = await http.post('/jobs').set('content-type', 'application/json').send('{"type": ').expect(400);
      expectErrorBody(response.body);
    });

    it('answers a non-JSON content type with 415', async () => {
      const response = await http.post('/jobs').set('content-type', 'text/plain').send('type=email.welcome').expect(415);
      expectErrorBody(response.body);
    });

    it('answers a body over 1 MiB with 413 and stores nothing', async () => {
      const before = await jobCount();
      const name = 'x'.repeat(1024 * 1024 + 1);
      const response = await http
        .post('/jobs')
        .send({ type: 'email.welcome', payload: { email: 'a@example.com', name } })
        .expect(413);
      expectErrorBody(response.body);
      expect(await jobCount()).toBe(before);
    });
  });

  describe('retry options and idempotency', () => {
    it('accepts max_attempts, backoff and timeout_ms and shows max_attempts', async () => {
      const response = await http
        .post('/jobs')
        .send({ ...welcome, max_attempts: 5, backoff: { type: 'fixed', base_ms: 100, cap_ms: 100, jitter: 0 }, timeout_ms: 2000 })
        .expect(202);
      const job = await http.get(`/jobs/${response.body.job_id}`).expect(200);
      expect(job.body).toMatchObject({ max_attempts: 5, next_attempt_at: null, history: [] });
    });

    it('names each bad retry option', async () => {
      const response = await http
        .post('/jobs')
        .send({ ...welcome, max_attempts: 0, backoff: { type: 'linear', base_ms: -1, cap_ms: 10, jitter: 2 }, timeout_ms: 0 })
        .expect(400);
      const fields = response.body.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['max_attempts', 'timeout_ms', 'backoff.type', 'backoff.base_ms', 'backoff.jitter']));
    });

    it('refuses a backoff whose cap is below its base', async () => {
      const response = await http
        .post('/jobs')
        .send({ ...welcome, backoff: { type: 'exponential', base_ms: 500, cap_ms: 100, jitter: 0 } })
        .expect(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'backoff.cap_ms' })]);
    });

    it('returns the same job for a repeated Idempotency-Key and creates no other', async () => {
      const before = await jobCount();
      const first = await http.post('/jobs').set('Idempotency-Key', 'app-key-1').send(welcome).expect(202);
      const again = await http.post('/jobs').set('Idempotency-Key', 'app-key-1').send(welcome).expect(202);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(await jobCount()).toBe(before + 1);
    });

    it('answers 409 for a repeated Idempotency-Key with another body', async () => {
      await http.post('/jobs').set('Idempotency-Key', 'app-key-2').send(welcome).expect(202);
      const response = await http
        .post('/jobs')
        .set('Idempotency-Key', 'app-key-2')
        .send({ ...welcome, priority: 4 })
        .expect(409);
      expectErrorBody(response.body);
    });

    it('matches a repeated delay_ms request on its body, not on its due time', async () => {
      const body = { ...welcome, delay_ms: 60_000 };
      const first = await http.post('/jobs').set('Idempotency-Key', 'app-key-delay').send(body).expect(202);
      expect(first.body.status).toBe('scheduled');
      const again = await http.post('/jobs').set('Idempotency-Key', 'app-key-delay').send(body).expect(202);
      expect(again.body.job_id).toBe(first.body.job_id);
    });

    it('answers 400 for a malformed Idempotency-Key', async () => {
      const response = await http.post('/jobs').set('Idempotency-Key', 'has space').send(welcome).expect(400);
      expect(response.body.details[0].field).toBe('Idempotency-Key');
    });
  });

  describe('reserved keys', () => {
    it.each(['__proto__', 'constructor'])('refuses a %s key in a payload or a body with 400, storing nothing', async (key) => {
      const before = (await http.get('/jobs?limit=100').expect(200)).body.items.length;
      const inPayload = `{"type":"email.welcome","payload":{"email":"ada@example.com","name":"Ada","${key}":{"admin":true}}}`;
      const inBody = `{"type":"email.welcome","payload":{"email":"ada@example.com","name":"Ada"},"${key}":{"admin":true}}`;
      const inBatch = `{"jobs":[${inPayload}]}`;
      for (const [path, body, field] of [
        ['/jobs', inPayload, `payload.${key}`],
        ['/jobs', inBody, key],
        ['/jobs/batch', inBatch, `jobs[0].payload.${key}`],
      ]) {
        const response = await http.post(path).set('content-type', 'application/json').send(body).expect(400);
        expect(response.body.details).toEqual([{ field, reason: `property ${key} should not exist` }]);
      }
      expect((await http.get('/jobs?limit=100').expect(200)).body.items.length).toBe(before);
    });
  });

  describe('POST /jobs/batch', () => {
    it('names a bad option of a batch item by index, like a bad payload', async () => {
      const response = await http
        .post('/jobs/batch')
        .send({ jobs: [welcome, { ...welcome, priority: 12 }] })
        .expect(400);
      expect(response.body.details.map((d: { field: string }) => d.field)).toEqual(['jobs[1].priority']);
    });

    it('says in words what is wrong with an empty or oversized batch', async () => {
      expect((await http.post('/jobs/batch').send({ jobs: [] }).expect(400)).body.details).toEqual([
        { field: 'jobs', reason: 'must hold at least one job' },
      ]);
      const tooMany = Array.from({ length: 1001 }, () => welcome);
      expect((await http.post('/jobs/batch').send({ jobs: tooMany }).expect(400)).body.details).toEqual([
        { field: 'jobs', reason: 'must hold at most 1000 jobs' },
      ]);
    });
  });

  describe('POST /jobs/:id/retry and POST /jobs/retry', () => {
    it('answers 409 for a job that has not failed', async () => {
      const created = await http.post('/jobs').send(welcome).expect(202);
      const response = await http.post(`/jobs/${created.body.job_id}/retry`).expect(409);
      expect(response.body.error).toContain('queued');
    });

    it('answers 404 for an unknown job and 400 for a malformed id', async () => {
      expect((await http.post('/jobs/01900000-0000-7000-8000-000000000000/retry').expect(404)).body).toEqual({ error: 'Job not found' });
      await http.post('/jobs/nope/retry').expect(400);
    });

    it('bulk retry needs a filter and says how many it redrove', async () => {
      expect((await http.post('/jobs/retry').send({}).expect(400)).body.details[0].field).toBe('type');
      expect((await http.post('/jobs/retry').send({ status: 'queued' }).expect(400)).body.details[0].field).toBe('status');
      expect((await http.post('/jobs/retry').send({ type: 'demo.flaky' }).expect(200)).body).toEqual({ retried: 0 });
    });
  });

  describe('GET /jobs/:id', () => {
    it('answers a malformed id with 400', async () => {
      const response = await http.get('/jobs/not-a-uuid').expect(400);
      expectErrorBody(response.body);
      expect(response.body.details).toEqual([{ field: 'id', reason: 'must be a UUID' }]);
    });

    it('answers an unknown id with 404 {"error":"Job not found"}', async () => {
      const response = await http.get('/jobs/01900000-0000-7000-8000-000000000000').expect(404);
      expect(response.body).toEqual({ error: 'Job not found' });
    });
  });

  describe('GET /jobs', () => {
    it('pages newest first with a cursor and filters by type', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        ids.push(
          (
            await http
              .post('/jobs')
              .send({ type: 'demo.flaky', payload: { fail_times: i } })
              .expect(202)
          ).body.job_id,
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/jobs?type=demo.flaky&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page: request.Response = await http.get(query).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        expect(page.body.items.every((job: { type: string }) => job.type === 'demo.flaky')).toBe(true);
        seen.push(...page.body.items.map((job: { job_id: string }) => job.job_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by status', async () => {
      const response = await http.get('/jobs?status=queued&limit=100').expect(200);
      expect(response.body.items.length).toBeGreaterThan(0);
      expect(response.body.items.every((job: { status: string }) => job.status === 'queued')).toBe(true);
      const none = await http.get('/jobs?status=succeeded').expect(200);
      expect(none.body).toEqual({ items: [], next_cursor: null });
    });

    it('answers bad filters with 400 naming them', async () => {
      expect((await http.get('/jobs?status=bogus').expect(400)).body.details[0].field).toBe('status');
      expect((await http.get('/jobs?limit=0').expect(400)).body.details[0].field).toBe('limit');
      expect((await http.get('/jobs?limit=abc').expect(400)).body.details[0].field).toBe('limit');
      expect((await http.get('/jobs?cursor=zzz').expect(400)).body.details[0].field).toBe('cursor');
      expect((await http.get('/jobs?sort=asc').expect(400)).body.details[0].field).toBe('sort');
    });
  });

  describe('health', () => {
    it('is live and ready while connected, with each check named', async () => {
      expect((await http.get('/health/live').expect(200)).body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
      // The consumers attach in the background once the broker is there.
      await waitFor(async () => (await http.get('/health/ready')).status === 200, { what: 'the api to be ready' });
      const ready = await http.get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        error: {},
        info: {
          broker: { status: 'up' },
          consumers: { status: 'up', queues: { [`${namespace}.events`]: 'up', [`${namespace}.workers`]: 'up' } },
          store: { status: 'up' },
          outbox: { status: 'up', max: 10_000 },
        },
      });
    });
  });

  describe('seed example endpoints', () => {
    it('POST /users/welcome-email answers 202 with the welcome message and a job id', async () => {
      const response = await http.post('/users/welcome-email').send({ email: 'grace@example.com', name: 'Grace' }).expect(202);
      expect(response.body).toEqual({ message: 'Welcome email queued', job_id: expect.stringMatching(UUID) });
      expect(response.headers.location).toBe(`/jobs/${response.body.job_id}`);
      const job = await http.get(`/jobs/${response.body.job_id}`).expect(200);
      expect(job.body.type).toBe('email.welcome');
    });

    it('POST /users/welcome-email names bad fields', async () => {
      const response = await http.post('/users/welcome-email').send({ email: 'nope' }).expect(400);
      expect(response.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['email', 'name']));
    });

    it('POST /videos answers the one-line queued body', async () => {
      const response = await http.post('/videos').send({ url: 'https://example.com/v.mp4', duration_ms: 10 }).expect(202);
      expect(response.body).toEqual({ status: 'queued', job_id: expect.stringMatching(UUID) });
    });

    it('POST /videos refuses a non-http URL', async () => {
      const response = await http.post('/videos').send({ url: 'ftp://example.com/v.mp4' }).expect(400);
      expect(response.body.details[0].field).toBe('url');
    });
  });
});

describe('api with the broker unreachable', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const closedPort = await TcpProxy.reservePort();
    app = await createApiApp(
      { CASK_NAMESPACE: uniqueNamespace('down'), AMQP_URL: `amqp://guest:guest@127.0.0.1:${closedPort}`, OUTBOX_MAX_BACKLOG: '2' },
      { waitForBroker: false },
    );
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app?.close();
  });

  it('does not count delayed jobs waiting for their time towards the bound', async () => {
    for (let i = 0; i < 3; i += 1) {
      const response = await http
        .post('/jobs')
        .send({ ...welcome, delay_ms: 3_600_000 })
        .expect(202);
      expect(response.body.status).toBe('scheduled');
    }
    expect((await http.get('/health/ready').expect(503)).body.details.outbox).toEqual({ status: 'up', backlog: 0, max: 2 });
  });

  it('accepts jobs into the outbox, then answers 503 with Retry-After at the bound and stores nothing more', async () => {
    const first = await http.post('/jobs').send(welcome).expect(202);
    await http.post('/jobs').send(welcome).expect(202);
    expect((await http.get(`/jobs/${first.body.job_id}`).expect(200)).body.status).toBe('queued');

    const refused = await http.post('/jobs').send(welcome).expect(503);
    expectErrorBody(refused.body);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await http.get('/jobs?status=queued').expect(200)).body.items).toHaveLength(2);
  });

  it('still answers status lookups from the store', async () => {
    await http.get('/jobs/01900000-0000-7000-8000-000000000000').expect(404);
  });

  it('is live but not ready, naming the broker and the consumers, and the outbox at its bound', async () => {
    await http.get('/health/live').expect(200);
    const ready = await http.get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({
      status: 'error',
      error: { broker: { status: 'down' }, consumers: { status: 'down' }, outbox: { status: 'down', backlog: 2, max: 2 } },
      info: { store: { status: 'up' } },
    });
    expect(JSON.stringify(ready.body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
  });
});
