import { createHmac, timingSafeEqual } from 'node:crypto';

/** AMQP header carrying a message's signature: `<key id>.<base64url HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = 'x-cask-signature';

/** One shared secret, named so that a signature says which key made it. */
export interface SigningKey {
  id: string;
  secret: string;
}

/** Shortest secret accepted: 32 characters, so a key is at least as strong as a random 128-bit one in hex. */
export const MIN_SECRET_LENGTH = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses a signing-keys setting (the reference apps' `CASK_SIGNING_KEYS`): `id:secret` pairs separated by commas, the first the one that signs, the others
 * still accepted (rotation). Throws an Error naming what is wrong, never echoing a secret.
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const keys = text.split(',').map((pair, index) => {
    const colon = pair.indexOf(':');
    const id = pair.slice(0, colon).trim();
    const secret = pair.slice(colon + 1).trim();
    if (colon < 0 || !KEY_ID.test(id)) throw new Error(`key ${index + 1}: must be id:secret, the id 1-32 letters, digits, "_" or "-"`);
    if (secret.length < MIN_SECRET_LENGTH) throw new Error(`key "${id}": its secret must be at least ${MIN_SECRET_LENGTH} characters`);
    return { id, secret };
  });
  const ids = keys.map((key) => key.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated) throw new Error(`key "${repeated}" is given twice`);
  return keys;
}

/**
 * Signs message bodies with the first key and accepts a signature made by any of the keys: rotate by
 * adding the new key second everywhere, then moving it first, then dropping the old one.
 */
export class MessageSigner {
  private readonly byId: ReadonlyMap<string, string>;
  private readonly current: SigningKey;

  constructor(keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new Error('MessageSigner needs at least one key');
    this.current = keys[0];
    this.byId = new Map(keys.map((key) => [key.id, key.secret]));
  }

  sign(body: Buffer): string {
    return `${this.current.id}.${mac(this.current.secret, body).toString('base64url')}`;
  }

  /** Whether `signature` (a header value, possibly missing or of any type) is a valid signature of `body`. */
  verify(body: Buffer, signature: unknown): boolean {
    const text = Buffer.isBuffer(signature) ? signature.toString('utf8') : signature;
    if (typeof text !== 'string') return false;
    const dot = text.indexOf('.');
    const secret = this.byId.get(text.slice(0, dot));
    if (dot < 0 || secret === undefined) return false;
    const given = Buffer.from(text.slice(dot + 1), 'base64url');
    const expected = mac(secret, body);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function mac(secret: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** A signer for these keys, or undefined when there are none: messages then go unsigned and unchecked. */
export function signerFor(keys: readonly SigningKey[]): MessageSigner | undefined {
  return keys.length > 0 ? new MessageSigner(keys) : undefined;
}
