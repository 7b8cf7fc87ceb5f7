import { CaskSystem } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { API_KEYS, DashboardPage, KEYS, KeyedApi, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** The jobs table finds jobs: by status (select or tile), by type, by id, page by page, newest first. */
describe('dashboard: filters, pages and search', () => {
  const cask = new CaskSystem('browser-filters', { CASK_API_KEYS: API_KEYS });
  const acme = new KeyedApi(cask, KEYS.acmeWrite);
  const globex = new KeyedApi(cask, KEYS.globexWrite);
  let browser: Browser;
  let dashboard: DashboardPage;
  /** Acme's jobs as GET /jobs orders them, newest first. */
  let newestFirst: Array<{ job_id: string; type: string; status: string }>;
  const ids = (jobs: Array<{ job_id: string }>) => jobs.map((job) => job.job_id);

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
    const dispatched: string[] = [];
    for (let i = 0; i < 12; i += 1)
      dispatched.push(await acme.dispatch('email.welcome', { email: `user${i}@example.com`, name: `User ${i}` }));
    for (let i = 0; i < 3; i += 1) dispatched.push(await acme.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 }));
    const others = [
      await globex.dispatch('demo.flaky', { fail_times: 1 }, { max_attempts: 1 }),
      await globex.dispatch('email.welcome', { email: 'g@example.com', name: 'G' }),
    ];
    await acme.waitForStatus(dispatched, ['succeeded', 'failed']);
    await globex.waitForStatus(others, ['succeeded', 'failed']);
    newestFirst = (await acme.request('GET', '/jobs?limit=100')).body.items;
    expect(newestFirst).toHaveLength(15);
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

  it("lists the tenant's jobs newest first, and filters them by status, from the select or a tile, and by type", async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await dashboard.waitForRows(ids(newestFirst), 'every acme job, newest first');

    await page.locator('#filters select[name="status"]').selectOption('failed');
    await dashboard.waitForRows(ids(newestFirst.filter((job) => job.status === 'failed')), 'the failed jobs');
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed');
    expect(await page.locator('#jobs-table tbody tr[data-job-id]:not([data-status="failed"])').count()).toBe(0);

    await page.locator('#status-tiles a[data-status="succeeded"]').click();
    await dashboard.waitForRows(ids(newestFirst.filter((job) => job.status === 'succeeded')), 'the succeeded jobs');
    expect(await page.locator('#status-tiles a[data-status="succeeded"]').getAttribute('aria-current')).toBe('true');
    expect(await page.locator('#filters select[name="status"]').inputValue()).toBe('succeeded');
    // The tile moved the focus to the table, for keyboard and screen-reader users.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('jobs-title');

    await page.locator('#filters select[name="status"]').selectOption('');
    await page.locator('#filters select[name="type"] option[value="demo.flaky"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await page.locator('#filters select[name="type"]').selectOption('demo.flaky');
    await dashboard.waitForRows(ids(newestFirst.filter((job) => job.type === 'demo.flaky')), "acme's demo.flaky jobs (not globex's)");

    // Each filter is a page in the history: Back shows the one before.
    await page.goBack();
    await dashboard.waitForRows(ids(newestFirst), 'every job again after Back');
    expect(await page.locator('#filters select[name="type"]').inputValue()).toBe('');
  });

  it('pages through the jobs by cursor, newest first, and back', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await dashboard.waitForRows(ids(newestFirst), 'every job on one page');

    await page.locator('#filters select[name="limit"]').selectOption('10');
    await dashboard.waitForRows(ids(newestFirst.slice(0, 10)), 'the newest 10');
    expect(await page.locator('#newer').isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Older →' }).click();
    await dashboard.waitForRows(ids(newestFirst.slice(10)), 'the 5 older ones');
    expect(await page.locator('#page-info').textContent()).toMatch(/^Page 2 · 5 jobs/);
    expect(await page.locator('#older').isDisabled()).toBe(true);

    await page.getByRole('button', { name: '← Newer' }).click();
    await dashboard.waitForRows(ids(newestFirst.slice(0, 10)), 'the newest 10 again');

    // A page of one type and status pages the same way.
    await page.locator('#filters select[name="type"]').selectOption('email.welcome');
    await dashboard.waitForRows(ids(newestFirst.filter((job) => job.type === 'email.welcome').slice(0, 10)), 'the newest 10 emails');
    await page.getByRole('button', { name: 'Older →' }).click();
    await dashboard.waitForRows(ids(newestFirst.filter((job) => job.type === 'email.welcome').slice(10)), 'the 2 older emails');
    expect(new URL(page.url()).searchParams.get('limit')).toBe('10');
  });

  it('finds a job by id and shows its detail: fields, payload, error and the attempt history', async () => {
    const failed = newestFirst.find((job) => job.status === 'failed')!;
    const succeeded = newestFirst.find((job) => job.status === 'succeeded')!;
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await dashboard.waitForRows(ids(newestFirst), 'every job');

    await page.getByLabel('Job id').fill(failed.job_id);
    await page.getByRole('button', { name: 'Find' }).click();

    const detail = page.locator(`#job-detail[open] .detail[data-job-id="${failed.job_id}"]`);
    await detail.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#detail-title').textContent()).toBe('demo.flaky · failed');
    expect(JSON.parse((await detail.locator('[data-json="payload"] pre').textContent()) as string)).toEqual({ fail_times: 1 });
    expect(await detail.locator('.error-box').textContent()).toContain('flaky');
    const history = (await acme.job(failed.job_id)).history;
    expect(await detail.locator('.timeline li').allTextContents()).toEqual(
      history.map((step) => expect.stringContaining(`series ${step.series}, attempt ${step.attempt}`)),
    );
    await page.keyboard.press('Escape');
    await page.locator('#job-detail[open]').waitFor({ state: 'detached' });

    await dashboard
      .row(succeeded.job_id)
      .getByRole('button', { name: `Open job ${succeeded.job_id}` })
      .click();
    const result = page.locator(`#job-detail[open] .detail[data-job-id="${succeeded.job_id}"] [data-json="result"] pre`);
    await result.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(JSON.parse((await result.textContent()) as string)).toMatchObject({ delivered_to: expect.stringMatching(/@example\.com$/) });
    await page.getByRole('button', { name: 'Close job detail' }).click();

    // Not an id: said at once, without asking the api.
    await page.getByLabel('Job id').fill('not-a-job');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('#notice[role="alert"]').filter({ hasText: 'A job id is a UUID' }).waitFor();
  });
  it('filters by queue and finds jobs by text in their payload, of the tenant only, kept in the address', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl, KEYS.acmeWrite);
    const { page } = dashboard;
    await dashboard.waitForRows(ids(newestFirst), 'every acme job, newest first');

    await page.locator('#filters input[name="q"]').fill('USER1');
    await page.locator('#filters input[name="q"]').press('Enter');
    // user11, user10 and user1 (emails were dispatched user0 to user11), in any case.
    const emails = newestFirst.filter((job) => job.type === 'email.welcome');
    const user1 = [emails[0], emails[1], emails[10]];
    await dashboard.waitForRows(ids(user1), 'the jobs whose payload says user1');
    expect(new URL(page.url()).searchParams.get('q')).toBe('USER1');

    await page.locator('#filters input[name="q"]').fill('');
    await page.locator('#filters input[name="q"]').press('Enter');
    await dashboard.waitForRows(ids(newestFirst), 'every acme job again');
    await page.locator('#filters select[name="queue"] option[value="default"]').waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
    await page.locator('#filters select[name="queue"]').selectOption('video');
    await dashboard.waitForRows([], 'no acme job on the video queue');
    expect(new URL(page.url()).searchParams.get('queue')).toBe('video');
  });
});
