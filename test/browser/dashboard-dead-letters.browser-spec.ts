import { CaskSystem, publishRaw, rawConnection } from '@cask/testing';
import { topologyFor } from '@cask/contracts';
import type { Browser } from 'playwright-core';
import { DashboardPage, UI_TIMEOUT_MS, launchChromium } from './dashboard-browser';

/** Operating from the dashboard: dead letters read, redriven and discarded; a flow's graph drawn in its jobs' detail. */
describe('dashboard: dead letters and flows', () => {
  const cask = new CaskSystem('browser-letters');
  let browser: Browser;
  let dashboard: DashboardPage | undefined;
  const once = { max_attempts: 1, backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 } };
  let doomed: string[] = [];

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    browser = await launchChromium();
    doomed = [await cask.dispatch('demo.flaky', { fail_times: 5 }, once), await cask.dispatch('demo.flaky', { fail_times: 7 }, once)];
    const connection = await rawConnection();
    await publishRaw(connection, topologyFor(cask.namespace).jobsExchange, 'default', 'this is not a job');
    await connection.close();
    await cask.deadLetters(3);
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

  const letterRow = (d: DashboardPage, reason: string) => d.page.locator(`#letters tbody tr[data-reason="${reason}"]`);

  it('lists the letters with reason, job and error, opens one whole, and explains why garbage cannot be redriven', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    await letterRow(dashboard, 'exhausted').nth(1).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#letters-title').textContent()).toBe('Dead letters (3)');
    await page.locator('#system-tiles').getByText('3 dead letters').waitFor({ timeout: UI_TIMEOUT_MS });
    const exhausted = letterRow(dashboard, 'exhausted').first();
    expect(await exhausted.locator('td').nth(2).textContent()).toMatch(/^demo\.flaky[0-9a-f]{8}…[0-9a-f]{5} · failed$/);
    expect(await exhausted.locator('.letter-detail').textContent()).toMatch(
      /^1 attempt\(s\) failed; last: flaky: Simulated failure on attempt 1 of 1$/,
    );

    const garbage = letterRow(dashboard, 'malformed');
    expect(await garbage.locator('.letter-body').textContent()).toBe('this is not a job');
    const redrive = garbage.getByRole('button', { name: /^Redrive dead letter/ });
    expect(await redrive.isDisabled()).toBe(true);
    expect(await redrive.getAttribute('title')).toBe('Not a job message: read it and discard it');

    await exhausted.getByRole('button', { name: /^View dead letter/ }).click();
    const dialog = page.locator('#letter-detail');
    await dialog.locator('[data-json="body"] pre').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#letter-title').textContent()).toBe('Dead letter · exhausted');
    expect(await dialog.locator('[data-json="body"] pre').textContent()).toMatch(/"fail_times": [57]/);
    expect(await dialog.locator('[data-json="headers"] pre').textContent()).toContain('x-cask-original-message-id');
    await page.locator('#letter-close').click();
  });

  it('redrives a letter’s job from its row: the job runs as series 2 and the letter goes', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    const row = page
      .locator(`#letters tbody tr[data-reason="exhausted"]`)
      .filter({ has: page.getByRole('button', { name: `Open job ${doomed[0]}` }) });
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    const before = await cask.get(doomed[0]);
    expect(before.history.some((h) => h.series === 2)).toBe(false);
    await row.getByRole('button', { name: /^Redrive dead letter/ }).click();
    await page.locator('#notice').filter({ hasText: 'is queued to run again' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const [job] = await cask.waitForTerminal([doomed[0]]);
    await cask.deadLetters(1, `job_id=${doomed[0]}`);
    const after = await cask.get(job.job_id);
    expect(after.history.filter((h) => h.series === 2).map((h) => h.status)).toEqual(['queued', 'running', 'failed']);
  });

  it('narrows to one reason, discards every letter it shows after asking, and redrives every exhausted one', async () => {
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    await letterRow(dashboard, 'malformed').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#letter-reason').selectOption('malformed');
    await page.locator('#letters tbody tr[data-reason="exhausted"]').first().waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    expect(await page.locator('#letters tbody tr[data-letter]').count()).toBe(1);

    await page.locator('#letters-discard').click();
    await page
      .locator('#confirm-text')
      .filter({ hasText: 'The malformed letters are deleted for good' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Keep them' }).click();
    expect(await page.locator('#letters tbody tr[data-letter]').count()).toBe(1);
    await page.locator('#letters-discard').click();
    await page.locator('#confirm-ok').click();
    await page.locator('#notice').filter({ hasText: '1 dead letter discarded.' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const left = (await (await fetch(`${cask.baseUrl}/dead-letters`)).json()) as { counts: Record<string, number> };
    expect(left.counts).toEqual({ exhausted: 2 });

    // Every exhausted letter's job run again at once.
    const series = await Promise.all(doomed.map(async (id) => Math.max(...(await cask.get(id)).history.map((h) => h.series))));
    await page.locator('#letter-reason').selectOption('exhausted');
    await page.locator('#letters-redrive').click();
    await page.locator('#confirm-ok').click();
    await page.locator('#notice').filter({ hasText: '2 jobs queued to run again; 0 letters left (no job to run again).' }).waitFor({
      timeout: UI_TIMEOUT_MS,
    });
    for (const [i, id] of doomed.entries()) {
      await cask.deadLetters(1, `job_id=${id}`);
      expect((await cask.get(id)).history.filter((h) => h.series === series[i] + 1).map((h) => h.status)).toEqual([
        'queued',
        'running',
        'failed',
      ]);
    }
  });

  it('draws a flow’s graph in its jobs’ detail, coloured by status, and opens a job from it', async () => {
    const flow = await cask.post('/flows', {
      nodes: [
        { key: 'fetch', type: 'demo.step', payload: { name: 'fetch' } },
        { key: 'left', type: 'demo.step', payload: { name: 'left', fail: true }, parents: ['fetch'] },
        { key: 'right', type: 'demo.step', payload: { name: 'right' }, parents: ['fetch'] },
        { key: 'merge', type: 'demo.step', payload: { name: 'merge' }, parents: [{ key: 'left', on_failure: 'continue' }, 'right'] },
      ],
    });
    expect(flow.status).toBe(202);
    const ids = flow.body.job_ids as Record<string, string>;
    await cask.waitForTerminal(Object.values(ids));

    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    const { page } = dashboard;
    await page.locator('#job-id').fill(ids.right);
    await page.locator('#search button').click();
    const graph = page.locator('#job-detail .flow-graph');
    await graph.waitFor({ timeout: UI_TIMEOUT_MS });
    const nodes = await graph
      .locator('g.node')
      .evaluateAll((groups: any[]) => groups.map((g) => [g.dataset.key, g.dataset.status, g.classList.contains('current')]));
    expect(nodes).toEqual([
      ['fetch', 'succeeded', false],
      ['left', 'failed', false],
      ['right', 'succeeded', true],
      ['merge', 'succeeded', false],
    ]);
    // Columns by depth: fetch, then left and right together, then merge.
    const xs = await graph.locator('g.node').evaluateAll((groups: any[]) => groups.map((g) => g.getBoundingClientRect().x));
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(Math.abs(xs[1] - xs[2])).toBeLessThan(1);
    expect(xs[2]).toBeLessThan(xs[3]);
    expect(await graph.locator('path.edge').evaluateAll((edges: any[]) => edges.map((e) => [e.dataset.edge, e.classList[1]]))).toEqual([
      ['fetch->left', 'p-fail'],
      ['fetch->right', 'p-fail'],
      ['left->merge', 'p-continue'],
      ['right->merge', 'p-fail'],
    ]);
    expect(await page.locator('#job-detail .flow .hint').first().textContent()).toBe(
      'Flow failed: 3 succeeded, 1 failed. Select a job to open it.',
    );

    await graph.locator('g.node[data-key="merge"]').click();
    await page.locator(`#job-detail .detail[data-job-id="${ids.merge}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#job-detail g.node.current[data-key="merge"]').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('#job-detail g.node[data-key="left"]').focus();
    await page.keyboard.press('Enter');
    await page.locator(`#job-detail .detail[data-job-id="${ids.left}"][data-status="failed"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  });
});
