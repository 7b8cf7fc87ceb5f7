import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { auditSecretsOf } from './response-audit';

const ROOT = join(__dirname, '..', '..');
const ENTRY = {
  api: join(ROOT, 'dist/apps/api/main.js'),
  worker: join(ROOT, 'dist/apps/worker/main.js'),
};

/** A built api or worker running as a real child process, its output kept for assertions. */
export class AppProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private readonly listeners = new Set<() => void>();
  private readonly group: boolean;

  private constructor(
    readonly kind: string,
    env: Record<string, string>,
    run: { node: string; script: string; cwd: string; group?: boolean; args?: string[] } = {
      node: process.execPath,
      script: ENTRY[kind as 'api' | 'worker'],
      cwd: ROOT,
    },
  ) {
    this.group = run.group ?? false;
    this.child = spawn(run.node, [run.script, ...(run.args ?? [])], {
      cwd: run.cwd,
      // A process group of its own, signalled as a terminal's Ctrl-C signals one.
      detached: this.group,
      // Workers pick a free health port, so several can run side by side.
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...(kind === 'worker' ? { WORKER_HEALTH_PORT: '0' } : {}), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A chunk can end inside a line: each stream keeps its unfinished line until the rest (or the end) arrives.
    const collect = (stream: Readable | null) => {
      let partial = '';
      const take = (text: string, ended: boolean) => {
        const lines = (partial + text).split('\n');
        partial = ended ? '' : (lines.pop() ?? '');
        for (const line of lines) if (line.trim()) this.output.push(line);
        for (const listener of this.listeners) listener();
      };
      stream?.on('data', (chunk: Buffer) => take(chunk.toString('utf8'), false));
      stream?.on('end', () => take('', true));
    };
    collect(this.child.stdout);
    collect(this.child.stderr);
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
  }

  static start(kind: 'api' | 'worker', env: Record<string, string>): AppProcess {
    return new AppProcess(kind, env);
  }

  /** Runs another program (a consumer test's fixture, `npm start`); with `group`, in a process group of its own. */
  static run(
    label: string,
    run: { node: string; script: string; cwd: string; group?: boolean; args?: string[] },
    env: Record<string, string>,
  ): AppProcess {
    return new AppProcess(label, env, run);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The output lines that are JSON objects (every log line under LOG_FORMAT=json), parsed. */
  jsonLines(): Array<Record<string, unknown>> {
    return this.output.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Resolves with the first output line matching `pattern`; rejects on timeout or exit. */
  waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.output.find((l) => pattern.test(l));
        if (line) {
          done();
          resolve(line);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.kind} did not print ${pattern} within ${timeoutMs} ms. Output:\n${this.output.join('\n')}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`${this.kind} exited (${code}) before printing ${pattern}. Output:\n${this.output.join('\n')}`));
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('exit', onExit);
      };
      this.listeners.add(check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // A group is signalled whole, as Ctrl-C in a terminal does: every process in it gets the signal.
      if (this.group && this.child.pid) process.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    }
    return this.exited;
  }

  /** Resolves with the exit code once the process exits by itself. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }
}

/** Starts an api on a free port and resolves with its base URL once it can dispatch. */
export async function startApi(env: Record<string, string>): Promise<{ process: AppProcess; baseUrl: string }> {
  auditSecretsOf(env);
  const api = AppProcess.start('api', { PORT: '0', ...env });
  const line = await api.waitForLine(/listening on port \d+/);
  await api.waitForLine(/Ready to dispatch jobs/);
  const port = /listening on port (\d+)/.exec(line)?.[1];
  return { process: api, baseUrl: `http://127.0.0.1:${port}` };
}

/** The port a worker's health endpoints listen on, from its log. */
export async function workerHealthUrl(worker: AppProcess): Promise<string> {
  const line = await worker.waitForLine(/health endpoints on port \d+/);
  return `http://127.0.0.1:${/port (\d+)/.exec(line)?.[1]}/health`;
}

/** Starts a worker and resolves once it consumes. */
export async function startWorker(env: Record<string, string>): Promise<AppProcess> {
  auditSecretsOf(env);
  const worker = AppProcess.start('worker', env);
  await worker.waitForLine(/consuming/);
  return worker;
}
