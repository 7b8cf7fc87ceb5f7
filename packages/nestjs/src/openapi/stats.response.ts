import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

const count = (example: number) => ({ type: 'integer' as const, minimum: 0, example });

/** How many jobs are in each status; every status is present. */
export class StatusCountsResponse {
  @ApiProperty(count(0))
  waiting: number;

  @ApiProperty(count(12))
  queued: number;

  @ApiProperty(count(0))
  scheduled: number;

  @ApiProperty(count(3))
  running: number;

  @ApiProperty(count(1))
  retrying: number;

  @ApiProperty(count(940))
  succeeded: number;

  @ApiProperty(count(4))
  failed: number;

  @ApiProperty(count(2))
  cancelled: number;
}

/** `GET /stats`: the caller's jobs counted by status, in all and per type. */
export class JobStatsResponse {
  @ApiProperty({ type: 'integer', example: 962 })
  total: number;

  @ApiProperty({ type: () => StatusCountsResponse })
  by_status: StatusCountsResponse;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(StatusCountsResponse) },
    description: 'Only types the tenant has jobs of',
  })
  by_type: Record<string, StatusCountsResponse>;
}
