import { JobCatalogue } from '@cask/contracts';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BackoffDto, CreateJobBatchDto, RetryJobsDto } from '../http/create-job.dto';
import { API_KEY_SCHEME } from './api-key-auth.decorator';
import { addJobTypes } from './job-type-schemas';
import { validationSchemas } from './validation-schemas';

/**
 * Request bodies whose schema is their class-validator rules, the rules the ValidationPipe applies. Those that
 * name a job type (`POST /jobs`, `POST /schedules`) and the payload classes are added per job type.
 */
const REQUEST_BODIES = [CreateJobBatchDto, BackoffDto, RetryJobsDto];

const DESCRIPTION = `Durable background jobs on RabbitMQ: dispatch jobs, follow them, schedule them.

Bodies are JSON with \`snake_case\` fields; unknown fields are refused. Every error is
\`{"error": "<sentence>", "details": [{"field", "reason"}]}\` (\`details\` only for bad input), never a stack trace.

Send an API key as \`Authorization: Bearer <api key>\` to every endpoint except \`/health/*\`, \`/metrics\` and \`/docs\`.`;

/**
 * The api's OpenAPI document: routes and responses from the controllers' decorators, request bodies and query
 * parameters from the class-validator rules, and every job type of the app's catalogue with its payload schema.
 */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cask api')
    .setDescription(DESCRIPTION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key, sent as `Authorization: Bearer <api key>`' }, API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  // The explorer sees these classes as empty (they carry no @ApiProperty): their rules are the schema.
  Object.assign((document.components ??= {}).schemas ??= {}, validationSchemas(REQUEST_BODIES));
  addJobTypes(document, app.get(JobCatalogue));
  return document;
}
