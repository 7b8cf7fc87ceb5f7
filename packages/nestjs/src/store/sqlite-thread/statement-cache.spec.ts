import BetterSqlite3 from 'better-sqlite3';
// Plain JavaScript (it runs in the SQLite thread), so loaded as such.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { statementCache } = require('./statement-cache.js') as {
  statementCache: (database: BetterSqlite3.Database) => (sql: string) => BetterSqlite3.Statement;
};

describe('statementCache', () => {
  let database: BetterSqlite3.Database;
  let prepare: (sql: string) => BetterSqlite3.Statement;

  beforeEach(() => {
    database = new BetterSqlite3(':memory:');
    database.exec('create table numbers (n integer); insert into numbers values (1), (2), (3)');
    prepare = statementCache(database);
  });

  afterEach(() => {
    if (database.open) database.close();
  });

  it('hands out one prepared statement per SQL text, and it runs', () => {
    const first = prepare('select n from numbers order by n');

    expect(prepare('select n from numbers order by n')).toBe(first);
    expect(prepare('select n from numbers order by n desc')).not.toBe(first);
    expect(first.all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(prepare('select n from numbers order by n').all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('hands out a fresh statement while the cached one is iterating, and the cached one again once it is done', () => {
    const sql = 'select n from numbers order by n';
    const streaming = prepare(sql);
    const rows = streaming.iterate();
    expect(rows.next().value).toEqual({ n: 1 });

    const meanwhile = prepare(sql);

    expect(meanwhile).not.toBe(streaming);
    expect(meanwhile.all()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
    expect(prepare(sql)).toBe(streaming);
  });

  it('keeps 200 texts and drops the least recently used one past that', () => {
    const texts = Array.from({ length: 201 }, (_, i) => `select ${i} as n`);
    const statements = texts.slice(0, 200).map((sql) => prepare(sql));
    // Every one of the 200 is still cached; using them in the same order keeps text 0 the oldest.
    expect(texts.slice(0, 200).every((sql, i) => prepare(sql) === statements[i])).toBe(true);
    prepare(texts[0]);

    prepare(texts[200]);

    expect(prepare(texts[0])).toBe(statements[0]);
    expect(prepare(texts[1])).not.toBe(statements[1]);
  });

  it('prepares a text longer than 2,000 characters afresh each time, and caches one of 2,000', () => {
    const ofLength = (length: number) => 'select 1 as n'.padEnd(length, ' ');
    const longest = prepare(ofLength(2000));
    const tooLong = prepare(ofLength(2001));

    expect(prepare(ofLength(2000))).toBe(longest);
    expect(prepare(ofLength(2001))).not.toBe(tooLong);
    expect(prepare(ofLength(2001)).get()).toEqual({ n: 1 });
  });
});
