import { CaskSystem } from '@cask/testing';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DocCommand, consoleCommands, isRead } from '../scripts/docs/console-blocks';
import { docPages } from '../scripts/docs/links';
import { Bindings, Mismatch, matchOutput, substitute } from '../scripts/docs/output-match';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
/** How long a read may take to show what the page shows (a retry waits up to 2 s, a video job 3 s). */
const SETTLE_MS = 20_000;

/** Every page with `console` blocks the test runs, and their commands. */
const pages = docPages(ROOT)
  .map((path) => ({ path, commands: consoleCommands(path, ROOT) }))
  .filter((page) => page.commands.length > 0);

async function shell(command: string): Promise<string> {
  try {
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', command], { cwd: ROOT, timeout: 10_000 });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`;
  }
}

function explain(command: DocCommand, mismatch: Mismatch, output: string): string {
  return [
    `${command.where}: the output differs from the page at ${mismatch.path}`,
    `  expected: ${JSON.stringify(mismatch.expected)}`,
    `  actual:   ${JSON.stringify(mismatch.actual)}`,
    `  command:  ${command.command}`,
    `  output:   ${output.trim()}`,
  ].join('\n');
}

describe('the commands the docs show', () => {
  const cask = new CaskSystem('docs');
  let host = '';

  beforeAll(async () => {
    await cask.startWorker();
    await cask.startApi();
    host = cask.baseUrl.replace('http://', '');
  });

  afterAll(() => cask.stop());

  it('cover the tour and the guides', () => {
    const names = pages.map((page) => page.path.slice(ROOT.length + 1));
    expect(names).toEqual(expect.arrayContaining(['README.md', 'docs/guides/delayed-jobs.md', 'docs/guides/batches.md']));
    // The tour's commands are all there, in order: one POST then its reads, for each of its five jobs.
    const tour = pages.find((page) => page.path.endsWith('README.md'))?.commands ?? [];
    expect(tour.filter((command) => !isRead(command.command)).length).toBe(5);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('## A one-minute tour');
  });

  describe.each(pages.map((page) => [page.path.slice(ROOT.length + 1), page.commands] as const))('%s', (_page, commands) => {
    // Ids a page shows stand for the ids this run gets; each page binds its own.
    const bindings: Bindings = new Map();

    it.each(commands.map((command) => [command.where, command] as const))('%s answers as shown', async (_where, command) => {
      const line = substitute(command.command, bindings).replaceAll('localhost:3000', host);
      let output = await shell(line);
      let mismatch = matchOutput(command.expected, output, bindings);
      // A read is polled until it shows what the page shows (the page says "three seconds later"); a write runs once.
      const deadline = Date.now() + SETTLE_MS;
      while (mismatch && isRead(command.command) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        output = await shell(line);
        mismatch = matchOutput(command.expected, output, bindings);
      }
      if (mismatch) throw new Error(explain(command, mismatch, output));
    });
  });
});
