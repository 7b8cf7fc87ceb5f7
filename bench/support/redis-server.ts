import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../contender';
import { SETUP_TIMEOUT_MS } from './deadlines';
import { ManagedProcess } from './managed-process';
import { freePort } from './ports';

/** A redis-server the bench started for one run, in a data folder of its own. */
export interface OwnRedis {
  server: ManagedProcess;
  host: string;
  port: number;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 with a fresh data folder and `config` (flags such as
 * `--appendonly yes`); resolves once it says it accepts connections. The folder and the process are declared to the
 * orchestrator before they exist, so both go away after the run whatever happens to it.
 */
export async function startRedisServer(ctx: RunContext, config: string[]): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cask-bench-redis-'));
  ctx.track({ kind: 'directory', path: dir });
  const port = await freePort();
  const server = ManagedProcess.spawn('redis-server', process.env.BENCH_REDIS_SERVER ?? 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    // Notice level, for the line that says it is ready.
    '--loglevel',
    'notice',
    ...config,
  ]);
  if (server.pid === undefined)
    throw new Error(`redis-server did not start (is it installed? BENCH_REDIS_SERVER names another binary). Output:\n${server.output()}`);
  ctx.trackPid(server.pid);
  await server.guard(readyLine(server));
  return { server, host: '127.0.0.1', port };
}

/** Resolves when the server logs that it accepts connections (after loading its data, if any). */
function readyLine(server: ManagedProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`redis-server not ready within ${SETUP_TIMEOUT_MS} ms. Output:\n${server.output()}`));
    }, SETUP_TIMEOUT_MS);
    const stop = server.onLine((line) => {
      if (!/Ready to accept connections/.test(line)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}
