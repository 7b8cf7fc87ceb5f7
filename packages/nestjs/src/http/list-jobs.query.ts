import { JOB_STATUSES, JobStatus } from '@cask/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** Query of `GET /jobs`. */
export class ListJobsQuery {
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @JSONSchema({ description: 'A job type' })
  @IsOptional()
  @IsString()
  type?: string;

  @JSONSchema({ description: 'A job queue: only its jobs' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  queue?: string;

  @JSONSchema({
    description: 'Only jobs whose payload, as JSON with no spaces, contains this text (any case), e.g. `ada@example.com` or `"user_id":42`',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @JSONSchema({ description: 'A group key: only that group’s jobs' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  group?: string;

  @JSONSchema({ description: 'A flow id: only that flow’s jobs' })
  @IsOptional()
  @IsUUID()
  flow_id?: string;

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
