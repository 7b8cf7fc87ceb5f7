import { MAX_FLOW_NODES, MAX_FLOW_PARENTS, PARENT_FAILURE_POLICIES } from '@cask/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, ValidateBy, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { JobRequestDto } from './create-job.dto';

/** A parent as `POST /flows` takes it: its key, or the key with the edge's policy. */
export type FlowParentBody = string | { key: string; on_failure?: (typeof PARENT_FAILURE_POLICIES)[number] };

function isParent(value: unknown): value is FlowParentBody {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { key, on_failure, ...rest } = value as Record<string, unknown>;
  return (
    typeof key === 'string' &&
    Object.keys(rest).length === 0 &&
    (on_failure === undefined || (PARENT_FAILURE_POLICIES as readonly unknown[]).includes(on_failure))
  );
}

/** Each parent a key, or `{ "key", "on_failure" }` with nothing else. */
function IsFlowParents(): PropertyDecorator {
  return ValidateBy({
    name: 'isFlowParents',
    validator: {
      validate: (value: unknown) => Array.isArray(value) && value.every(isParent),
      defaultMessage: () =>
        `each parent must be a job's key, or {"key", "on_failure"} with on_failure one of: ${PARENT_FAILURE_POLICIES.join(', ')}`,
    },
  });
}

/** One job of `POST /flows`: a job request with its key in the flow and its parents. */
export class FlowNodeDto extends JobRequestDto {
  @JSONSchema({ description: 'The job’s name in the flow: its children list it, and read its outcome under it', example: 'fetch' })
  @IsString()
  @Length(1, 64)
  key: string;

  // A function: the whole schema, not merged with what the custom rule would make of it.
  @JSONSchema(() => ({
    description:
      'Jobs of the flow it runs after: their keys, or `{"key", "on_failure"}` where `on_failure` is `fail` (the default: this job fails unrun if that parent does not succeed), `continue` (it runs, reading the failure) or `ignore` (it runs without that parent)',
    type: 'array',
    maxItems: MAX_FLOW_PARENTS,
    items: {
      oneOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: { key: { type: 'string' }, on_failure: { type: 'string', enum: [...PARENT_FAILURE_POLICIES] } },
          required: ['key'],
          additionalProperties: false,
        },
      ],
    },
    example: ['fetch'],
  }))
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FLOW_PARENTS)
  @IsFlowParents()
  parents?: FlowParentBody[];

  @JSONSchema({ description: 'The group it shares its queue with, as on `POST /jobs`' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  group?: string;
}

/** Body of `POST /flows`: the flow's jobs, each after its parents; checked whole (shape and every job) before any is stored. */
@JSONSchema({
  example: {
    nodes: [
      { key: 'fetch', type: 'demo.step', payload: { name: 'fetch' } },
      { key: 'left', type: 'demo.step', payload: { name: 'left' }, parents: ['fetch'] },
      { key: 'right', type: 'demo.step', payload: { name: 'right' }, parents: [{ key: 'fetch', on_failure: 'continue' }] },
      { key: 'merge', type: 'demo.step', payload: { name: 'merge' }, parents: ['left', 'right'] },
    ],
  },
})
export class CreateFlowDto {
  @IsArray()
  @ArrayMinSize(1, { message: 'must hold at least one job' })
  @ArrayMaxSize(MAX_FLOW_NODES, { message: `must hold at most ${MAX_FLOW_NODES} jobs` })
  @ValidateNested({ each: true })
  @Type(() => FlowNodeDto)
  nodes: FlowNodeDto[];
}
