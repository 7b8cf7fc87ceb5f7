import { CaskSystem, waitFor } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { DashboardPage, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** On an api without keys (every request may act as admin), the queues table pauses and resumes a job queue. */
describe('dashboard: pausing and resuming a queue', () => {
  const cask = new CaskSystem('browser-queues');
  let browser: Browser;
  let dashboard: DashboardPage;

  const paused = async (queue: string): Promise<boolean> => {
    const response = await fetch(`${cask.baseUrl}/queues`);
    const items = ((await response.json()) as { items: Array<{ queue: string; paused: boolean }> }).items;
    return items.find((item) => item.queue === queue)?.paused ?? false;
  };

  beforeAll(async () => {
    await cask.startApi();
    browser = await launchChromium();
  });

  afterAll(async () => {
    const problems = dashboard?.problems ?? [];
    await dashboard?.close();
    await browser?.close();
    await cask.stop();
    expect(problems).toEqual([]);
  });

  it('asks before pausing, shows the queue paused, and resumes it at a click', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    const video = page.locator('#queues tbody tr[data-queue="video"]');
    await video.getByRole('button', { name: 'Pause queue video' }).waitFor({ timeout: UI_TIMEOUT_MS });

    await video.getByRole('button', { name: 'Pause queue video' }).click();
    const confirm = page.getByRole('dialog', { name: 'Pause queue video?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Pause' }).click();

    await video.locator('.badge.paused').filter({ hasText: 'paused' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await paused('video')).toBe(true);
    expect(await paused('default')).toBe(false);

    await video.getByRole('button', { name: 'Resume queue video' }).click();
    await page.locator('#notice').filter({ hasText: 'Queue video is running again.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await waitFor(async () => !(await paused('video')), { timeoutMs: UI_TIMEOUT_MS, what: 'the video queue resumed' });
    await video.getByRole('button', { name: 'Pause queue video' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });
});
