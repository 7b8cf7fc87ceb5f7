import { AppProcess, CaskSystem, waitFor } from '@cask/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const SCRIPT = join(__dirname, 'conformance', 'plain-worker.js');
const SIGNING = 'k1:a-conformance-secret-of-at-least-32-chars';

/**
 * The wire protocol (docs/reference/wire-protocol.md) held to the api: a worker written from that page alone, in
 * plain amqplib, runs real jobs dispatched over HTTP, reports progress, retries and failures, signs what it sends,
 * and is listed by the api as any worker is.
 */
describe('a worker written from the wire protocol alone', () => {
  const cask = new CaskSystem('conformance', { CASK_SIGNING_KEYS: SIGNING });
  let worker: AppProcess;

  beforeAll(async () => {
    await cask.startApi();
    worker = AppProcess.run(
      'plain-worker',
      { node: process.execPath, script: SCRIPT, cwd: ROOT },
      { ...cask.commonEnv, WORKER_ID: 'plain-1', HEARTBEAT_MS: '500' },
    );
    await worker.waitForLine(/plain worker plain-1 ready/);
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await cask.stop();
  });

  it('imports nothing of Cask’s: only amqplib and Node’s own modules', () => {
    const required = [...readFileSync(SCRIPT, 'utf8').matchAll(/require\('([^']+)'\)/g)].map((match) => match[1]);
    expect(required.sort()).toEqual(['amqplib', 'node:crypto', 'node:os']);
  });

  it('is listed by the api from its signed heartbeats, with its queues and formats', async () => {
    const listed = await waitFor(
      async () => {
        const { items } = (await (await fetch(`${cask.baseUrl}/workers`)).json()) as { items: Array<Record<string, unknown>> };
        return items.find((item) => item.id === 'plain-1');
      },
      { what: 'the plain worker to be listed' },
    );
    expect(listed).toMatchObject({ queues: ['default', 'video'], concurrency: 8 });
  });

  it('runs jobs dispatched over HTTP: results, progress, a retry through a delay queue, and a failure for good', async () => {
    const fixed = { type: 'fixed', base_ms: 50, cap_ms: 50, jitter: 0 };
    const email = await cask.dispatch('email.welcome', { email: 'ada@example.com', name: 'Ada' });
    const video = await cask.dispatch('video.process', { url: 'https://example.com/a.mp4', duration_ms: 400 });
    const flaky = await cask.dispatch('demo.flaky', { fail_times: 1 }, { backoff: fixed });
    const doomed = await cask.dispatch('demo.flaky', { fail_times: 5 }, { max_attempts: 2, backoff: fixed });

    const [a, b, c, d] = await cask.waitForTerminal([email, video, flaky, doomed]);
    expect(a).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      worker: 'plain-1',
      result: { delivered_to: 'ada@example.com', by: 'plain-worker' },
    });
    expect(b).toMatchObject({ status: 'succeeded', progress: 100, result: { url: 'https://example.com/a.mp4', frames: 10 } });
    expect(c).toMatchObject({ status: 'succeeded', attempts: 2, result: { attempts: 2 } });
    expect(c.history.map((h) => h.status)).toEqual(['running', 'retrying', 'running', 'succeeded']);
    expect(c.history[1].error).toMatchObject({ code: 'flaky' });
    expect(d).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'flaky', retryable: true } });
    const [letter] = await cask.deadLetters(1, `job_id=${doomed}`);
    expect(letter).toMatchObject({ reason: 'exhausted', source_queue: `${cask.namespace}.jobs.default`, job_status: 'failed' });
  });

  it('says goodbye on SIGTERM: the api forgets it at once', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
    await waitFor(
      async () => {
        const { items } = (await (await fetch(`${cask.baseUrl}/workers`)).json()) as { items: Array<{ id: string }> };
        return items.every((item) => item.id !== 'plain-1');
      },
      { what: 'the plain worker to leave the list', timeoutMs: 2_000 },
    );
  });
});
