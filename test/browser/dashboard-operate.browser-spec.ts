import { CaskSystem } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { DashboardPage, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** What the dashboard shows to operate by: errors in the rows, groups and their limits, and a layout that reads at any width. */
describe('dashboard: errors, groups and layout', () => {
  const cask = new CaskSystem('browser-operate');
  let browser: Browser;
  let dashboard: DashboardPage | undefined;
  let bounced: string;
  let delivery: string;
  let deliveries: string[] = [];

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
    bounced = await cask.dispatch('email.welcome', { email: 'nobody@bounce.test', name: 'Nobody' });
    deliveries = [];
    for (let i = 0; i < 3; i++) deliveries.push(await cask.dispatch('webhook.deliver', { endpoint: 'customer-9', duration_ms: 60_000 }));
    delivery = deliveries[2];
    await cask.waitForTerminal([bounced]);
  });

  afterEach(async () => {
    const problems = dashboard?.problems ?? [];
    await dashboard?.close();
    dashboard = undefined;
    expect(problems).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await cask.stop();
  });

  it('shows a failed job’s error in its row and a grouped job’s group', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    await dashboard.waitForRow(bounced, 'failed');
    const error = dashboard.row(bounced).locator('.row-error');
    expect(await error.textContent()).toBe('Mailbox nobody@bounce.test does not accept mail');
    expect(await error.getAttribute('title')).toBe('mailbox_rejected: Mailbox nobody@bounce.test does not accept mail');
    expect(await dashboard.row(delivery).locator('.row-group').textContent()).toBe('group customer-9');
    expect(await dashboard.row(delivery).locator('.row-error').isHidden()).toBe(true);
  });

  it('lists the groups with what waits, what is active against the cap, and the limits', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const row = dashboard.page.locator('#groups tbody tr[data-group="webhooks/customer-9"]');
    await row.filter({ hasText: '2 / 2' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await row.locator('td').allTextContents()).toEqual(['webhooks', '1', '2 / 2', '2 at once']);
  });

  it('shows each queue’s activity and each type’s jobs by status, and narrows the jobs table to one at a click', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    const webhooks = page.locator('#queue-table tbody tr[data-queue="webhooks"]');
    // Two deliveries run (the group's cap), the third waits its turn.
    await webhooks.filter({ has: page.locator('td:nth-child(4)', { hasText: /^2$/ }) }).waitFor({ timeout: UI_TIMEOUT_MS });
    const cells = await webhooks.locator('td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(['1', '0', '2', '0', '0']);
    // Waits of the two that started within the minute.
    expect(cells[5]).toMatch(/\d/);
    const email = page.locator('#types tbody tr[data-type="email.welcome"]');
    await email.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await email.locator('td').allTextContents()).toEqual(['0', '0', '0', '0', '0', '1']);

    await email.getByRole('button', { name: 'Show the jobs of type email.welcome' }).click();
    await dashboard.waitForRows([bounced], 'the jobs of type email.welcome');
    expect(new URL(page.url()).searchParams.get('type')).toBe('email.welcome');
    await webhooks.getByRole('button', { name: 'Show the jobs of queue webhooks' }).click();
    await dashboard.waitForRows([...deliveries].reverse(), 'the jobs of queue webhooks');
    expect(new URL(page.url()).searchParams.get('type')).toBeNull();
    expect(await page.locator('#jobs-title').evaluate((node) => node === (globalThis as any).document.activeElement)).toBe(true);
  });

  it('pauses, resumes and runs a schedule now from its row', async () => {
    const created = await cask.post('/schedules', {
      name: 'email.weekly',
      cron: '0 6 * * 1',
      type: 'email.welcome',
      payload: { email: 'weekly@example.com', name: 'Weekly' },
    });
    expect(created.status).toBe(201);
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    const row = page.locator('#schedules tbody tr[data-schedule="email.weekly"]');

    await row.getByRole('button', { name: 'Pause schedule email.weekly' }).click({ timeout: UI_TIMEOUT_MS });
    await row.locator('.status').filter({ hasText: 'paused' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await row.getByRole('button', { name: 'Resume schedule email.weekly' }).click();
    await row.getByRole('button', { name: 'Pause schedule email.weekly' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await row.locator('.status').count()).toBe(0);

    await row.getByRole('button', { name: 'Run now schedule email.weekly' }).click();
    const notice = page.locator('#notice').filter({ hasText: 'Schedule email.weekly dispatched job' });
    await notice.waitFor({ timeout: UI_TIMEOUT_MS });
    const listed = await (await fetch(`${cask.baseUrl}/jobs?type=email.welcome&limit=100`)).json();
    const ran = (listed as { items: Array<{ job_id: string; schedule: string | null }> }).items.filter(
      (job) => job.schedule === 'email.weekly',
    );
    expect(ran).toHaveLength(1);
    await dashboard.row(ran[0].job_id).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('fills the row of tiles, greys out a pager button that does nothing, and keeps the chart’s labels legible at 420 px', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    await page.locator('#status-tiles .tile').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const gap = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const list = doc.querySelector('#status-tiles').getBoundingClientRect();
      const tiles = [...doc.querySelectorAll('#status-tiles .tile')].map((tile: any) => tile.getBoundingClientRect().right);
      return list.right - Math.max(...tiles);
    });
    expect(gap).toBeLessThan(2);

    const look = (selector: string) =>
      page.locator(selector).evaluate((button: any) => {
        const style = (globalThis as any).getComputedStyle(button);
        return { disabled: button.disabled, background: style.backgroundColor, cursor: style.cursor };
      });
    expect(await look('#newer')).toEqual({ disabled: true, background: 'rgba(0, 0, 0, 0)', cursor: 'not-allowed' });
    const find = await look('#search button');
    expect(find).toMatchObject({ disabled: false, cursor: 'pointer' });
    expect(find.background).not.toBe('rgba(0, 0, 0, 0)');

    await page.setViewportSize({ width: 420, height: 900 });
    // The chart is drawn again at its new width on the next refresh.
    await page.waitForFunction(
      () => {
        const svg = (globalThis as any).document.querySelector('#chart svg');
        return svg && Math.abs(svg.viewBox.baseVal.width - svg.getBoundingClientRect().width) < 2;
      },
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
    const heights = await page
      .locator('#chart svg text')
      .evaluateAll((texts: any[]) => texts.map((text) => text.getBoundingClientRect().height));
    expect(heights.length).toBeGreaterThan(3);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(11);
  });
});
