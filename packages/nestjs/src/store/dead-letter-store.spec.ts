import { migratedStores, storeBackends } from '@cask/testing';
import { v7 as uuidv7 } from 'uuid';
import type { NewDeadLetter } from './dead-letter-store';
import { KyselyDeadLetterStore } from './kysely-dead-letter-store';

const T0 = 1_700_000_000_000;

function letter(overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    id: uuidv7(),
    messageId: uuidv7(),
    reason: 'exhausted',
    detail: '3 attempt(s) failed; last: flaky: boom',
    sourceQueue: 'ns.jobs.default',
    jobId: uuidv7(),
    type: 'email.welcome',
    body: '{"id":"x"}',
    bodyEncoding: 'utf8',
    bodyBytes: 10,
    headers: { 'x-cask-request-id': 'req-1', count: 2 },
    deadLetteredAt: T0,
    storedAt: T0 + 5,
    ...overrides,
  };
}

describe.each(storeBackends())('dead letters on $name', (backend) => {
  const stores = migratedStores(backend);
  let store: KyselyDeadLetterStore;

  beforeEach(() => {
    store = new KyselyDeadLetterStore(stores().cask);
  });

  it('stores a letter whole and reads it back', async () => {
    const one = letter({ body: 'é'.repeat(3), bodyBytes: 6, jobId: null, type: null, sourceQueue: null, messageId: null });
    expect(await store.add([one])).toBe(1);
    expect(await store.get(one.id)).toEqual({ ...one, jobStatus: null });
    expect(await store.get(uuidv7())).toBeUndefined();
  });

  it('stores a letter read twice (same message id) once, and letters without a message id each time', async () => {
    const first = letter();
    expect(await store.add([first, letter({ messageId: first.messageId })])).toBe(1);
    expect(await store.add([letter({ messageId: first.messageId })])).toBe(0);
    expect(await store.add([letter({ messageId: null }), letter({ messageId: null })])).toBe(2);
    expect((await store.list({ limit: 10 })).length).toBe(3);
  });

  it('lists newest first, a page at a time, narrowed by reason, type, queue and job', async () => {
    const letters = Array.from({ length: 120 }, (_, i) =>
      letter({ reason: i % 3 === 0 ? 'malformed' : 'exhausted', type: i % 2 === 0 ? 'a' : 'b', sourceQueue: i < 60 ? 'q1' : 'q2' }),
    );
    expect(await store.add(letters)).toBe(120);
    const newestFirst = [...letters].reverse().map((l) => l.id);
    const first = await store.list({ limit: 50 });
    const second = await store.list({ limit: 50, beforeId: first.at(-1)!.id });
    const third = await store.list({ limit: 50, beforeId: second.at(-1)!.id });
    expect([...first, ...second, ...third].map((l) => l.id)).toEqual(newestFirst);

    const malformedA = await store.list({ limit: 200, reason: 'malformed', type: 'a' });
    expect(malformedA.map((l) => l.id)).toEqual(
      newestFirst.filter((id) => {
        const l = letters.find((x) => x.id === id)!;
        return l.reason === 'malformed' && l.type === 'a';
      }),
    );
    expect((await store.list({ limit: 200, sourceQueue: 'q2' })).length).toBe(60);
    expect((await store.list({ limit: 200, jobId: letters[7].jobId! })).map((l) => l.id)).toEqual([letters[7].id]);
    expect(await store.countByReason()).toEqual(
      new Map([
        ['malformed', 40],
        ['exhausted', 80],
      ]),
    );
  });

  it('removes letters by id and by filter, and purges those past retention', async () => {
    const old = letter({ deadLetteredAt: T0 - 10_000, reason: 'poison' });
    const kept = [letter({ type: 'a' }), letter({ type: 'a' }), letter({ type: 'b' })];
    await store.add([old, ...kept]);
    expect(await store.remove([kept[2].id, uuidv7()])).toBe(1);
    expect(await store.purgeBefore(T0 - 1, 100)).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.removeMatching({ type: 'b' })).toBe(0);
    expect(await store.removeMatching({ type: 'a', reason: 'exhausted' })).toBe(2);
    expect(await store.list({ limit: 10 })).toEqual([]);
  });
});
