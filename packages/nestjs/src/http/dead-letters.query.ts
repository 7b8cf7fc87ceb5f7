import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** Which dead letters a list or a bulk action takes: every field given must match. */
export class DeadLetterFilterDto {
  @JSONSchema({ description: 'Why they were dead-lettered, e.g. `exhausted`, `poison`, `malformed`, `unknown_type`' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  reason?: string;

  @JSONSchema({ description: 'A job type' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  type?: string;

  @JSONSchema({ description: 'The broker queue they were taken from, e.g. `cask.jobs.default`' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  source_queue?: string;

  @JSONSchema({ description: 'A job id: only that job’s letters' })
  @IsOptional()
  @IsUUID()
  job_id?: string;
}

/** Query of `GET /dead-letters`. */
export class ListDeadLettersQuery extends DeadLetterFilterDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @JSONSchema({ description: '`next_cursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/** Body of `POST /dead-letters/redrive`. */
export class RedriveDeadLettersDto extends DeadLetterFilterDto {
  @JSONSchema({ description: '`next_cursor` of the previous call: go on after the letters it looked at' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/** Body of `POST /dead-letters/discard`: at least one field, or `all: true`. */
export class DiscardDeadLettersDto extends DeadLetterFilterDto {
  @JSONSchema({ description: 'Discard every letter (no other field needed)' })
  @IsOptional()
  @IsBoolean()
  all?: boolean;
}
