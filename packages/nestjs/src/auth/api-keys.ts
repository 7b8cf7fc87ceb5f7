import { TENANT_NAME } from '@cask/contracts';
import { createHash } from 'node:crypto';

/**
 * What a key may do: `read` looks jobs up; `write` also dispatches, cancels and retries; `admin` also pauses and
 * resumes queues, which every tenant shares.
 */
export type Scope = 'read' | 'write' | 'admin';

/** Who a request acts for: the tenant its key belongs to, and what the key may do. */
export interface Principal {
  tenant: string;
  scope: Scope;
}

/** One configured key: only its SHA-256 digest is kept. */
export interface ApiKey extends Principal {
  /** Hex SHA-256 of the key. */
  sha256: string;
}

const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
/** A plain key: long enough that guessing is hopeless, in characters that survive env files and headers. */
const PLAIN_KEY = /^[A-Za-z0-9_.~+/=-]{24,200}$/;
const DIGEST = /^sha256:([0-9a-f]{64})$/i;

/** Hex SHA-256 of a key, as {@link ApiKey.sha256} holds it. */
export function digestOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Parses an API-keys setting (the reference api's `CASK_API_KEYS`): comma-separated `tenant:scope:key` entries, the key either as given to clients
 * (at least 24 characters) or as `sha256:<hex digest>` so the plain key need not be in the environment.
 * Error messages never repeat a key.
 * @throws Error naming the first bad entry by position
 */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const at = `entry ${index + 1}`;
    const first = entry.indexOf(':');
    const second = entry.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw new Error(`${at} must be tenant:scope:key`);
    const tenant = entry.slice(0, first);
    const scope = entry.slice(first + 1, second) as Scope;
    const key = entry.slice(second + 1);
    if (!TENANT_NAME.test(tenant))
      throw new Error(`${at}: tenant must be 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit`);
    if (!SCOPES.includes(scope)) throw new Error(`${at}: scope must be read, write or admin`);
    const digest = DIGEST.exec(key);
    if (!digest && !PLAIN_KEY.test(key)) {
      throw new Error(`${at}: key must be 24-200 characters (letters, digits, _ . ~ + / = -) or sha256:<64 hex digits>`);
    }
    const sha256 = digest ? digest[1].toLowerCase() : digestOf(key);
    if (keys.some((other) => other.sha256 === sha256)) throw new Error(`${at}: the same key is configured twice`);
    keys.push({ tenant, scope, sha256 });
  });
  return keys;
}

/** The configured keys, looked up by the digest of what a client sends. */
export class ApiKeyRing {
  private readonly byDigest: ReadonlyMap<string, Principal>;

  constructor(keys: readonly ApiKey[]) {
    this.byDigest = new Map(keys.map(({ sha256, tenant, scope }) => [sha256, { tenant, scope }]));
  }

  /** False when no keys are configured: the api is open. */
  get enabled(): boolean {
    return this.byDigest.size > 0;
  }

  /** The principal of a key, or undefined for a key nobody configured. */
  authenticate(key: string): Principal | undefined {
    // A lookup by digest: the time taken says nothing about how much of a key matched.
    return this.byDigest.get(digestOf(key));
  }
}
