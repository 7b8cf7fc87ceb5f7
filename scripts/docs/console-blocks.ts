import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** One `$ command` of a docs page's `console` block, with the output the page shows for it. */
export interface DocCommand {
  /** The page and line, for failure messages: `docs/guides/delayed-jobs.md:12`. */
  where: string;
  /** The command as a shell runs it: continuation lines joined, the `$ ` prompt removed. */
  command: string;
  /** The output the page shows, as written. */
  expected: string;
}

/** A `console` block the docs test does not run, and why (the page says so in a comment above the block). */
const SKIP = /<!--\s*docs-test:\s*skip\b([^>]*)-->/;

/**
 * The commands of every `console` block of a Markdown page, in order. A block whose line above is a
 * `<!-- docs-test: skip (reason) -->` comment is left out: it needs more than the pair `npm start` runs.
 */
export function consoleCommands(path: string, root: string): DocCommand[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const page = relative(root, path);
  const commands: DocCommand[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i].trim() !== '```console') continue;
    const skipped = SKIP.test(lines[i - 1] ?? '') || SKIP.test(lines[i - 2] ?? '');
    let current: DocCommand | undefined;
    let continued = false;
    for (i += 1; i < lines.length && lines[i].trim() !== '```'; i += 1) {
      const line = lines[i];
      if (skipped) continue;
      if (continued && current) {
        current.command += `\n${line}`;
        continued = line.endsWith('\\') || openQuote(current.command);
      } else if (line.startsWith('$ ')) {
        current = { where: `${page}:${i + 1}`, command: line.slice(2), expected: '' };
        commands.push(current);
        continued = line.endsWith('\\') || openQuote(current.command);
      } else if (current) {
        current.expected += `${line}\n`;
      }
    }
  }
  return commands.map((command) => ({ ...command, expected: command.expected.trim() }));
}

/** True while a single-quoted argument is still open (a JSON body written over several lines). */
function openQuote(command: string): boolean {
  return (command.match(/'/g) ?? []).length % 2 === 1;
}

/** Whether a command changes something (it is run once) or only reads (it is polled until its output matches). */
export function isRead(command: string): boolean {
  return !/(-X\s*(POST|DELETE|PUT|PATCH)|\s-d\s|--data)/.test(command);
}
