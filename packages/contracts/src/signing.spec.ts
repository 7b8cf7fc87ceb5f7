import { MessageSigner, parseSigningKeys, signerFor } from './signing';

const A = { id: 'a', secret: 'secret-a-secret-a-secret-a-secret-a' };
const B = { id: 'b', secret: 'secret-b-secret-b-secret-b-secret-b' };
const body = Buffer.from('{"v":1,"id":"x"}');

describe('MessageSigner', () => {
  it('signs with the first key, as "<key id>.<mac>", and verifies its own signatures', () => {
    const signer = new MessageSigner([A, B]);
    const signature = signer.sign(body);

    expect(signature).toMatch(/^a\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(body, signature)).toBe(true);
    expect(signer.verify(body, Buffer.from(signature))).toBe(true);
  });

  it('accepts a signature by any listed key, so keys rotate: old and new are both accepted while they move', () => {
    const signedByB = new MessageSigner([B]).sign(body);

    expect(new MessageSigner([A, B]).verify(body, signedByB)).toBe(true);
    expect(new MessageSigner([A]).verify(body, signedByB)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['not a string', 42],
    ['without a key id', 'abc'],
    ['of an unknown key', `z.${new MessageSigner([A]).sign(body).slice(2)}`],
    [
      'made with another secret under a known id',
      new MessageSigner([{ id: 'a', secret: 'another-secret-another-secret-12345' }]).sign(body),
    ],
    ['truncated', new MessageSigner([A]).sign(body).slice(0, -4)],
  ])('refuses a signature that is %s', (_label, signature) => {
    expect(new MessageSigner([A]).verify(body, signature)).toBe(false);
  });

  it('refuses a body altered after signing', () => {
    const signer = new MessageSigner([A]);
    expect(signer.verify(Buffer.from('{"v":1,"id":"y"}'), signer.sign(body))).toBe(false);
  });

  it('has no signer without keys', () => {
    expect(signerFor([])).toBeUndefined();
    expect(signerFor([A])).toBeInstanceOf(MessageSigner);
  });
});

describe('parseSigningKeys', () => {
  it('reads id:secret pairs in order, trimming spaces', () => {
    expect(parseSigningKeys(` a:${A.secret} , b:${B.secret}`)).toEqual([A, B]);
  });

  it.each([
    ['no colon', 'abc', 'key 1: must be id:secret'],
    ['a bad id', `a b:${A.secret}`, 'key 1: must be id:secret'],
    ['a short secret', 'a:short', 'key "a": its secret must be at least 32 characters'],
    ['an id twice', `a:${A.secret},a:${B.secret}`, 'key "a" is given twice'],
  ])('refuses %s, naming the key and never the secret', (_label, text, message) => {
    expect(() => parseSigningKeys(text)).toThrow(message);
    try {
      parseSigningKeys(text);
    } catch (err) {
      expect((err as Error).message).not.toContain(A.secret);
      expect((err as Error).message).not.toContain('short');
    }
  });
});
