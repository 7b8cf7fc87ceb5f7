import { CaskSystem } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { API_KEYS, DashboardPage, KEYS, KeyedApi, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** A read-only key sees everything of its tenant and can change nothing: no action is shown, and the api refuses them. */
describe('dashboard: a read-only key', () => {
  const cask = new CaskSystem('browser-read-only', { CASK_API_KEYS: API_KEYS });
  const writer = new KeyedApi(cask, KEYS.acmeWrite);
  const reader = new KeyedApi(cask, KEYS.acmeRead);
  let browser: Browser;
  let dashboard: DashboardPage;
  let failed: string;
  let running: string;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
    failed = await writer.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 });
    // A job that stays running for the whole test: the one state where a write key would see Cancel.
    running = await writer.dispatch('demo.fault', { mode: 'sleep', ms: 120_000 });
    await writer.waitForStatus([failed], ['failed']);
    await writer.waitForStatus([running], ['running']);
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

  it('shows the jobs with no Retry, Cancel or bulk retry anywhere, while a write key sees them', async () => {
    const write = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    await write
      .row(failed)
      .getByRole('button', { name: `Retry job ${failed}` })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await write
      .row(running)
      .getByRole('button', { name: `Cancel job ${running}` })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await write.page.locator('#bulk-retry').isVisible()).toBe(true);
    const writeProblems = write.problems;
    await write.close();
    expect(writeProblems).toEqual([]);

    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeRead);
    const { page } = dashboard;
    await dashboard.waitForRow(failed, 'failed');
    await dashboard.waitForRow(running, 'running');

    expect(await page.locator('#scope').textContent()).toBe('read');
    expect(await page.locator('#jobs-table button[data-action]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /retry|cancel/i }).count()).toBe(0);
    expect(await page.locator('#bulk-retry').isVisible()).toBe(false);
    expect(await page.locator('#jobs-table thead th[data-needs-write]').isVisible()).toBe(false);

    for (const id of [failed, running]) {
      await dashboard
        .row(id)
        .getByRole('button', { name: `Open job ${id}` })
        .click();
      await page.locator(`#job-detail[open] .detail[data-job-id="${id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.locator('#job-detail button[data-action]').count()).toBe(0);
      await page.getByRole('button', { name: 'Close job detail' }).click();
    }
  });

  it('is refused by the api anyway: 403 to retry, cancel and bulk retry with that key, and nothing changes', async () => {
    for (const [path, body] of [[`/jobs/${failed}/retry`], [`/jobs/${running}/cancel`], ['/jobs/retry', { status: 'failed' }]] as const) {
      const answer = await reader.request('POST', path, body);
      expect([path, answer.status, answer.body]).toEqual([
        path,
        403,
        { error: 'This API key is read-only: it cannot dispatch, cancel, retry or change schedules' },
      ]);
    }
    expect((await reader.job(failed)).history.every((step) => step.series === 1)).toBe(true);
    expect((await reader.job(running)).status).toBe('running');
  });
});
