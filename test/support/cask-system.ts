import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNamespace, uniqueNamespace } from './broker';
import { AppProcess, startApi, startWorker } from './processes';
import { TEST_AMQP_URL } from './services';
import { waitFor } from './wait-for';

/** A job as GET /jobs/:id answers it. */
export interface JobBody {
  job_id: string;
  type: string;
  status: string;
  attempts: number;
  progress: unknown;
  result: Record<string, unknown> | null;
  error: { code: string; message: string; retryable: boolean } | null;
  next_attempt_at: string | null;
  run_at: string | null;
  schedule: string | null;
  group?: string | null;
  flow_id?: string | null;
  worker?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  history: Array<{ at: string; status: string; series: number; attempt: number; worker: string | null; error: { code: string } | null }>;
}

/** A dead letter as GET /dead-letters/:id answers it. */
export interface DeadLetterBody {
  id: string;
  reason: string;
  detail: string;
  source_queue: string | null;
  job_id: string | null;
  job_status: string | null;
  type: string | null;
  redrivable: boolean;
  body_bytes: number;
  body_preview: string;
  body: string;
  body_encoding: 'utf8' | 'base64';
  headers: Record<string, unknown>;
  dead_lettered_at: string;
}

/** A letter's body as the bytes the broker held. */
export const letterBytes = (letter: DeadLetterBody): Buffer => Buffer.from(letter.body, letter.body_encoding);

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** An api and a worker started from the build, in their own namespace and SQLite file. */
export class CaskSystem {
  readonly namespace: string;
  readonly sqlitePath: string;
  api?: AppProcess;
  worker?: AppProcess;
  baseUrl = '';
  /** Every job id this test got a 202 for; anything else in the store is a phantom. */
  readonly dispatched = new Set<string>();

  constructor(
    label: string,
    private readonly env: Record<string, string> = {},
  ) {
    this.namespace = uniqueNamespace(label);
    this.sqlitePath = join(mkdtempSync(join(tmpdir(), 'cask-system-')), 'cask.db');
  }

  get commonEnv(): Record<string, string> {
    return { AMQP_URL: TEST_AMQP_URL, CASK_NAMESPACE: this.namespace, ...this.env };
  }

  async startApi(env: Record<string, string> = {}): Promise<void> {
    // Tests poll every job they wait for, hundreds a second: the request limit has tests of its own.
    const started = await startApi({ RATE_LIMIT_PER_SECOND: '0', ...this.commonEnv, SQLITE_PATH: this.sqlitePath, ...env });
    this.api = started.process;
    this.baseUrl = started.baseUrl;
  }

  async startWorker(env: Record<string, string> = {}): Promise<void> {
    this.worker = await startWorker({ ...this.commonEnv, ...env });
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop('SIGKILL'), this.worker?.stop('SIGKILL')]);
    await deleteNamespace(this.namespace);
  }

  async post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status === 202 && typeof json.job_id === 'string') this.dispatched.add(json.job_id);
    return { status: response.status, body: json };
  }

  /** Dispatches over POST /jobs and returns the job id; fails the test on anything but 202. */
  async dispatch(type: string, payload: unknown, options: Record<string, unknown> = {}): Promise<string> {
    const response = await this.post('/jobs', { type, payload, ...options });
    if (response.status !== 202) throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(response.body)}`);
    this.dispatched.add(response.body.job_id as string);
    return response.body.job_id as string;
  }

  async get(id: string): Promise<JobBody> {
    const response = await fetch(`${this.baseUrl}/jobs/${id}`);
    if (response.status !== 200) throw new Error(`GET /jobs/${id} answered ${response.status}`);
    return (await response.json()) as JobBody;
  }

  /**
   * Waits until the api has stored at least `count` dead letters (matching `query`, e.g. `reason=exhausted`) and
   * returns every stored one whole, newest first.
   */
  async deadLetters(count: number, query = ''): Promise<DeadLetterBody[]> {
    let items: Array<{ id: string }> = [];
    await waitFor(
      async () => {
        const response = await fetch(`${this.baseUrl}/dead-letters?limit=100&${query}`);
        items = ((await response.json()) as { items: Array<{ id: string }> }).items;
        return items.length >= count;
      },
      { timeoutMs: 15_000, what: `${count} dead letter(s) stored (${items.length} so far)` },
    );
    return Promise.all(items.map(async ({ id }) => (await (await fetch(`${this.baseUrl}/dead-letters/${id}`)).json()) as DeadLetterBody));
  }

  /** Waits until every job is terminal and returns them, in the order of `ids`. */
  async waitForTerminal(ids: readonly string[], timeoutMs = 60_000): Promise<JobBody[]> {
    const done = new Map<string, JobBody>();
    await waitFor(
      async () => {
        const open = ids.filter((id) => !done.has(id));
        for (let i = 0; i < open.length; i += 50) {
          const jobs = await Promise.all(open.slice(i, i + 50).map((id) => this.get(id)));
          for (const job of jobs) if (TERMINAL.has(job.status)) done.set(job.job_id, job);
        }
        return done.size === ids.length;
      },
      { timeoutMs, intervalMs: 100, what: `${ids.length} jobs to finish (${done.size} done)` },
    );
    return ids.map((id) => done.get(id) as JobBody);
  }
}

/** Runs `task` over `items` with at most `width` in flight, keeping order. */
export async function inParallel<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index], index);
      }
    }),
  );
  return results;
}
