/**
 * `npm run screenshot`: starts the built api and two workers against the test broker (TEST_AMQP_URL), puts
 * them under a mixed load (emails, videos with progress, flaky jobs that retry and sometimes fail, bounced
 * emails that fail for good, a schedule), and saves the dashboard as docs/dashboard.png while the load runs.
 * `--seconds N` sets how long the load runs before the picture (default 150: the chart shows those minutes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { deleteNamespace, uniqueNamespace } from '../test/support/broker';
import { AppProcess, startApi, startWorker } from '../test/support/processes';
import { TEST_AMQP_URL } from '../test/support/services';

const OUTPUT = resolve(__dirname, '..', 'docs', 'dashboard.png');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 150;

const key = `ck_${randomBytes(24).toString('base64url')}`;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** One second's jobs; the rate swells and ebbs, so the chart has a shape. */
function batch(second: number): object[] {
  const rate = Math.round(18 + 14 * Math.sin(second / 25));
  const jobs: object[] = [];
  for (let i = 0; i < rate; i += 1) jobs.push({ type: 'email.welcome', payload: { email: `user${second}.${i}@example.com`, name: 'Ada' } });
  if (second % 2 === 0)
    jobs.push({
      type: 'video.process',
      payload: { url: `https://example.com/videos/${second}.mp4`, duration_ms: pick([1500, 3000, 6000, 9000]) },
    });
  for (let i = 0; i < 3; i += 1)
    jobs.push({
      type: 'demo.flaky',
      payload: { fail_times: pick([0, 0, 1, 2, 4]) },
      max_attempts: 3,
      backoff: { type: 'fixed', base_ms: 2000, cap_ms: 2000 },
    });
  if (second % 5 === 0) jobs.push({ type: 'email.welcome', payload: { email: `gone${second}@bounce.test`, name: 'Gone' } });
  return jobs;
}

async function main(): Promise<void> {
  const namespace = uniqueNamespace('screenshot');
  const env = { AMQP_URL: TEST_AMQP_URL, CASK_NAMESPACE: namespace, CASK_API_KEYS: `acme:admin:${key}` };
  const processes: AppProcess[] = [];
  let load: NodeJS.Timeout | undefined;
  try {
    const api = await startApi({
      ...env,
      SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'cask-screenshot-')), 'cask.db'),
      WORKERS_TIMEOUT_MS: '5000',
    });
    processes.push(api.process);
    for (const name of ['worker-a', 'worker-b'])
      processes.push(await startWorker({ ...env, WORKER_ID: name, WORKER_CONCURRENCY: '8', WORKER_HEARTBEAT_MS: '1000' }));
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`${api.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status >= 300) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    };
    await call('/schedules', {
      name: 'reports.digest',
      cron: '*/30 * * * * *',
      type: 'email.welcome',
      payload: { email: 'digest@example.com', name: 'Digest' },
    });
    await call('/schedules', {
      name: 'videos.nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      type: 'video.process',
      payload: { url: 'https://example.com/nightly.mp4' },
    });

    console.log(`Load for ${seconds} s against ${api.baseUrl} ...`);
    let second = 0;
    load = setInterval(() => void call('/jobs/batch', { jobs: batch(second++) }).catch((err: Error) => console.error(err.message)), 1000);
    await new Promise((done) => setTimeout(done, seconds * 1000));

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
      await page.goto(`${api.baseUrl}/dashboard`);
      await page.locator('#key').fill(key);
      await page.getByRole('button', { name: 'Open dashboard' }).click();
      await page.locator('#live[data-mode="live"]').waitFor({ timeout: 20_000 });
      await page.locator('#workers tbody tr[data-worker]').nth(1).waitFor({ timeout: 20_000 });
      await page.locator('#jobs-table tbody tr[data-status="running"]').first().waitFor({ timeout: 20_000 });
      await page.locator('#chart svg rect.ok').first().waitFor();
      await page.locator('#system-tiles [data-tile="p95"]').waitFor();
      await page.locator('#schedules tbody tr[data-schedule]').first().waitFor();
      await page.screenshot({ path: OUTPUT, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(`Saved ${OUTPUT}`);
  } finally {
    clearInterval(load);
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    await deleteNamespace(namespace);
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
