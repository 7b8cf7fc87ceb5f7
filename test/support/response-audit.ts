import { IncomingMessage } from 'node:http';

/**
 * What no HTTP response of Cask may contain, whatever went wrong: a stack trace, SQL or a database's error
 * text, an AMQP URL (it holds the broker's credentials), or a configured secret.
 */
const LEAKS: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  {
    what: 'a stack trace',
    pattern: /\bat (?:async )?[\w$.<>[\] ]+ \((?:\/|node:|file:)[^)\s]+:\d+:\d+\)|\n\s+at (?:\/|node:)[^\s]+:\d+:\d+/,
  },
  {
    what: 'SQL',
    pattern:
      /\b(?:select\s[^\n]{0,200}?\sfrom\s+"?(?:jobs|outbox|job_transitions|job_tombstones|schedules|idempotency_keys|workers|leases|cask_migrations)\b|insert\s+into\s|delete\s+from\s|update\s+"?\w+"?\s+set\s)/i,
  },
  {
    what: 'a database error',
    pattern: /SQLITE_[A-Z]+|syntax error at or near|violates [a-z -]*constraint|duplicate key value|relation "[^"]+" does not exist/,
  },
  { what: 'an AMQP URL', pattern: /amqps?:\/\//i },
  { what: 'an API key', pattern: /cask_test_key_\w+/ },
];

/** Bodies of these types are audited; scripts and stylesheets (the docs UI's) are not Cask's words. */
const AUDITED_TYPES = /^(?:application\/(?:[\w.+-]*\+)?json|text\/(?:plain|html|event-stream))/i;
/** Enough of any body to find a leak; a longer one is audited up to here. */
const MAX_AUDITED_CHARS = 2_000_000;

const secrets = new Set<string>();
const found: string[] = [];
/** Named by the setup file before each test; a body read after its test ended is blamed on that test. */
let currentTest = '(outside a test)';

/** The test now running, for the reports of leaks. */
export function auditingTest(name: string | undefined): void {
  currentTest = name ?? '(outside a test)';
}

/** Registers the secrets in an app's environment (API keys, signing secrets, passwords in URLs), so no response may contain them. */
export function auditSecretsOf(env: Record<string, string | undefined>): void {
  for (const entry of (env.CASK_API_KEYS ?? '').split(',')) {
    const key = entry.split(':').slice(2).join(':').trim();
    if (key.length >= 16 && !key.startsWith('sha256:')) secrets.add(key);
  }
  for (const entry of (env.CASK_SIGNING_KEYS ?? '').split(',')) {
    const secret = entry.slice(entry.indexOf(':') + 1).trim();
    if (secret.length >= 16) secrets.add(secret);
  }
}

/** What in `body` no response may contain, as sentences; empty when nothing. */
export function leaksIn(body: string): string[] {
  const leaks = LEAKS.filter(({ pattern }) => pattern.test(body)).map(
    ({ what, pattern }) => `${what}: "${pattern.exec(body)?.[0].slice(0, 120)}"`,
  );
  for (const secret of secrets) if (body.includes(secret)) leaks.push('a configured secret');
  return leaks;
}

/** Leaks found so far in this test file, each with the request that got it. */
export function responseLeaks(): readonly string[] {
  return found;
}

/** Forgets what was found (for the audit's own tests). */
export function clearResponseLeaks(): void {
  found.length = 0;
}

/**
 * Audits one response body read by other means than the clients {@link installResponseAudit} hooks (e.g. a
 * browser's); a leak fails the test file like any other.
 */
export function audit(where: string, contentType: string | null | undefined, body: string): void {
  if (!contentType || !AUDITED_TYPES.test(contentType)) return;
  for (const leak of leaksIn(body.slice(0, MAX_AUDITED_CHARS))) {
    found.push(`${currentTest}: ${where} answered with ${leak}`);
  }
}

/**
 * Audits every HTTP response a test reads, whichever client got it: supertest and `node:http` (through the
 * response messages they parse), and `fetch` (through the body readers tests call). Installed once per
 * test file by the setup file.
 */
export function installResponseAudit(): void {
  const proto = IncomingMessage.prototype as IncomingMessage & {
    push(chunk: unknown, encoding?: BufferEncoding): boolean;
    caskAudit?: string[];
  };
  const push = proto.push;
  proto.push = function (
    this: IncomingMessage & { caskAudit?: string[]; req?: { method?: string; path?: string } },
    chunk: unknown,
    encoding?: BufferEncoding,
  ) {
    // A response on the client side has a status; a request on the server side does not.
    if (this.statusCode !== null && this.statusCode !== undefined) {
      if (chunk === null) {
        if (this.caskAudit)
          audit(`${this.req?.method ?? ''} ${this.req?.path ?? ''}`, this.headers['content-type'], this.caskAudit.join(''));
        this.caskAudit = undefined;
      } else {
        this.caskAudit ??= [];
        if (this.caskAudit.length < 10_000) this.caskAudit.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      }
    }
    return push.call(this, chunk, encoding);
  } as typeof proto.push;

  // Writable in Node; the DOM typings call these read-only.
  const responseProto = Response.prototype as { -readonly [K in keyof Response]: Response[K] };
  const text = responseProto.text;
  responseProto.text = async function (this: Response) {
    const body = await text.call(this);
    audit(`${this.url}`, this.headers.get('content-type'), body);
    return body;
  };
  responseProto.json = async function (this: Response) {
    return JSON.parse(await this.text());
  };
  const arrayBuffer = responseProto.arrayBuffer;
  responseProto.arrayBuffer = async function (this: Response) {
    const body = await arrayBuffer.call(this);
    audit(`${this.url}`, this.headers.get('content-type'), Buffer.from(body).toString('utf8'));
    return body;
  };
}
