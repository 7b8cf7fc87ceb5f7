import type { JobStatus } from '@cask/contracts';
import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { CaskDatabase } from './cask-database';
import { DeadLetter, DeadLetterFilter, DeadLetterQuery, DeadLetterStore, NewDeadLetter } from './dead-letter-store';
import type { Database, DeadLettersTable } from './schema';

/** Rows per insert: under both databases' parameter limits (14 columns). */
const CHUNK = 50;

function toLetter(row: Selectable<DeadLettersTable> & { job_status: string | null }): DeadLetter {
  return {
    id: row.id,
    messageId: row.message_id,
    reason: row.reason,
    detail: row.detail,
    sourceQueue: row.source_queue,
    jobId: row.job_id,
    type: row.type,
    body: row.body,
    bodyEncoding: row.body_encoding === 'base64' ? 'base64' : 'utf8',
    bodyBytes: Number(row.body_bytes),
    headers: JSON.parse(row.headers) as Record<string, unknown>,
    deadLetteredAt: Number(row.dead_lettered_at),
    storedAt: Number(row.stored_at),
    jobStatus: row.job_status as JobStatus | null,
  };
}

/** A list narrowed by a filter: each given field must match. */
function narrowed<DB, TB extends keyof DB, O>(
  select: SelectQueryBuilder<DB, TB, O>,
  filter: DeadLetterFilter,
): SelectQueryBuilder<DB, TB, O> {
  const columns = { reason: filter.reason, type: filter.type, source_queue: filter.sourceQueue, job_id: filter.jobId };
  for (const [column, value] of Object.entries(columns)) {
    if (value !== undefined) select = select.where(sql.ref(`dead_letters.${column}`), '=', value);
  }
  return select;
}

/** Dead letters over Kysely. */
export class KyselyDeadLetterStore extends DeadLetterStore {
  constructor(private readonly database: CaskDatabase) {
    super();
  }

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  override async add(letters: readonly NewDeadLetter[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < letters.length; i += CHUNK) {
      const rows = letters.slice(i, i + CHUNK).map((letter) => ({
        id: letter.id,
        message_id: letter.messageId,
        reason: letter.reason,
        detail: letter.detail,
        source_queue: letter.sourceQueue,
        job_id: letter.jobId,
        type: letter.type,
        body: letter.body,
        body_encoding: letter.bodyEncoding,
        body_bytes: letter.bodyBytes,
        headers: JSON.stringify(letter.headers),
        dead_lettered_at: letter.deadLetteredAt,
        stored_at: letter.storedAt,
      }));
      const result = await this.db
        .insertInto('dead_letters')
        .values(rows)
        .onConflict((conflict) => conflict.column('message_id').doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  /** Letters with their jobs' statuses. */
  private withJobs() {
    return this.db
      .selectFrom('dead_letters')
      .leftJoin('jobs', 'jobs.id', 'dead_letters.job_id')
      .selectAll('dead_letters')
      .select('jobs.status as job_status');
  }

  override async get(id: string): Promise<DeadLetter | undefined> {
    const row = await this.withJobs().where('dead_letters.id', '=', id).executeTakeFirst();
    return row && toLetter(row);
  }

  override async list(query: DeadLetterQuery): Promise<DeadLetter[]> {
    let select = narrowed(this.withJobs(), query);
    if (query.beforeId !== undefined) select = select.where('dead_letters.id', '<', query.beforeId);
    const rows = await select.orderBy('dead_letters.id', 'desc').limit(query.limit).execute();
    return rows.map(toLetter);
  }

  override async countByReason(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('dead_letters')
      .select(['reason', (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy('reason')
      .execute();
    return new Map(rows.map((row) => [row.reason, Number(row.count)]));
  }

  override async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.db.deleteFrom('dead_letters').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  override async removeMatching(filter: DeadLetterFilter): Promise<number> {
    const matching = narrowed(this.db.selectFrom('dead_letters').select('id'), filter);
    const result = await this.db.deleteFrom('dead_letters').where('id', 'in', matching).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  override async purgeBefore(before: number, limit: number): Promise<number> {
    const ids = await this.db.selectFrom('dead_letters').select('id').where('dead_lettered_at', '<', before).limit(limit).execute();
    return this.remove(ids.map((row) => row.id));
  }
}
