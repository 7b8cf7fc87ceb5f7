import { JOB_STATUSES } from '@cask/contracts';
import { ApiProperty } from '@nestjs/swagger';

const LETTER_ID = '01936f0e-8a4b-7c3d-9e2f-5a6b7c8d9e11';
const JOB_ID = '01936f0e-8a4b-7c3d-9e2f-5a6b7c8d9e10';

/** A dead letter in a list. */
export class DeadLetterResponse {
  @ApiProperty({ format: 'uuid', example: LETTER_ID })
  id: string;

  @ApiProperty({
    example: 'exhausted',
    description:
      '`exhausted`, `poison`, `malformed`, `unknown_type`, `unauthentic`, `store_rejected`, or the broker’s own (`rejected`, `expired`, `maxlen`)',
  })
  reason: string;

  @ApiProperty({ example: '3 attempt(s) failed; last: handler_error: SMTP 451', description: 'What went wrong: for a job, its last error' })
  detail: string;

  @ApiProperty({ type: String, nullable: true, example: 'cask.jobs.default', description: 'The broker queue it was taken from' })
  source_queue: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: JOB_ID, description: 'The job it is a message of, if any' })
  job_id: string | null;

  @ApiProperty({ enum: JOB_STATUSES, nullable: true, description: 'That job’s status now; null when the store holds no such job' })
  job_status: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'email.welcome' })
  type: string | null;

  @ApiProperty({ description: 'Whether `POST /dead-letters/:id/redrive` can run its job again (a failed or cancelled job)' })
  redrivable: boolean;

  @ApiProperty({ type: 'integer', example: 312, description: 'The body’s size' })
  body_bytes: number;

  @ApiProperty({
    example: '{"v":1,"id":"01936f0e-…","type":"email.welcome","payload":{"email":"ada@example.com"}…',
    description: 'The body’s first 200 characters',
  })
  body_preview: string;

  @ApiProperty({ format: 'date-time' })
  dead_lettered_at: string;
}

/** A dead letter whole. */
export class DeadLetterDetailResponse extends DeadLetterResponse {
  @ApiProperty({ description: 'The body (its first 256 KiB), as text or base64 (`body_encoding`)' })
  body: string;

  @ApiProperty({ enum: ['utf8', 'base64'], description: '`base64` when the body is not UTF-8 text' })
  body_encoding: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Its AMQP headers but Cask’s dead-letter ones (`x-death`, request id, signature)',
  })
  headers: Record<string, unknown>;
}

/** A page of dead letters, with how many there are per reason. */
export class DeadLetterPageResponse {
  @ApiProperty({ type: [DeadLetterResponse] })
  items: DeadLetterResponse[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last one' })
  next_cursor: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { exhausted: 3, malformed: 1 },
    description: 'Every stored letter, per reason (not narrowed by the filter)',
  })
  counts: Record<string, number>;
}

/** What a bulk redrive did. */
export class RedrivenLettersResponse {
  @ApiProperty({ type: 'integer', example: 12, description: 'Jobs run again (their letters removed)' })
  redriven: number;

  @ApiProperty({ type: 'integer', example: 2, description: 'Letters left: no job in the store, or a job that is not failed or cancelled' })
  skipped: number;

  @ApiProperty({ type: 'string', nullable: true, description: 'More letters may match: call again with this as `cursor`; null when done' })
  next_cursor: string | null;
}

/** What a bulk discard did. */
export class DiscardedLettersResponse {
  @ApiProperty({ type: 'integer', example: 40 })
  discarded: number;
}
