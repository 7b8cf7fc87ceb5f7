import { CaskSystem } from '@cask/testing';
import type { Browser } from 'playwright-core';
import { API_KEYS, DashboardPage, launchChromium } from './dashboard-browser';

/**
 * The page's own logic, run in Chromium from the modules the api serves: how live events merge into the
 * jobs the table holds, how the event stream is parsed, and how values read. Expressions are passed as
 * strings, so that the test's compiler leaves their `import()` alone.
 */
describe('dashboard: page logic in the browser', () => {
  const cask = new CaskSystem('browser-modules', { CASK_API_KEYS: API_KEYS });
  let browser: Browser;
  let dashboard: DashboardPage;

  /** Evaluates `body` in the page with the module at `/dashboard/<module>` as `m`. */
  const run = <T>(module: string, body: string): Promise<T> =>
    dashboard.page.evaluate(`import('/dashboard/${module}').then((m) => { ${body} })`) as Promise<T>;

  beforeAll(async () => {
    await cask.startApi();
    browser = await launchChromium();
    dashboard = await DashboardPage.open(browser, cask.baseUrl);
    await dashboard.page.locator('#sign-in').waitFor({ state: 'visible' });
  });

  afterAll(async () => {
    const problems = dashboard?.problems ?? [];
    await dashboard?.close();
    await browser?.close();
    await cask.stop();
    expect(problems).toEqual([]);
  });

  const running = {
    job_id: 'j',
    type: 't',
    status: 'running',
    attempts: 1,
    max_attempts: 3,
    progress: 10,
    worker: 'w1',
    created_at: 'c',
    started_at: 's1',
    finished_at: null,
  };
  const status = (status: string, series: number, attempt: number | null, extra: object = {}) => ({
    job_id: 'j',
    type: 't',
    status,
    series,
    attempt,
    at: `at-${status}-${series}`,
    worker: 'w2',
    error: null,
    next_attempt_at: null,
    ...extra,
  });

  it('ignores events older than the job it holds: a stale queued, an earlier attempt, an older series, anything on a finished job', async () => {
    const verdicts = await run<Record<string, boolean>>(
      'job-events.js',
      `const job = ${JSON.stringify(running)};
       const finished = { ...job, status: 'succeeded', finished_at: 'f' };
       const retryingSecond = { ...job, status: 'retrying', attempts: 2 };
       return {
         queuedAfterStart: m.isStale(job, 'status', ${JSON.stringify(status('queued', 1, 0))}),
         sameAttemptSucceeded: m.isStale(job, 'status', ${JSON.stringify(status('succeeded', 1, 1))}),
         nextAttemptRunning: m.isStale(retryingSecond, 'status', ${JSON.stringify(status('running', 1, 3))}),
         earlierAttemptRetrying: m.isStale(retryingSecond, 'status', ${JSON.stringify(status('retrying', 1, 1))}),
         cancelNamesNoAttempt: m.isStale(job, 'status', ${JSON.stringify(status('cancelled', 1, null))}),
         progressWhileRunning: m.isStale(job, 'progress', { job_id: 'j', series: 1, attempt: 1, progress: 50 }),
         progressAfterFinish: m.isStale(finished, 'progress', { job_id: 'j', series: 1, attempt: 1, progress: 50 }),
         lateRunningAfterFinish: m.isStale(finished, 'status', ${JSON.stringify(status('running', 1, 1))}),
         redriveOfFinished: m.isStale(finished, 'status', ${JSON.stringify(status('queued', 2, 0))}),
         olderSeries: m.isStale({ ...job, series: 2 }, 'status', ${JSON.stringify(status('failed', 1, 1))}),
         dueDelayedJob: m.isStale({ ...job, status: 'scheduled', attempts: 0 }, 'status', ${JSON.stringify(status('queued', 1, 0))}),
       };`,
    );

    expect(verdicts).toEqual({
      queuedAfterStart: true,
      sameAttemptSucceeded: false,
      nextAttemptRunning: false,
      earlierAttemptRetrying: true,
      cancelNamesNoAttempt: false,
      progressWhileRunning: false,
      progressAfterFinish: true,
      lateRunningAfterFinish: true,
      redriveOfFinished: false,
      olderSeries: true,
      dueDelayedJob: false,
    });
  });

  it('applies a redrive as a new series from scratch, then its attempt and outcome', async () => {
    const states = await run<Array<Record<string, unknown>>>(
      'job-events.js',
      `const job = { ...${JSON.stringify(running)}, status: 'failed', attempts: 3, finished_at: 'f1' };
       const states = [];
       for (const event of [${JSON.stringify(status('queued', 2, 0, { worker: null }))}, ${JSON.stringify(status('running', 2, 1))}, ${JSON.stringify(status('failed', 2, 1))}]) {
         m.applyStatus(job, event);
         states.push({ status: job.status, series: job.series, attempts: job.attempts, worker: job.worker, started_at: job.started_at, finished_at: job.finished_at, progress: job.progress });
       }
       return states;`,
    );

    expect(states).toEqual([
      { status: 'queued', series: 2, attempts: 0, worker: null, started_at: null, finished_at: null, progress: null },
      { status: 'running', series: 2, attempts: 1, worker: 'w2', started_at: 'at-running-2', finished_at: null, progress: null },
      { status: 'failed', series: 2, attempts: 1, worker: 'w2', started_at: 'at-running-2', finished_at: 'at-failed-2', progress: null },
    ]);
  });

  it('parses server-sent events: named events with JSON data, comments (keep-alives) give none', async () => {
    const parsed = await run<unknown[]>(
      'live.js',
      `return [
         m.parseEvent('event: status\\ndata: {"job_id":"j","status":"running"}'),
         m.parseEvent('event: progress\\ndata:{"progress":\\ndata: 40}'),
         m.parseEvent(': keep-alive'),
         m.parseEvent('event: status\\ndata: not json'),
       ];`,
    );

    expect(parsed).toEqual([
      { event: 'status', data: { job_id: 'j', status: 'running' } },
      { event: 'progress', data: { progress: 40 } },
      undefined,
      undefined,
    ]);
  });

  it('caps JSON at 20 KB and says how large it was; reads durations and times as people do', async () => {
    const read = await run<Record<string, unknown>>(
      'format.js',
      `const big = m.prettyJson({ data: 'x'.repeat(50000) });
       const small = m.prettyJson({ a: 1 });
       const now = Date.parse('2026-11-28T20:00:00Z');
       return {
         big: { length: big.text.length, bytes: big.bytes, truncated: big.truncated, ends: big.text.slice(-2) },
         small,
         durations: [m.duration(850), m.duration(1234), m.duration(12_345), m.duration(252_000), m.duration(7_500_000), m.duration(null)],
         times: [m.relativeTime(now - 500, now), m.relativeTime(now - 42_000, now), m.relativeTime(now - 600_000, now), m.relativeTime(now + 7_200_000, now)],
         ids: [m.isJobId('01a223ac-1aa4-737c-872e-138b48a9009b'), m.isJobId('01a223ac'), m.shortId('01a223ac-1aa4-737c-872e-138b48a9009b')],
         progress: [m.progressText(42.4), m.progressText({ step: 'encode', done: 3 }), m.progressText(null)],
       };`,
    );

    expect(read).toEqual({
      big: { length: 20 * 1024 + 2, bytes: 50_000 + '{\n  "data": ""\n}'.length, truncated: true, ends: '\n…' },
      small: { text: '{\n  "a": 1\n}', bytes: 12, truncated: false },
      durations: ['850 ms', '1.23 s', '12.3 s', '4 min 12 s', '2 h 5 min', '—'],
      times: ['just now', '42 s ago', '10 min ago', 'in 2 h'],
      ids: [true, false, '01a223ac…9009b'],
      progress: ['42%', '{"step":"encode","done":3}', ''],
    });
  });
});
