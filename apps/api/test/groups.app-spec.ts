import { deleteNamespace, uniqueNamespace, waitFor } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApiApp } from './api-app';

const delivery = (endpoint: string) => ({ type: 'webhook.deliver', payload: { endpoint, duration_ms: 10 } });

/** Groups over HTTP, on an api without workers: what a group lets go stays unstarted. */
describe('groups over HTTP', () => {
  const namespace = uniqueNamespace('groups');
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

  async function group(queue: string, key: string): Promise<Record<string, unknown> | undefined> {
    const items = (await http.get(`/groups?queue=${queue}`).expect(200)).body.items as Array<Record<string, unknown>>;
    return items.find((item) => item.key === key);
  }

  it('groups jobs by the definition’s payload field and lets go only its concurrency of them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await http.post('/jobs').send(delivery('customer-1')).expect(202)).body.job_id);

    await waitFor(async () => (await group('webhooks', 'customer-1'))?.active === 2, { what: 'two of customer-1 let go' });
    expect(await group('webhooks', 'customer-1')).toEqual({
      queue: 'webhooks',
      key: 'customer-1',
      waiting: 1,
      active: 2,
      recent: 0,
      concurrency: 2,
      rate: null,
      fifo: false,
      last_released_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const job = (await http.get(`/jobs/${ids[2]}`).expect(200)).body;
    expect(job).toMatchObject({ status: 'queued', group: 'customer-1' });
    const listed = (await http.get('/jobs?group=customer-1').expect(200)).body.items.map((item: { job_id: string }) => item.job_id);
    expect(listed.sort()).toEqual([...ids].sort());
  });

  it('takes a group the request names, for any job type, and lists groups in pages', async () => {
    const email = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };
    const a = (
      await http
        .post('/jobs')
        .send({ ...email, group: 'tenant-a' })
        .expect(202)
    ).body.job_id;
    await http
      .post('/jobs/batch')
      .send({ jobs: [{ ...email, group: 'tenant-b' }, email] })
      .expect(202);

    expect((await http.get(`/jobs/${a}`).expect(200)).body.group).toBe('tenant-a');
    await waitFor(async () => (await group('default', 'tenant-b'))?.active === 1, { what: 'tenant-b let go' });
    const first = (await http.get('/groups?queue=default&limit=1').expect(200)).body;
    expect(first.items.map((item: { key: string }) => item.key)).toEqual(['tenant-a']);
    const next = (await http.get(`/groups?queue=default&limit=1&cursor=${first.next_cursor}`).expect(200)).body;
    expect(next).toEqual({ items: [expect.objectContaining({ key: 'tenant-b', concurrency: null, active: 1 })], next_cursor: null });
  });

  it.each([
    ['an empty group', { group: '' }, 'group', 'group must be longer than or equal to 1 characters'],
    ['a group of 201 characters', { group: 'g'.repeat(201) }, 'group', 'group must be shorter than or equal to 200 characters'],
    ['a group that is not a string', { group: 42 }, 'group', 'group must be a string'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_, extra, field, reason) => {
    const before = (await http.get('/jobs?limit=100').expect(200)).body.items.length;

    const answer = await http
      .post('/jobs')
      .send({ ...delivery('customer-x'), ...extra })
      .expect(400);

    expect(answer.body.details).toContainEqual({ field, reason });
    expect(answer.body.details.every((detail: { field: string }) => detail.field === field)).toBe(true);
    expect((await http.get('/jobs?limit=100').expect(200)).body.items).toHaveLength(before);
  });

  it('refuses a batch item with a bad group, naming the item, and a bad groups query', async () => {
    const answer = await http
      .post('/jobs/batch')
      .send({ jobs: [delivery('ok'), { ...delivery('ok'), group: '' }] })
      .expect(400);
    expect(answer.body.details).toEqual([{ field: 'jobs[1].group', reason: 'group must be longer than or equal to 1 characters' }]);

    expect((await http.get('/groups?limit=0').expect(400)).body.details).toEqual([
      { field: 'limit', reason: 'limit must not be less than 1' },
    ]);
    expect((await http.get('/groups?cursor=nope').expect(400)).body.details).toEqual([
      { field: 'cursor', reason: 'is not a cursor this api returned' },
    ]);
  });
});
