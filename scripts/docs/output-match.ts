/**
 * Compares what a docs page shows for a command with what the command printed, on what matters: status
 * codes, headers shown, every field (no more, no fewer) and its value, except values that differ on every
 * run (ids, times, worker names), which only have to be of the same kind. A job id the page shows is bound to
 * the id the run got the first time it appears, so a later command naming it names the run's job.
 */

/** The page's ids, each bound to the id the run got in its place. */
export type Bindings = Map<string, string>;

/** Where the output differs from the page, and how. */
export interface Mismatch {
  path: string;
  expected: unknown;
  actual: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/** Fields whose value changes from run to run: only their kind (string, number) is compared. */
const VOLATILE = new Set(['worker', 'message_id', 'processed_ms', 'progress', 'host', 'pid', 'request_id']);

/** The command with every bound page id replaced by the run's. */
export function substitute(command: string, bindings: Bindings): string {
  return command.replace(UUID, (id) => bindings.get(id) ?? id);
}

/** Undefined when `actual` shows what `expected` shows; the first difference otherwise. Binds ids only on a match. */
export function matchOutput(expected: string, actual: string, bindings: Bindings): Mismatch | undefined {
  const trial = new Map(bindings);
  const mismatch = expected.startsWith('HTTP/') ? matchHttp(expected, actual, trial) : matchBody('', expected, actual, trial);
  if (!mismatch) for (const [page, run] of trial) bindings.set(page, run);
  return mismatch;
}

interface HttpOutput {
  status: number;
  headers: Map<string, string>;
  body: string;
}

function parseHttp(text: string): HttpOutput | undefined {
  const normalised = text.replace(/\r\n/g, '\n');
  const [head, ...rest] = normalised.split('\n\n');
  const [statusLine, ...headerLines] = head.split('\n');
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1];
  if (!status) return undefined;
  const headers = new Map(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
    }),
  );
  return { status: Number(status), headers, body: rest.join('\n\n').trim() };
}

function matchHttp(expectedText: string, actualText: string, bindings: Bindings): Mismatch | undefined {
  const expected = parseHttp(expectedText) as HttpOutput;
  const actual = parseHttp(actualText);
  if (!actual) return { path: 'status line', expected: expectedText.split('\n')[0], actual: actualText.split('\n')[0] };
  if (actual.status !== expected.status) return { path: 'status', expected: expected.status, actual: actual.status };
  for (const [name, value] of expected.headers) {
    const got = actual.headers.get(name);
    const same =
      name === 'content-type' ? got?.split(';')[0] === value.split(';')[0] : got !== undefined && matchText(value, got, bindings);
    if (!same) return { path: `header ${name}`, expected: value, actual: got };
  }
  return expected.body ? matchBody('body', expected.body, actual.body, bindings) : undefined;
}

/** The JSON values of an output: one document (perhaps formatted over several lines), or one per line. */
function jsonValues(text: string): unknown[] | undefined {
  try {
    return [JSON.parse(text)];
  } catch {
    try {
      return text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as unknown);
    } catch {
      return undefined;
    }
  }
}

function matchBody(path: string, expectedText: string, actualText: string, bindings: Bindings): Mismatch | undefined {
  const expected = jsonValues(expectedText.trim());
  if (!expected)
    return matchText(expectedText.trim(), actualText.trim(), bindings) ? undefined : { path, expected: expectedText, actual: actualText };
  const actual = jsonValues(actualText.trim());
  if (!actual) return { path: path || 'output', expected: 'JSON', actual: actualText };
  return matchValue(path, '', expected.length === 1 ? expected[0] : expected, actual.length === 1 ? actual[0] : actual, bindings);
}

/** A string of the page against the run's: equal once each page id is taken as "an id, bound to this one". */
function matchText(expected: string, actual: string, bindings: Bindings): boolean {
  const ids = expected.match(UUID) ?? [];
  const pattern = new RegExp(`^${expected.split(UUID).map(escape).join('([0-9a-f-]{36})')}$`);
  const found = pattern.exec(actual);
  if (!found) return false;
  return ids.every((id, index) => {
    const got = found[index + 1];
    const bound = bindings.get(id);
    if (bound !== undefined) return bound === got;
    bindings.set(id, got);
    return true;
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matchValue(path: string, key: string, expected: unknown, actual: unknown, bindings: Bindings): Mismatch | undefined {
  const differs = { path: path || '(value)', expected, actual };
  if (expected === null || actual === null) return expected === actual ? undefined : differs;
  if (VOLATILE.has(key)) return typeof expected === typeof actual ? undefined : differs;
  if (typeof expected === 'string') {
    if (typeof actual !== 'string') return differs;
    if (ISO_TIME.test(expected)) return ISO_TIME.test(actual) ? undefined : differs;
    return matchText(expected, actual, bindings) ? undefined : differs;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return differs;
    for (let i = 0; i < expected.length; i += 1) {
      const mismatch = matchValue(`${path}[${i}]`, key, expected[i], actual[i], bindings);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || Array.isArray(actual)) return differs;
    const want = Object.keys(expected as object).sort();
    const got = Object.keys(actual as object).sort();
    if (want.join() !== got.join()) return { path: `${path || '(object)'} fields`, expected: want, actual: got };
    for (const field of want) {
      const mismatch = matchValue(
        path ? `${path}.${field}` : field,
        field,
        (expected as Record<string, unknown>)[field],
        (actual as Record<string, unknown>)[field],
        bindings,
      );
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  return expected === actual ? undefined : differs;
}
