import { CaskSystem, expectInvariants, listAllJobs } from '@cask/testing';

/** Scenario 10: ten concurrent requests with one Idempotency-Key create one job. */
describe('fault: concurrent requests with one Idempotency-Key', () => {
  const cask = new CaskSystem('idem');

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  async function postWithKey(key: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${cask.baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('creates exactly one job and answers every request with its id', async () => {
    const body = { type: 'email.welcome', payload: { email: 'once@example.com', name: 'Once' } };
    const responses = await Promise.all(Array.from({ length: 10 }, () => postWithKey('checkout-7f3a', body)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    const ids = new Set(responses.map((r) => r.body.job_id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as string[];
    cask.dispatched.add(id);
    expect((await listAllJobs(cask)).map((job) => job.job_id)).toEqual([id]);
    const [job] = await expectInvariants(cask, [id]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });

    const conflict = await postWithKey('checkout-7f3a', { ...body, payload: { email: 'twice@example.com', name: 'Twice' } });
    expect(conflict.status).toBe(409);
  });
});
