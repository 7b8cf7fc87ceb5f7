import { CaskSystem, waitFor } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { API_KEYS, DashboardPage, KEYS, KeyedApi, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** Failed jobs of one type are retried in bulk, only after a confirmation that says how many. */
describe('dashboard: bulk retry of failed jobs by type', () => {
  const cask = new CaskSystem('browser-bulk', { CASK_API_KEYS: API_KEYS });
  const acme = new KeyedApi(cask, KEYS.acmeWrite);
  let browser: Browser;
  let dashboard: DashboardPage;
  const flaky: string[] = [];
  let bounced: string;

  const seriesOf = async (id: string) => Math.max(...(await acme.job(id)).history.map((step) => step.series));

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
    for (let i = 0; i < 3; i += 1) flaky.push(await acme.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 }));
    bounced = await acme.dispatch('email.welcome', { email: 'nobody@bounce.test', name: 'Nobody' });
    await acme.waitForStatus([...flaky, bounced], ['failed']);
  });

  afterAll(async () => {
    const problems = dashboard?.problems ?? [];
    await dashboard?.close();
    await browser?.close();
    await cask.stop();
    expect(problems).toEqual([]);
  });

  it('asks first, naming the type and how many; "Keep them" changes nothing, confirming retries that type only', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    const bulkType = page.locator('#bulk-retry select[name="type"]');
    await bulkType
      .locator('option[value="demo.flaky"]')
      .filter({ hasText: 'demo.flaky (3)' })
      .waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await bulkType.selectOption('demo.flaky');

    await page.getByRole('button', { name: 'Retry failed…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Retry failed jobs?' });
    await confirm.waitFor();
    expect(await confirm.locator('#confirm-text').textContent()).toBe(
      '3 failed demo.flaky jobs will run again, each as a new series of attempts.',
    );
    await confirm.getByRole('button', { name: 'Keep them' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await Promise.all([...flaky, bounced].map(seriesOf))).toEqual([1, 1, 1, 1]);

    await page.getByRole('button', { name: 'Retry failed…' }).click();
    await confirm.getByRole('button', { name: 'Retry 3' }).click();

    await page.locator('#notice').filter({ hasText: '3 failed jobs queued to run again.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitFor(async () => (await Promise.all(flaky.map(seriesOf))).every((series) => series === 2), {
      timeoutMs: UI_TIMEOUT_MS,
      what: 'every demo.flaky job in a second series',
    });
    expect(await seriesOf(bounced)).toBe(1);
    expect((await acme.job(bounced)).status).toBe('failed');
  });
});
