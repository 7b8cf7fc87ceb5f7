import { CaskSystem, waitFor } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { API_KEYS, DashboardPage, KEYS, KeyedApi, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** The dashboard follows jobs live: they appear, change status and rerun without the page reloading. */
describe('dashboard: live jobs', () => {
  const cask = new CaskSystem('browser-live', { CASK_API_KEYS: API_KEYS, WORKER_HEARTBEAT_MS: '500' });
  const acme = new KeyedApi(cask, KEYS.acmeWrite);
  let browser: Browser;
  let dashboard: DashboardPage;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
  });

  afterEach(async () => {
    const problems = dashboard?.problems ?? [];
    await dashboard?.close();
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await cask.stop();
  });

  it('asks for a key, then loads with no console error: tiles, chart, table, workers and a live stream', async () => {
    const done = await acme.dispatch('email.welcome', { email: 'ada@example.com', name: 'Ada' });
    await acme.waitForStatus([done], ['succeeded']);
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;

    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.locator('#app').isHidden()).toBe(true);
    await dashboard.signIn(KEYS.acmeWrite);

    await page.locator('#live[data-mode="live"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#tenant').textContent()).toBe('acme');
    await dashboard.waitForRow(done, 'succeeded');
    await page.locator('#status-tiles a[data-status="succeeded"] .value').filter({ hasText: /^1$/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#system-tiles [data-tile="workers"] .value').filter({ hasText: /^1$/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#queues tr[data-queue="default"]').waitFor();
    await page.locator('#workers tbody tr[data-worker]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#chart svg[role="img"]').getAttribute('aria-label')).toMatch(/1 succeeded, 0 failed/);
    // The key stays in this tab only.
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('cask.dashboard.apiKey'))).toBe(KEYS.acmeWrite);
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
  });

  it('shows a job dispatched over the API and moves it to succeeded, through running with progress, without reloading', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await page.locator('#live[data-mode="live"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.evaluate(() => ((globalThis as any).loadedOnce = true));
    const id = await acme.dispatch('video.process', { url: 'https://example.com/cat.mp4', duration_ms: 2_000 });
    await dashboard.recordStatuses(id);

    await dashboard.row(id).locator('progress').waitFor({ timeout: UI_TIMEOUT_MS });
    await dashboard.waitForRow(id, 'succeeded');

    expect(await dashboard.statusesSeen(id)).toEqual(expect.arrayContaining(['running', 'succeeded']));
    expect((await dashboard.statusesSeen(id)).at(-1)).toBe('succeeded');
    expect(await dashboard.row(id).locator('td.worker').textContent()).not.toBe('—');
    expect(await dashboard.row(id).locator('td.duration').textContent()).toMatch(/^\d\.\d\d s$/);
    expect(await page.evaluate(() => (globalThis as any).loadedOnce)).toBe(true);
  });

  it('falls back to polling when the event stream fails, and still follows a job to succeeded', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    // Every attempt at the stream ends at once, as behind a proxy that cuts it: the page must poll.
    await page.route('**/events', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body: '' }));
    await dashboard.signIn(KEYS.acmeWrite);
    await page.locator('#live[data-mode="polling"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#live').textContent()).toMatch(/^Polling/);

    const id = await acme.dispatch('video.process', { url: 'https://example.com/dog.mp4', duration_ms: 1_000 });

    await dashboard.waitForRow(id, 'succeeded');
    expect(await page.locator('#live').getAttribute('data-mode')).not.toBe('live');
  });

  it("reruns a failed job from its row's Retry button: a second series runs, and the row follows it", async () => {
    const id = await acme.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 });
    await acme.waitForStatus([id], ['failed']);
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await dashboard.waitForRow(id, 'failed');
    await dashboard.recordStatuses(id);

    await dashboard
      .row(id)
      .getByRole('button', { name: `Retry job ${id}` })
      .click();

    await page.locator('#notice').filter({ hasText: 'queued to run again' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const rerun = await waitFor(
      async () => {
        const job = await acme.job(id);
        return job.status === 'failed' && job.history.some((step) => step.series === 2 && step.status === 'failed') && job;
      },
      { timeoutMs: UI_TIMEOUT_MS, what: 'the retried job to run (and fail) again as series 2' },
    );
    expect(rerun.history.filter((step) => step.series === 2).map((step) => step.status)).toEqual(['queued', 'running', 'failed']);
    await waitFor(
      async () => {
        const seen = await dashboard.statusesSeen(id);
        return seen.length >= 3 && seen.at(-1) === 'failed';
      },
      { timeoutMs: UI_TIMEOUT_MS, what: 'the row to leave failed and come back to it' },
    );
    // An attempt this short reports its start only with its outcome: the row may go from queued to failed.
    expect((await dashboard.statusesSeen(id)).slice(0, 2)).toEqual(['failed', 'queued']);
    // The detail's timeline shows both series.
    await dashboard
      .row(id)
      .getByRole('button', { name: `Open job ${id}` })
      .click();
    const timeline = page.locator('#job-detail[open] .timeline');
    await timeline.filter({ hasText: 'series 2, attempt 1' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await timeline.locator('li').count()).toBe(rerun.history.length);
  });
});
