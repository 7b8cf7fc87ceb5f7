import { AppProcess, TEST_AMQP_URL, deleteNamespace, uniqueNamespace, waitFor } from '@cask/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm start` as a developer runs it: a worker killed with SIGKILL is restarted while the api keeps answering
 * (issue 13, item 8), and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops both apps
 * cleanly, each reported as `exited with code 0` (item 7).
 */
describe('fault: npm start with a worker killed, then Ctrl-C', () => {
  const namespace = uniqueNamespace('npmstart');
  let start: AppProcess;

  beforeAll(async () => {
    start = AppProcess.run(
      'npm start',
      { node: 'npm', script: 'start', cwd: ROOT, group: true },
      {
        HOME: process.env.HOME ?? '/root',
        AMQP_URL: TEST_AMQP_URL,
        CASK_NAMESPACE: namespace,
        SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'cask-npm-start-')), 'cask.db'),
        PORT: '0',
        WORKER_HEALTH_PORT: '0',
        RATE_LIMIT_PER_SECOND: '0',
      },
    );
    await start.waitForLine(/\[api\].*Ready to dispatch jobs/, 120_000);
    await start.waitForLine(/\[worker\].*consuming/, 60_000);
  });

  afterAll(async () => {
    await start.stop('SIGKILL');
    await deleteNamespace(namespace);
  });

  it('restarts a killed worker while the api keeps answering, and stops both with exit code 0 on Ctrl-C', async () => {
    const line = await start.waitForLine(/\[api\].*listening on port \d+/);
    const base = `http://127.0.0.1:${/listening on port (\d+)/.exec(line)?.[1]}`;
    const workerPid = Number(/\[worker\].*Cask worker \S+-(\d+):/.exec(await start.waitForLine(/\[worker\].*Cask worker/))?.[1]);
    expect(workerPid).toBeGreaterThan(0);

    process.kill(workerPid, 'SIGKILL');
    await start.waitForLine(/\[worker\].*exited with code SIGKILL/);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    // The restarted worker runs the next job.
    await waitFor(() => start.output.filter((text) => /\[worker\].*consuming/.test(text)).length === 2, {
      timeoutMs: 30_000,
      what: 'the worker to be restarted',
    });
    const accepted = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'demo.flaky', payload: { fail_times: 0 } }),
    });
    const { job_id: jobId } = (await accepted.json()) as { job_id: string };
    await waitFor(async () => ((await (await fetch(`${base}/jobs/${jobId}`)).json()) as { status: string }).status === 'succeeded', {
      timeoutMs: 30_000,
      what: 'a job to succeed on the restarted worker',
    });

    await start.stop('SIGINT');
    // npm may end before the runner has printed how its apps ended: their lines follow on the same pipe.
    const exitLines = () => start.output.filter((text) => /exited with code/.test(text));
    await waitFor(() => exitLines().length >= 3, { timeoutMs: 30_000, what: 'both apps to be reported stopped' });
    const exits = exitLines();
    expect(exits.map((text) => /\[(api|worker)\].*exited with code (\S+)/.exec(text)?.slice(1))).toEqual(
      expect.arrayContaining([
        ['worker', 'SIGKILL'],
        ['api', '0'],
        ['worker', '0'],
      ]),
    );
    expect(exits).toHaveLength(3);
  });
});
