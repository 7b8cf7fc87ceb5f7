import type { JobCatalogue, JobDefinition } from '@cask/contracts';
import type { ExampleObject, OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { CreateJobDto } from '../http/create-job.dto';
import { UpsertScheduleDto } from '../schedules/upsert-schedule.dto';
import { SCHEMAS, ValidatedClass, validationSchema } from './validation-schemas';

/** Name of the schema listing every job type the api accepts. */
const JOB_TYPE_SCHEMA = 'JobType';

/** A `POST /jobs` body for one job type: its example payload. */
const jobBody = (job: JobDefinition) => ({ type: job.name, payload: job.example });

/**
 * Request bodies that name a job type in `type` and carry its payload in `payload`, and the example body of
 * each for one job type. Each becomes a `oneOf` with one variant per job type, discriminated by `type`.
 */
const JOB_BODIES = new Map<ValidatedClass, (job: JobDefinition) => object>([
  [CreateJobDto, jobBody],
  [UpsertScheduleDto, (job) => ({ name: `${job.name}.nightly`, cron: '0 3 * * *', timezone: 'UTC', type: job.name, payload: job.example })],
]);
const EXAMPLES = new Map([...JOB_BODIES].map(([body, example]) => [body.name, example]));

/** The batch body, whose items are `CreateJobDto`s. */
const BATCH_BODY = 'CreateJobBatchDto';

/** The component name of one job type's variant of a body, e.g. `CreateJobDto.email.welcome`. */
function variantName(body: string, jobType: string): string {
  return `${body}.${jobType}`;
}

/**
 * Adds every job type of the catalogue to a document: each payload class's schema (from its class-validator
 * rules) with the job's example, a per-type variant of each of {@link JOB_BODIES}, named examples on the
 * operations that take those bodies, and the list of job types in `JobType` and in the document's description.
 */
export function addJobTypes(document: OpenAPIObject, catalogue: JobCatalogue): void {
  const jobs = [...catalogue.all()].sort((a, b) => a.name.localeCompare(b.name));
  const schemas: Record<string, SchemaObject | ReferenceObject> = (document.components ??= {}).schemas ?? {};
  document.components.schemas = schemas;
  // Replaces what the explorer made of a payload class used as a body (it sees no @ApiProperty there).
  for (const payload of new Set(jobs.map((job) => job.payload))) {
    const users = jobs.filter((job) => job.payload === payload);
    schemas[payload.name] = {
      ...validationSchema(payload),
      description: `Payload of ${users.map((job) => `\`${job.name}\``).join(', ')}`,
      example: users[0].example,
    };
  }
  schemas[JOB_TYPE_SCHEMA] = { type: 'string', enum: jobs.map((job) => job.name), description: 'A job type this api accepts' };
  for (const [target, example] of JOB_BODIES) {
    const body = target.name;
    const base = validationSchema(target);
    for (const job of jobs) schemas[variantName(body, job.name)] = variant(base, job, example(job));
    schemas[body] = {
      description: 'One variant per job type, chosen by `type`; `payload` follows that job type’s payload schema',
      oneOf: jobs.map((job) => ({ $ref: SCHEMAS + variantName(body, job.name) })),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(jobs.map((job) => [job.name, SCHEMAS + variantName(body, job.name)])),
      },
    };
  }
  if (schemas[BATCH_BODY]) schemas[BATCH_BODY] = { ...schemas[BATCH_BODY], example: { jobs: jobs.map(jobBody) } };
  addBodyExamples(document, jobs);
  document.info.description = [document.info.description, jobTypeTable(jobs)].filter(Boolean).join('\n\n');
}

function variant(base: SchemaObject, job: JobDefinition, example: object): SchemaObject {
  return {
    ...base,
    title: job.name,
    description: [job.description, `Queue \`${job.queue}\`.`].filter(Boolean).join('. '),
    properties: {
      type: { type: 'string', enum: [job.name] },
      payload: { $ref: SCHEMAS + job.payload.name },
      ...Object.fromEntries(Object.entries(base.properties ?? {}).filter(([name]) => name !== 'type' && name !== 'payload')),
    },
    example,
  };
}

/** Named examples, one per job type, on every JSON request body that is one of {@link JOB_BODIES}. */
function addBodyExamples(document: OpenAPIObject, jobs: JobDefinition[]): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      const content =
        operation?.requestBody && 'content' in operation.requestBody ? operation.requestBody.content['application/json'] : undefined;
      const ref = content?.schema && '$ref' in content.schema ? content.schema.$ref : '';
      const example = ref.startsWith(SCHEMAS) ? EXAMPLES.get(ref.slice(SCHEMAS.length)) : undefined;
      if (!content || !example) continue;
      content.examples = Object.fromEntries(
        jobs.map((job): [string, ExampleObject] => [job.name, { summary: job.description || job.name, value: example(job) }]),
      );
    }
  }
}

function jobTypeTable(jobs: JobDefinition[]): string {
  const rows = jobs.map((job) => `| \`${job.name}\` | \`${job.queue}\` | \`${job.payload.name}\` | ${job.description} |`);
  return ['## Job types', '', '| Type | Queue | Payload | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
