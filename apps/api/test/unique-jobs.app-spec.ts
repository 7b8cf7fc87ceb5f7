import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApiApp } from './api-app';

const video = (url: string) => ({ type: 'video.process', payload: { url, duration_ms: 1000 } });

describe('unique jobs over HTTP', () => {
  const namespace = uniqueNamespace('unique');
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

  async function jobsOfType(type: string): Promise<Array<Record<string, unknown>>> {
    return (await http.get(`/jobs?type=${type}&limit=100`).expect(200)).body.items;
  }

  /** The video jobs stored for `url` (a list item has no payload: each is read). */
  async function videoJobsFor(url: string): Promise<string[]> {
    const jobs = await Promise.all(
      (await jobsOfType('video.process')).map(async (item) => (await http.get(`/jobs/${item.job_id}`).expect(200)).body),
    );
    return jobs.filter((job) => job.payload.url === url).map((job) => job.job_id);
  }

  it('drop: a second dispatch with the key answers the waiting job, says so, and stores nothing', async () => {
    const unique = { by: ['url'] };
    const first = await http
      .post('/jobs')
      .send({ ...video('https://example.com/drop.mp4'), unique })
      .expect(202);
    const second = await http
      .post('/jobs')
      .send({ ...video('https://example.com/drop.mp4'), unique })
      .expect(202);
    const other = await http
      .post('/jobs')
      .send({ ...video('https://example.com/other.mp4'), unique })
      .expect(202);

    expect(first.body).toEqual({ status: 'queued', job_id: expect.any(String), unique: 'created' });
    expect(second.body).toEqual({ status: 'queued', job_id: first.body.job_id, unique: 'existing' });
    expect(second.headers.location).toBe(`/jobs/${first.body.job_id}`);
    expect(other.body).toMatchObject({ unique: 'created' });
    expect(other.body.job_id).not.toBe(first.body.job_id);
    expect(await videoJobsFor('https://example.com/drop.mp4')).toEqual([first.body.job_id]);
  });

  /** `cask_jobs_deduplicated_total` for video jobs answered by their key's holder, from the api's /metrics. */
  async function deduplicated(): Promise<number> {
    const text = (await http.get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith('cask_jobs_deduplicated_total{type="video.process",outcome="existing"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('makes one job of 50 dispatches with one key sent at once, and counts the 49 others', async () => {
    const before = await deduplicated();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        http
          .post('/jobs')
          .send({ ...video('https://example.com/race.mp4'), unique: { key: 'race-50' } })
          .expect(202),
      ),
    );

    const ids = new Set(responses.map((response) => response.body.job_id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.body.unique === 'created')).toHaveLength(1);
    expect(await videoJobsFor('https://example.com/race.mp4')).toEqual([...ids]);
    expect((await deduplicated()) - before).toBe(49);
  });

  it('debounce: the job waits its window, each dispatch within it taking its place with the newer payload', async () => {
    const unique = { key: 'debounce-1', mode: 'debounce', for_ms: 60_000 };
    const first = await http
      .post('/jobs')
      .send({ ...video('https://example.com/v1.mp4'), unique })
      .expect(202);
    const before = await http.get(`/jobs/${first.body.job_id}`).expect(200);
    const second = await http
      .post('/jobs')
      .send({ ...video('https://example.com/v2.mp4'), unique, priority: 6 })
      .expect(202);

    expect(first.body).toEqual({ status: 'scheduled', job_id: expect.any(String), unique: 'created' });
    expect(second.body).toEqual({ status: 'scheduled', job_id: first.body.job_id, unique: 'debounced' });
    const after = await http.get(`/jobs/${first.body.job_id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'scheduled', payload: { url: 'https://example.com/v2.mp4' }, priority: 6 });
    expect(Date.parse(after.body.run_at)).toBeGreaterThanOrEqual(Date.parse(before.body.run_at));
  });

  it('throttle: within the window every dispatch answers the first job', async () => {
    const unique = { key: 'throttle-1', mode: 'throttle', for_ms: 60_000 };
    const first = await http
      .post('/jobs')
      .send({ type: 'demo.flaky', payload: { fail_times: 0 }, unique })
      .expect(202);
    await http.post(`/jobs/${first.body.job_id}/cancel`).expect(200);
    const second = await http
      .post('/jobs')
      .send({ type: 'demo.flaky', payload: { fail_times: 1 }, unique })
      .expect(202);

    expect(second.body).toEqual({ status: 'cancelled', job_id: first.body.job_id, unique: 'existing' });
  });

  it('a batch: items with one key become one job, the ids in order say which', async () => {
    const unique = { key: 'batch-1' };
    const response = await http
      .post('/jobs/batch')
      .send({
        jobs: [
          { type: 'demo.flaky', payload: { fail_times: 0 }, unique },
          { type: 'demo.flaky', payload: { fail_times: 0 } },
          { type: 'demo.flaky', payload: { fail_times: 0 }, unique },
        ],
      })
      .expect(202);

    const [a, b, c] = response.body.job_ids;
    expect(c).toBe(a);
    expect(b).not.toBe(a);
    const again = await http
      .post('/jobs')
      .send({ type: 'demo.flaky', payload: { fail_times: 0 }, unique })
      .expect(202);
    expect(again.body).toMatchObject({ job_id: a, unique: 'existing' });
  });

  it.each([
    [{ mode: 'once' }, 'unique.mode', 'mode must be one of the following values: drop, throttle, debounce'],
    [{ mode: 'throttle' }, 'unique.for_ms', 'must be given for mode throttle'],
    [{ mode: 'debounce', for_ms: 0 }, 'unique.for_ms', 'for_ms must not be less than 1'],
    [{ by: [] }, 'unique.by', 'by must contain at least 1 elements'],
    [{ by: [3] }, 'unique.by', 'each value in by must be a string'],
    [{ key: '' }, 'unique.key', 'key must be longer than or equal to 1 characters'],
    [{ color: 'red' }, 'unique.color', 'property color should not exist'],
  ])('refuses unique %j with 400 naming %s, storing nothing', async (unique, field, reason) => {
    const before = (await jobsOfType('demo.flaky')).length;
    const response = await http
      .post('/jobs')
      .send({ type: 'demo.flaky', payload: { fail_times: 0 }, unique })
      .expect(400);

    expect(response.body.details).toContainEqual({ field, reason });
    expect((await jobsOfType('demo.flaky')).length).toBe(before);
  });
});
