import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { CurrentPrincipal } from '../auth/principal.decorator';
import type { Principal } from '../auth/api-keys';
import { ApiQueryFrom } from '../openapi/api-query.decorator';
import { GroupPageResponse } from '../openapi/group.response';
import { GroupInfo, GroupStore } from '../store/group-store';
import { CaskController } from './cask-controller.decorator';
import { ValidationFailedException } from './validation-failed.exception';

/** Query of `GET /groups`. */
export class ListGroupsQuery {
  @JSONSchema({ description: 'A job queue: only its groups' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  queue?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 100;

  @JSONSchema({ description: '`next_cursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/** `GET /groups` item. */
export interface GroupItem {
  queue: string;
  key: string;
  waiting: number;
  active: number;
  recent: number;
  concurrency: number | null;
  rate: { limit: number; per_ms: number } | null;
  fifo: boolean;
  last_released_at: string | null;
}

function toItem(group: GroupInfo): GroupItem {
  return {
    queue: group.queue,
    key: group.key,
    waiting: group.waiting,
    active: group.active,
    recent: group.recent,
    concurrency: group.concurrency,
    rate: group.rate && { limit: group.rate.limit, per_ms: group.rate.perMs },
    fifo: group.fifo,
    last_released_at: group.lastReleasedAt === null ? null : new Date(group.lastReleasedAt).toISOString(),
  };
}

function encode(group: GroupInfo): string {
  return Buffer.from(JSON.stringify([group.queue, group.key])).toString('base64url');
}

function decode(cursor: string): { queue: string; key: string } {
  try {
    const [queue, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof queue === 'string' && typeof key === 'string') return { queue, key };
  } catch {
    // Not ours: said below.
  }
  throw new ValidationFailedException([{ field: 'cursor', reason: 'is not a cursor this api returned' }]);
}

/** The groups of the caller's tenant (see `GroupPolicy`): each one's limits, and what waits and runs in it. */
@ApiTags('groups')
@CaskController('groups')
export class GroupsController {
  constructor(private readonly store: GroupStore) {}

  @Get()
  @ApiOperation({
    summary: 'Groups of jobs, by queue and key: limits, waiting, active',
    description:
      'A grouped job waits in its group until the group lets it go: within its `concurrency` (active jobs) and `rate`, ' +
      'one at a time for `fifo`, the queue’s groups taking turns. Groups unused for a day are forgotten.',
  })
  @ApiQueryFrom(ListGroupsQuery)
  @ApiOkResponse({ type: GroupPageResponse })
  async list(
    @Query() query: ListGroupsQuery,
    @CurrentPrincipal() { tenant }: Principal,
  ): Promise<{ items: GroupItem[]; next_cursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decode(query.cursor);
    const groups = await this.store.groups({ tenant, queue: query.queue, after, limit: query.limit + 1 });
    const page = groups.slice(0, query.limit);
    return { items: page.map(toItem), next_cursor: groups.length > query.limit ? encode(page[page.length - 1]) : null };
  }
}
