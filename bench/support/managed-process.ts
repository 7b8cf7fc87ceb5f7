import { ChildProcess, fork, spawn } from 'node:child_process';
import { profileFlags } from './profiling';

const live = new Set<ChildProcess>();
// Whatever way the bench process ends, it takes its children along: a stray api or worker would keep
// consuming from (and redeclaring) the queues the bench is about to delete.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Any IPC message from a bench child: a `type` and whatever else it carries. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

/** A child process of the bench, with its output kept for error messages. */
export class ManagedProcess {
  private readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly messages: ChildMessage[] = [];
  private readonly messageListeners = new Set<(message: ChildMessage) => void>();
  private readonly lineListeners = new Set<(line: string) => void>();

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.lines.push(line);
        for (const listener of this.lineListeners) listener(line);
      }
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      for (const listener of this.messageListeners) listener(message);
    });
    this.exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      // A program that could not start (not installed) emits 'error' and never 'exit'.
      child.once('error', (err) => {
        this.lines.push(`could not start: ${err.message}`);
        resolve(null);
      });
    }).then((code) => {
      live.delete(child);
      return code;
    });
  }

  /** Starts one of the bench's own compiled scripts, with an IPC channel. */
  static fork(label: string, modulePath: string, env: Record<string, string>, args: string[] = []): ManagedProcess {
    const child = fork(modulePath, args, {
      execArgv: profileFlags(label),
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new ManagedProcess(label, child);
  }

  /** Starts a built app (no IPC): it is only seen through its output and the network. */
  static spawnNode(label: string, entry: string, env: Record<string, string>, cwd: string): ManagedProcess {
    const child = spawn(process.execPath, [...profileFlags(label), entry], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ManagedProcess(label, child);
  }

  /** Starts a program that is not Node (a service the bench runs for one contender), without IPC. */
  static spawn(label: string, command: string, args: string[]): ManagedProcess {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ManagedProcess(label, child);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process printed. */
  output(): string {
    return this.lines.join('\n');
  }

  /** Calls `listener` with every IPC message from now on; returns the unsubscribe function. */
  onMessage(listener: (message: ChildMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Calls `listener` with every line the process prints from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  send(message: ChildMessage): void {
    this.child.send(message);
  }

  /** Resolves with the first message (already received or to come) that matches. */
  waitForMessage<T extends ChildMessage>(match: (message: ChildMessage) => boolean, timeoutMs: number, what: string): Promise<T> {
    const seen = this.messages.find(match);
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen as T);
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.messageListeners.delete(listener);
        this.child.off('exit', onExit);
      };
      const listener = (message: ChildMessage) => {
        if (!match(message)) return;
        this.messages.splice(this.messages.indexOf(message), 1);
        done();
        resolve(message as T);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`${this.label} exited (${code}) while waiting for ${what}. Output:\n${this.output()}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms. Output:\n${this.output()}`));
      }, timeoutMs);
      this.messageListeners.add(listener);
      this.child.once('exit', onExit);
    });
  }

  /** Rejects if the process exits before `promise` settles, so a crashed child fails a phase at once. */
  guard<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([
      promise,
      this.exited.then((code) => {
        throw new Error(`${this.label} exited (${code}). Output:\n${this.output()}`);
      }),
    ]);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
