import { StoreUnavailableError } from '@cask/contracts';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type DatabaseConnection } from 'kysely';
import { isPostgresUnavailable, unavailableAsError } from './unavailable-as-error';

function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('isPostgresUnavailable', () => {
  it.each([
    ['a refused connection', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset socket', pgError('read ECONNRESET', 'ECONNRESET')],
    ['an admin shutdown (restart)', pgError('terminating connection due to administrator command', '57P01')],
    ['a server starting up', pgError('the database system is starting up', '57P03')],
    ['a connection exception', pgError('connection failure', '08006')],
    ['a connection that ended', pgError('Connection terminated unexpectedly')],
    ['a broken client', pgError('Client has encountered a connection error and is not queryable')],
    ['every address refused', new AggregateError([pgError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
  ])('is true for %s', (_, err) => {
    expect(isPostgresUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', pgError('duplicate key value violates unique constraint', '23505')],
    ['a syntax error', pgError('syntax error at or near "selec"', '42601')],
    ['a serialization failure', pgError('could not serialize access', '40001')],
    ['a string', 'ECONNREFUSED'],
  ])('is false for %s', (_, err) => {
    expect(isPostgresUnavailable(err)).toBe(false);
  });
});

describe('unavailableAsError', () => {
  /** A dialect whose every query fails with `err`. */
  function failingWith(err: Error): Kysely<Record<string, never>> {
    const connection: DatabaseConnection = {
      executeQuery: () => Promise.reject(err),
      streamQuery: () => {
        throw err;
      },
    };
    const driver = Object.assign(new DummyDriver(), { acquireConnection: () => Promise.resolve(connection) });
    return new Kysely({
      dialect: unavailableAsError({
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => driver,
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      }),
    });
  }

  it('turns a lost server into StoreUnavailableError, keeping the cause', async () => {
    const lost = pgError('terminating connection due to administrator command', '57P01');
    const failure = await sql`select 1`.execute(failingWith(lost)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).code).toBe('store_unavailable');
    expect((failure as StoreUnavailableError).cause).toBe(lost);
  });

  it('leaves a statement error as it is', async () => {
    const violation = pgError('duplicate key value violates unique constraint', '23505');
    await expect(sql`select 1`.execute(failingWith(violation))).rejects.toBe(violation);
  });
});
