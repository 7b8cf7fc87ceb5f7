import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { v7 as uuidv7 } from 'uuid';
import { createApiApp } from './api-app';

const ACME_WRITE = 'cask_test_key_acme_write_0123456789';
const ACME_READ = 'cask_test_key_acme_read_0123456789a';
const GLOBEX_WRITE = 'cask_test_key_globex_write_01234567';
const OPS_ADMIN = 'cask_test_key_ops_admin_0123456789ab';
/** Globex's key is configured by its digest only, as an operator keeping plain keys out of the environment would. */
const API_KEYS = `acme:write:${ACME_WRITE},acme:read:${ACME_READ},globex:write:sha256:${sha256(GLOBEX_WRITE)},ops:admin:${OPS_ADMIN}`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const WELCOME = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };

type Method = 'get' | 'post' | 'put' | 'delete';
interface Route {
  method: Method;
  path: (jobId: string) => string;
  body?: object;
  /** Changes something: needs a write key. */
  writes: boolean;
  /** Names a job: another tenant's id answers exactly as an unknown one. */
  byId?: boolean;
}

/** Every job endpoint of the api. */
const ROUTES: Route[] = [
  { method: 'post', path: () => '/jobs', body: WELCOME, writes: true },
  { method: 'post', path: () => '/jobs/batch', body: { jobs: [WELCOME] }, writes: true },
  { method: 'post', path: () => '/jobs/retry', body: { status: 'failed' }, writes: true },
  { method: 'get', path: () => '/jobs', writes: false },
  { method: 'get', path: (id) => `/jobs/${id}`, writes: false, byId: true },
  { method: 'get', path: (id) => `/jobs/${id}/events`, writes: false, byId: true },
  { method: 'post', path: (id) => `/jobs/${id}/cancel`, writes: true, byId: true },
  { method: 'post', path: (id) => `/jobs/${id}/retry`, writes: true, byId: true },
  { method: 'get', path: () => '/events', writes: false },
  { method: 'get', path: () => '/stats', writes: false },
  { method: 'get', path: () => '/stats/activity', writes: false },
  { method: 'get', path: () => '/system', writes: false },
  { method: 'get', path: () => '/auth/whoami', writes: false },
  { method: 'get', path: () => '/workers', writes: false },
  { method: 'get', path: () => '/schedules', writes: false },
  { method: 'post', path: () => '/schedules', body: { name: 'nightly', cron: '0 3 * * *', ...WELCOME }, writes: true },
  { method: 'post', path: () => '/users/welcome-email', body: WELCOME.payload, writes: true },
  { method: 'get', path: () => '/queues', writes: false },
  { method: 'post', path: () => '/queues/video/pause', writes: true },
  { method: 'post', path: () => '/queues/video/resume', writes: true },
];

/** API keys: 401 without one, 403 for a read-only key that writes, 404 for another tenant's job. */
describe('API keys and tenants', () => {
  const namespace = uniqueNamespace('tenants');
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let acmeJob: string;

  const as = (key: string | undefined, route: Route, jobId: string) => {
    const call = http[route.method](route.path(jobId));
    if (key) call.set('Authorization', `Bearer ${key}`);
    return route.body ? call.send(route.body) : call;
  };

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace, CASK_API_KEYS: API_KEYS });
    http = request(app.getHttpServer());
    const created = await http.post('/jobs').set('Authorization', `Bearer ${ACME_WRITE}`).send(WELCOME).expect(202);
    acmeJob = created.body.job_id;
  });

  afterAll(async () => {
    await app.close();
    await deleteNamespace(namespace);
  });

  it.each(ROUTES.map((route) => [`${route.method.toUpperCase()} ${route.path(':id')}`, route] as const))(
    '%s answers 401 without a key or with a wrong one',
    async (_name, route) => {
      for (const key of [undefined, 'cask_test_key_nobody_has_this_one_0000']) {
        const response = await as(key, route, acmeJob);
        expect(response.status).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer realm="cask"');
        expect(response.body).toEqual({ error: key ? 'Invalid API key' : 'Missing API key: send Authorization: Bearer <key>' });
      }
    },
  );

  it('refuses a key sent any other way than as a bearer token', async () => {
    for (const header of [ACME_WRITE, `Basic ${ACME_WRITE}`, `Bearer  ${ACME_WRITE}`, `Bearer ${ACME_WRITE} extra`]) {
      await http.get('/jobs').set('Authorization', header).expect(401);
    }
  });

  it.each(ROUTES.filter((route) => route.writes).map((route) => [`${route.method.toUpperCase()} ${route.path(':id')}`, route] as const))(
    '%s answers 403 to a read-only key and changes nothing',
    async (_name, route) => {
      const before = (await http.get('/stats').set('Authorization', `Bearer ${ACME_READ}`).expect(200)).body;
      const response = await as(ACME_READ, route, acmeJob);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: 'This API key is read-only: it cannot dispatch, cancel, retry or change schedules' });
      expect((await http.get('/stats').set('Authorization', `Bearer ${ACME_READ}`).expect(200)).body).toEqual(before);
    },
  );

  it('lets only an admin key see, pause and resume the queues every tenant shares', async () => {
    const refused = { error: 'Queues are shared by every tenant: only an admin API key may see, pause or resume them' };
    for (const key of [ACME_WRITE, GLOBEX_WRITE]) {
      expect((await http.get('/queues').set('Authorization', `Bearer ${key}`).expect(403)).body).toEqual(refused);
      expect((await http.post('/queues/video/pause').set('Authorization', `Bearer ${key}`).expect(403)).body).toEqual(refused);
    }
    const listed = await http.get('/queues').set('Authorization', `Bearer ${OPS_ADMIN}`).expect(200);
    expect(listed.body.items.map((item: { queue: string; paused: boolean }) => [item.queue, item.paused])).toEqual([
      ['default', false],
      ['video', false],
      ['webhooks', false],
    ]);
    await http.post('/queues/video/pause').set('Authorization', `Bearer ${OPS_ADMIN}`).expect(200);
    const paused = await http.get('/queues').set('Authorization', `Bearer ${OPS_ADMIN}`).expect(200);
    expect(paused.body.items.find((item: { queue: string }) => item.queue === 'video')).toMatchObject({ paused: true });
    await http.post('/queues/video/resume').set('Authorization', `Bearer ${OPS_ADMIN}`).expect(200);
    // An admin key is a write key too.
    await http.post('/jobs').set('Authorization', `Bearer ${OPS_ADMIN}`).send(WELCOME).expect(202);
  });

  it('lets a read-only key read its tenant’s jobs', async () => {
    const job = await http.get(`/jobs/${acmeJob}`).set('Authorization', `Bearer ${ACME_READ}`).expect(200);
    expect(job.body).toMatchObject({ job_id: acmeJob, type: 'email.welcome' });
    const list = await http.get('/jobs').set('Authorization', `Bearer ${ACME_READ}`).expect(200);
    expect(list.body.items.map((item: { job_id: string }) => item.job_id)).toContain(acmeJob);
  });

  it.each(ROUTES.filter((route) => route.byId).map((route) => [`${route.method.toUpperCase()} ${route.path(':id')}`, route] as const))(
    "%s answers another tenant's job id exactly as an unknown id",
    async (_name, route) => {
      const unknown = await as(GLOBEX_WRITE, route, uuidv7());
      const foreign = await as(GLOBEX_WRITE, route, acmeJob);
      expect(unknown.status).toBe(404);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(unknown.body);
      expect(foreign.body).toEqual({ error: 'Job not found' });
      expect(foreign.headers['content-type']).toBe(unknown.headers['content-type']);
    },
  );

  it("leaves another tenant's job as it was after its cancel and retry were refused", async () => {
    await as(GLOBEX_WRITE, { method: 'post', path: (id) => `/jobs/${id}/cancel`, writes: true }, acmeJob).expect(404);
    const job = await http.get(`/jobs/${acmeJob}`).set('Authorization', `Bearer ${ACME_WRITE}`).expect(200);
    expect(job.body.status).toBe('queued');
  });

  it("lists and counts only the caller's jobs", async () => {
    const globexJob = (await http.post('/jobs').set('Authorization', `Bearer ${GLOBEX_WRITE}`).send(WELCOME).expect(202)).body.job_id;

    const globexList = await http.get('/jobs?limit=100').set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(200);
    const ids = globexList.body.items.map((item: { job_id: string }) => item.job_id);
    expect(ids).toContain(globexJob);
    expect(ids).not.toContain(acmeJob);

    const acmeList = await http.get('/jobs?limit=100').set('Authorization', `Bearer ${ACME_READ}`).expect(200);
    expect(acmeList.body.items.map((item: { job_id: string }) => item.job_id)).not.toContain(globexJob);

    const globexStats = await http.get('/stats').set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(200);
    expect(globexStats.body.total).toBe(ids.length);
    expect(globexStats.body.by_type['email.welcome'].queued).toBe(ids.length);
  });

  it('takes the tenant from the key, never from the body', async () => {
    const response = await http
      .post('/jobs')
      .set('Authorization', `Bearer ${GLOBEX_WRITE}`)
      .send({ ...WELCOME, tenant: 'acme' })
      .expect(400);
    expect(response.body.details).toEqual([{ field: 'tenant', reason: 'property tenant should not exist' }]);
  });

  it('scopes Idempotency-Keys to the tenant: the same key from two tenants makes two jobs', async () => {
    const key = `same-key-${uuidv7()}`;
    const first = await http
      .post('/jobs')
      .set('Authorization', `Bearer ${ACME_WRITE}`)
      .set('Idempotency-Key', key)
      .send(WELCOME)
      .expect(202);
    const second = await http
      .post('/jobs')
      .set('Authorization', `Bearer ${GLOBEX_WRITE}`)
      .set('Idempotency-Key', key)
      .send(WELCOME)
      .expect(202);
    expect(second.body.job_id).not.toBe(first.body.job_id);
    await http.get(`/jobs/${second.body.job_id}`).set('Authorization', `Bearer ${ACME_WRITE}`).expect(404);
  });

  it("keeps schedules apart: another tenant's schedule answers 404 and its name cannot be taken over", async () => {
    const name = `acme-nightly-${Date.now()}`;
    await http
      .post('/schedules')
      .set('Authorization', `Bearer ${ACME_WRITE}`)
      .send({ name, cron: '0 3 * * *', ...WELCOME })
      .expect(201);
    await http.get(`/schedules/${name}`).set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(404);
    await http.post(`/schedules/${name}/pause`).set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(404);
    await http.delete(`/schedules/${name}`).set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(404);
    await http
      .post('/schedules')
      .set('Authorization', `Bearer ${GLOBEX_WRITE}`)
      .send({ name, cron: '* * * * *', ...WELCOME })
      .expect(409);
    const globexSchedules = await http.get('/schedules').set('Authorization', `Bearer ${GLOBEX_WRITE}`).expect(200);
    expect(globexSchedules.body.items.map((item: { name: string }) => item.name)).not.toContain(name);
    const acme = await http.get(`/schedules/${name}`).set('Authorization', `Bearer ${ACME_READ}`).expect(200);
    expect(acme.body).toMatchObject({ name, cron: '0 3 * * *', paused: false });
  });

  it('answers health probes without a key', async () => {
    await http.get('/health/live').expect(200);
  });
});
