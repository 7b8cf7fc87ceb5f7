import { JobCatalogue } from '@cask/contracts';
import { INestApplicationContext } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CreateFlowDto, FlowNodeDto } from '../http/create-flow.dto';
import { BackoffDto, BatchCallbackDto, CreateJobBatchDto, RetryJobsDto, UniqueDto } from '../http/create-job.dto';
import { DiscardDeadLettersDto, RedriveDeadLettersDto } from '../http/dead-letters.query';
import { JOB_TYPES } from './api-errors.decorator';
import { API_KEY_SCHEME } from './api-key-auth.decorator';
import { addJobTypes } from './job-type-schemas';
import { validationSchemas } from './validation-schemas';

/**
 * Request bodies whose schema is their class-validator rules, the rules Cask's validation applies. Those that
 * name a job type (`POST /jobs`, `POST /schedules`) and the payload classes are added per job type.
 */
const REQUEST_BODIES = [
  CreateJobBatchDto,
  BatchCallbackDto,
  BackoffDto,
  UniqueDto,
  RetryJobsDto,
  CreateFlowDto,
  FlowNodeDto,
  RedriveDeadLettersDto,
  DiscardDeadLettersDto,
];

/**
 * Completes a document that `SwaggerModule.createDocument` made of an app with `CaskHttpModule`: request
 * bodies and query parameters from their class-validator rules, every job type of the app's catalogue with
 * its payload schema and example, and the bearer scheme of Cask's API keys.
 *
 * ```ts
 * const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My app').build());
 * SwaggerModule.setup('docs', app, addCaskToDocument(document, app));
 * ```
 */
export function addCaskToDocument(document: OpenAPIObject, app: INestApplicationContext): OpenAPIObject {
  const components = (document.components ??= {});
  components.securitySchemes ??= {};
  components.securitySchemes[API_KEY_SCHEME] ??= {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, sent as `Authorization: Bearer <api key>`',
  };
  // The explorer sees these classes as empty (they carry no @ApiProperty): their rules are the schema.
  Object.assign((components.schemas ??= {}), validationSchemas(REQUEST_BODIES));
  const catalogue = app.get(JobCatalogue, { strict: false });
  addJobTypes(document, catalogue);
  return fillJobTypes(document, catalogue.names().join(', '));
}

/** The document with {@link JOB_TYPES} in its error examples replaced by the app's own job types. */
function fillJobTypes(document: OpenAPIObject, names: string): OpenAPIObject {
  return JSON.parse(JSON.stringify(document).replaceAll(JOB_TYPES, names)) as OpenAPIObject;
}
