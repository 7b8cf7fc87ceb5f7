import { CaskSystem, TEST_AMQP_URL, waitFor } from '@cask/testing';
import { randomUUID } from 'node:crypto';

type LogLine = Record<string, unknown>;

const SIGNING_SECRET = `signing-secret-${randomUUID()}`;

/**
 * A request id ties an HTTP request to the job it dispatched and to the worker's lines about that job,
 * through real processes logging JSON; payloads and secrets stay out of every line.
 */
describe('request ids across the api and the worker', () => {
  const cask = new CaskSystem('request-id', { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', CASK_SIGNING_KEYS: `k1:${SIGNING_SECRET}` });

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  /** POST /jobs with an X-Request-Id; returns the job id and the id the api answered with. */
  async function dispatch(requestId: string, body: object): Promise<{ jobId: string; echoed: string | null }> {
    const response = await fetch(`${cask.baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { job_id: string };
    expect(response.status).toBe(202);
    cask.dispatched.add(json.job_id);
    return { jobId: json.job_id, echoed: response.headers.get('x-request-id') };
  }

  /** Waits for a JSON log line of `process` that has every given field. */
  function lineOf(process: 'api' | 'worker', fields: LogLine): Promise<LogLine> {
    return waitFor(
      () =>
        cask[process]
          ?.jsonLines()
          .find((line) => Object.entries(fields).every(([key, value]) => JSON.stringify(line[key]) === JSON.stringify(value))),
      { what: `a ${process} log line with ${JSON.stringify(fields)}` },
    );
  }

  it("a log line of the worker carries the request id of the HTTP request that dispatched its job, and the api's request line too", async () => {
    const requestId = `checkout-${randomUUID()}`;
    const marker = `payload-marker-${randomUUID()}`;
    const { jobId, echoed } = await dispatch(requestId, { type: 'email.welcome', payload: { email: 'ada@example.com', name: marker } });
    expect(echoed).toBe(requestId);
    const [job] = await cask.waitForTerminal([jobId]);
    expect(job.status).toBe('succeeded');

    const workerLine = await lineOf('worker', { request_id: requestId, job_id: jobId });
    expect(workerLine).toMatchObject({ job_type: 'email.welcome', attempt: 1, name: 'cask-worker' });
    const requestLine = await lineOf('api', { request_id: requestId, res: { statusCode: 202 } });
    expect(requestLine).toMatchObject({
      req: { id: requestId, method: 'POST', url: '/jobs' },
      name: 'cask-api',
      msg: expect.stringMatching(/^POST \/jobs 202 in \d+ ms$/),
    });
    // A line Nest's Logger wrote while the request (which had a body) was handled carries its id too.
    expect(await lineOf('api', { job_id: jobId, msg: `Job email.welcome ${jobId} dispatched` })).toMatchObject({ request_id: requestId });

    const everything = [...(cask.api?.output ?? []), ...(cask.worker?.output ?? [])].join('\n');
    expect(everything).not.toContain(marker);
    expect(everything).not.toContain(SIGNING_SECRET);
    const amqp = new URL(TEST_AMQP_URL);
    expect(everything).not.toContain(`${amqp.username}:${amqp.password}@`);
  });

  it("keeps the request id on the lines of the job's later attempts, which the worker published itself", async () => {
    const requestId = `retry-${randomUUID()}`;
    const { jobId } = await dispatch(requestId, {
      type: 'demo.flaky',
      payload: { fail_times: 1 },
      backoff: { type: 'fixed', base_ms: 10, cap_ms: 10, jitter: 0 },
    });
    const [job] = await cask.waitForTerminal([jobId]);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });

    expect(await lineOf('worker', { job_id: jobId, attempt: 1, level: 'warn' })).toMatchObject({
      request_id: requestId,
      job_type: 'demo.flaky',
    });
    expect(await lineOf('worker', { job_id: jobId, attempt: 2 })).toMatchObject({ request_id: requestId, job_type: 'demo.flaky' });
  });

  it('names the job by id and type on every line that names a job at all', () => {
    const lines = [...(cask.api?.jsonLines() ?? []), ...(cask.worker?.jsonLines() ?? [])];
    const aboutJobs = lines.filter((line) => 'job_id' in line);

    expect(aboutJobs.length).toBeGreaterThan(0);
    for (const line of aboutJobs) expect(line).toMatchObject({ job_id: expect.any(String), job_type: expect.any(String) });
  });
});
