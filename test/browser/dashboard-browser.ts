import { CaskSystem, audit, waitFor } from '@cask/testing';
import { existsSync } from 'node:fs';
import { Browser, Page, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`, as `.ci/run` does); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** How long a browser test waits for the page to show something. */
export const UI_TIMEOUT_MS = 20_000;

/** Keys of the tests' api: tenant acme with a write and a read key, tenant globex with a write key. */
export const KEYS = {
  acmeWrite: 'cask_test_key_browser_acme_write_0123',
  acmeRead: 'cask_test_key_browser_acme_read_01234',
  globexWrite: 'cask_test_key_browser_globex_write_012',
};
export const API_KEYS = `acme:write:${KEYS.acmeWrite},acme:read:${KEYS.acmeRead},globex:write:${KEYS.globexWrite}`;

/** Headless Chromium, or a clear failure saying how to install it: browser tests never skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: install it with \`apt-get install -y --no-install-recommends chromium\` (as .ci/run does), or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/** A job as the api answers it, as much as the browser tests read. */
export interface ApiJob {
  job_id: string;
  type: string;
  status: string;
  history: Array<{ status: string; series: number; attempt: number }>;
  payload: Record<string, unknown>;
}

/** Calls the api of a {@link CaskSystem} with an API key, as a client of the dashboard's tenant would. */
export class KeyedApi {
  constructor(
    private readonly cask: CaskSystem,
    private readonly key: string,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.cask.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async dispatch(type: string, payload: unknown, options: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await this.request('POST', '/jobs', { type, payload, ...options });
    if (status !== 202) throw new Error(`POST /jobs answered ${status}: ${JSON.stringify(body)}`);
    this.cask.dispatched.add(body.job_id);
    return body.job_id;
  }

  async job(id: string): Promise<ApiJob> {
    const { status, body } = await this.request('GET', `/jobs/${id}`);
    if (status !== 200) throw new Error(`GET /jobs/${id} answered ${status}`);
    return body;
  }

  /** Waits until every job has one of `statuses`. */
  async waitForStatus(ids: readonly string[], statuses: readonly string[], timeoutMs = 60_000): Promise<ApiJob[]> {
    return waitFor(
      async () => {
        const jobs = await Promise.all(ids.map((id) => this.job(id)));
        return jobs.every((job) => statuses.includes(job.status)) && jobs;
      },
      { timeoutMs, intervalMs: 100, what: `${ids.length} jobs to be ${statuses.join(' or ')}` },
    );
  }
}

/**
 * The dashboard in a fresh browser tab. Everything that would show in the console as an error (script
 * errors, failed requests, CSP refusals) is kept in `problems`; every response the page reads is audited
 * for leaks like the responses of every other test.
 */
export class DashboardPage {
  readonly problems: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      const type = response.headers()['content-type'] ?? '';
      // A stream of events never ends: its events are the api's JSON, audited by the api's own tests.
      if (type.startsWith('text/event-stream')) return;
      response.text().then(
        (body) => audit(`browser ${response.request().method()} ${new URL(response.url()).pathname}`, type, body),
        () => undefined,
      );
    });
  }

  /** Opens the dashboard; with a key, enters it in the page's form and waits for the page to start. */
  static async open(browser: Browser, baseUrl: string, key?: string, query = ''): Promise<DashboardPage> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const dashboard = new DashboardPage(await context.newPage());
    await dashboard.page.goto(`${baseUrl}/dashboard${query}`);
    if (key) await dashboard.signIn(key);
    return dashboard;
  }

  async signIn(key: string): Promise<void> {
    await this.page.locator('#key').fill(key);
    await this.page.getByRole('button', { name: 'Open dashboard' }).click();
    await this.page.locator('#app').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  }

  /** The table row of a job (once shown). */
  row(jobId: string) {
    return this.page.locator(`#jobs-table tbody tr[data-job-id="${jobId}"]`);
  }

  /** Waits until the job's row shows `status`. */
  async waitForRow(jobId: string, status: string): Promise<void> {
    await this.page.locator(`#jobs-table tbody tr[data-job-id="${jobId}"][data-status="${status}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /** Ids of the rows the table shows, top to bottom. */
  rowIds(): Promise<string[]> {
    return this.page
      .locator('#jobs-table tbody tr[data-job-id]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id') as string));
  }

  /** Waits until the table shows exactly these rows, in this order. */
  async waitForRows(ids: readonly string[], what: string): Promise<void> {
    await waitFor(async () => JSON.stringify(await this.rowIds()) === JSON.stringify(ids), { timeoutMs: UI_TIMEOUT_MS, what });
  }

  /**
   * Starts recording every status a job's row shows, from now on (the row may not exist yet); read them
   * with {@link statusesSeen}. Statuses shown within one task are recorded too, from the mutations' old values.
   */
  async recordStatuses(jobId: string): Promise<void> {
    // Runs in the page; the test project's types have no DOM, hence `any`.
    await this.page.evaluate((id) => {
      const page = globalThis as any;
      const seen: string[] = [];
      page[`statuses:${id}`] = seen;
      const push = (status: string | null | undefined) => {
        if (status && seen[seen.length - 1] !== status) seen.push(status);
      };
      const selector = `tr[data-job-id="${id}"]`;
      new page.MutationObserver((records: any[]) => {
        for (const record of records) if (record.type === 'attributes' && record.target.matches(selector)) push(record.oldValue);
        push(page.document.querySelector(selector)?.dataset.status);
      }).observe(page.document.querySelector('#jobs-table tbody'), {
        subtree: true,
        childList: true,
        attributes: true,
        attributeOldValue: true,
        attributeFilter: ['data-status'],
      });
      push(page.document.querySelector(selector)?.dataset.status);
    }, jobId);
  }

  statusesSeen(jobId: string): Promise<string[]> {
    return this.page.evaluate((id) => (globalThis as any)[`statuses:${id}`] ?? [], jobId);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
