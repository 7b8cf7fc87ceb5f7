import { StoreUnavailableError } from '@cask/contracts';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';

/** Node's socket errors that mean the server cannot be reached, not that a statement was wrong. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server going away or not taking connections: class 08 (connection exception),
 * 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now: a restart or failover), and
 * 53300 (too many connections).
 */
function isUnavailableState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** pg's own errors for a connection that ended or never came up; they carry no code. */
const CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended/i;

/** True when `err` says the PostgreSQL server could not be reached, rather than that a statement failed. */
export function isPostgresUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || isUnavailableState(code))) return true;
  if (err instanceof AggregateError) return err.errors.some(isPostgresUnavailable);
  return CONNECTION_MESSAGES.test(err.message);
}

function translate(err: unknown): never {
  if (err instanceof StoreUnavailableError || !isPostgresUnavailable(err)) throw err;
  throw new StoreUnavailableError(`The job store cannot be reached: ${(err as Error).message}`, { cause: err });
}

function guard<T>(operation: () => Promise<T>): Promise<T> {
  return operation().catch(translate);
}

/** A connection whose queries fail with {@link StoreUnavailableError} when the server went away. */
class GuardedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return guard(() => this.inner.executeQuery<R>(compiledQuery));
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

const inner = (connection: DatabaseConnection): DatabaseConnection => (connection as GuardedConnection).inner;

/** A driver that turns "the server cannot be reached" into {@link StoreUnavailableError}, whatever step it hits. */
class GuardedDriver implements Driver {
  constructor(private readonly driver: Driver) {}

  init(): Promise<void> {
    return guard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await guard(() => this.driver.acquireConnection()));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return guard(() => this.driver.beginTransaction(inner(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return guard(() => this.driver.commitTransaction(inner(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return guard(() => this.driver.rollbackTransaction(inner(connection)));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return guard(() => this.optional('savepoint')(inner(connection), name, compile));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return guard(() => this.optional('rollbackToSavepoint')(inner(connection), name, compile));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return guard(() => this.optional('releaseSavepoint')(inner(connection), name, compile));
  }

  private optional(method: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'): NonNullable<Driver[typeof method]> {
    const implementation = this.driver[method];
    if (!implementation) throw new Error(`The database driver does not support ${method}`);
    return implementation.bind(this.driver);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(inner(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/**
 * Wraps a dialect so that every failure to reach the server surfaces as {@link StoreUnavailableError}: the
 * api answers 503 for it, and the event consumer waits for the store instead of dead-lettering events.
 */
export function unavailableAsError(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new GuardedDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}
