import { JobCatalogue, defineJob } from '@cask/contracts';
import type { OpenAPIObject, OperationObject, RequestBodyObject, SchemaObject } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { addJobTypes } from './job-type-schemas';

class NotePayload {
  @IsString()
  @Length(1, 80)
  text: string;
}

class PingPayload {
  @IsString()
  host: string;
}

const NoteCreate = defineJob('notes.create', { payload: NotePayload, description: 'Creates a note', example: { text: 'Buy milk' } });
const NoteArchive = defineJob('notes.archive', { payload: NotePayload, queue: 'slow', example: { text: 'Old note' } });
const Ping = defineJob('net.ping', { payload: PingPayload, example: { host: 'example.com' } });

function body(schema: string): OperationObject {
  return { requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } }, responses: {} };
}

/** A document as the explorer leaves it: a payload class used as a body is an empty object. */
function explored(): OpenAPIObject {
  return {
    openapi: '3.0.0',
    info: { title: 'Test', version: '1', description: 'Intro' },
    paths: {
      '/jobs': { post: body('CreateJobDto') },
      '/schedules': { post: body('UpsertScheduleDto') },
      '/notes': { post: body('NotePayload') },
    },
    components: { schemas: { NotePayload: { type: 'object', properties: {} } } },
  };
}

describe('addJobTypes', () => {
  const document = explored();
  addJobTypes(document, new JobCatalogue([NoteCreate, NoteArchive, Ping]));
  const schemas = document.components!.schemas as Record<string, SchemaObject>;

  it('makes POST /jobs a oneOf with one variant per job type, discriminated by type', () => {
    expect(schemas.CreateJobDto).toMatchObject({
      oneOf: [
        { $ref: '#/components/schemas/CreateJobDto.net.ping' },
        { $ref: '#/components/schemas/CreateJobDto.notes.archive' },
        { $ref: '#/components/schemas/CreateJobDto.notes.create' },
      ],
      discriminator: { propertyName: 'type', mapping: { 'notes.create': '#/components/schemas/CreateJobDto.notes.create' } },
    });
  });

  it('gives each variant its one type name, its payload schema and the job options', () => {
    const variant = schemas['CreateJobDto.notes.create'];

    expect(variant.properties).toMatchObject({
      type: { type: 'string', enum: ['notes.create'] },
      payload: { $ref: '#/components/schemas/NotePayload' },
      priority: { type: 'integer', minimum: 0, maximum: 9 },
    });
    expect(variant.required).toEqual(['type', 'payload']);
    expect(variant.example).toEqual({ type: 'notes.create', payload: { text: 'Buy milk' } });
    expect(variant.description).toBe('Creates a note. Queue `default`.');
  });

  it('does the same for schedules, whose variants keep the schedule fields', () => {
    expect(schemas['UpsertScheduleDto.net.ping'].properties).toMatchObject({ type: { enum: ['net.ping'] }, cron: { type: 'string' } });
    expect(schemas['UpsertScheduleDto.net.ping'].example).toMatchObject({
      type: 'net.ping',
      payload: { host: 'example.com' },
      cron: '0 3 * * *',
    });
  });

  it('describes each payload class once from its rules, replacing what the explorer made of it, with an example', () => {
    expect(schemas.NotePayload).toMatchObject({
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: 80 } },
      description: 'Payload of `notes.archive`, `notes.create`',
      example: { text: 'Old note' },
    });
    expect(schemas.PingPayload.properties).toEqual({ host: { type: 'string' } });
  });

  it('adds a named example per job type to the bodies that take a job type, and to no other', () => {
    const examples = (path: string) => (document.paths[path].post!.requestBody as RequestBodyObject).content['application/json'].examples;

    expect(examples('/jobs')).toEqual({
      'net.ping': { summary: 'net.ping', value: { type: 'net.ping', payload: { host: 'example.com' } } },
      'notes.archive': { summary: 'notes.archive', value: { type: 'notes.archive', payload: { text: 'Old note' } } },
      'notes.create': { summary: 'Creates a note', value: { type: 'notes.create', payload: { text: 'Buy milk' } } },
    });
    expect(Object.keys(examples('/schedules') ?? {})).toEqual(['net.ping', 'notes.archive', 'notes.create']);
    expect(examples('/notes')).toBeUndefined();
  });

  it('lists the job types in JobType and in the description', () => {
    expect(schemas.JobType).toMatchObject({ type: 'string', enum: ['net.ping', 'notes.archive', 'notes.create'] });
    expect(document.info.description).toMatch(/^Intro\n\n## Job types\n/);
    expect(document.info.description).toContain('| `notes.archive` | `slow` | `NotePayload` |');
  });
});
