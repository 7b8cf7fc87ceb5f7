import { AppProcess, TEST_AMQP_URL, deleteNamespace, uniqueNamespace, waitFor } from '@cask/testing';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** A source both apps load (through @cask/contracts), and one of the dashboard's files. */
const PACKAGE_SOURCE = join(ROOT, 'packages', 'contracts', 'src', 'job-status.ts');
const DASHBOARD_ASSET = join(ROOT, 'packages', 'nestjs', 'src', 'dashboard', 'assets', 'app.css');

/**
 * `npm run dev` (issue 13, item 9): a change to a package's source rebuilds it and restarts both apps; a change
 * to a dashboard file is copied into the build and restarts the api, which then serves it. Runs with the
 * faults, one file at a time, because it edits sources of this checkout (and puts them back).
 */
describe('fault: npm run dev rebuilds and restarts on change', () => {
  const namespace = uniqueNamespace('npmdev');
  const originals = new Map([PACKAGE_SOURCE, DASHBOARD_ASSET].map((path) => [path, readFileSync(path, 'utf8')]));
  let dev: AppProcess;

  const count = (pattern: RegExp) => dev.output.filter((line) => pattern.test(line)).length;

  beforeAll(async () => {
    dev = AppProcess.run(
      'npm run dev',
      { node: 'npm', script: 'run', args: ['dev'], cwd: ROOT, group: true },
      {
        HOME: process.env.HOME ?? '/root',
        AMQP_URL: TEST_AMQP_URL,
        CASK_NAMESPACE: namespace,
        SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'cask-npm-dev-')), 'cask.db'),
        PORT: '0',
        WORKER_HEALTH_PORT: '0',
      },
    );
    await dev.waitForLine(/\[api\].*Ready to dispatch jobs/, 120_000);
    await dev.waitForLine(/\[worker\].*consuming/, 60_000);
  });

  afterAll(async () => {
    const builds = count(/Found 0 errors/);
    for (const [path, text] of originals) writeFileSync(path, text);
    // Let the watchers build and copy the restored sources, so dist/ matches the checkout again.
    const builtCss = join(ROOT, 'packages', 'nestjs', 'dist', 'dashboard', 'assets', 'app.css');
    await waitFor(() => count(/Found 0 errors/) > builds && readFileSync(builtCss, 'utf8') === originals.get(DASHBOARD_ASSET), {
      timeoutMs: 60_000,
      what: 'the restored sources to be built',
    });
    await dev.stop('SIGINT');
    await deleteNamespace(namespace);
  });

  it('restarts both apps after a package change, and the api after a dashboard change, serving the new file', async () => {
    const apiStarts = count(/\[api\].*Cask api listening/);
    const workerStarts = count(/\[worker\].*Cask worker/);
    writeFileSync(PACKAGE_SOURCE, `${originals.get(PACKAGE_SOURCE)}\n// npm run dev test ${Date.now()}\n`);
    await waitFor(() => count(/\[api\].*Cask api listening/) > apiStarts && count(/\[worker\].*Cask worker/) > workerStarts, {
      timeoutMs: 60_000,
      what: 'both apps to restart after a package change',
    });

    const marker = `/* npm run dev test ${Date.now()} */`;
    writeFileSync(DASHBOARD_ASSET, `${originals.get(DASHBOARD_ASSET)}\n${marker}\n`);
    await waitFor(
      async () => {
        const line = [...dev.output].reverse().find((text) => /\[api\].*listening on port \d+/.test(text)) ?? '';
        const port = /listening on port (\d+)/.exec(line)?.[1];
        const css = await fetch(`http://127.0.0.1:${port}/dashboard/app.css`).then(
          (response) => response.text(),
          () => '',
        );
        return css.includes(marker);
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the api to serve the changed dashboard file' },
    );
  });
});
