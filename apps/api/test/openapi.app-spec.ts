import SwaggerParser from '@apidevtools/swagger-parser';
import { JobCatalogue } from '@cask/contracts';
import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import request from 'supertest';
import { createApiApp, routesOf } from './api-app';

const SCHEMAS = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Routes anyone may call: orchestrators' probes, Prometheus and the docs. */
const OPEN = /^\/(health\/|metrics$)/;

/**
 * The routes Fastify answers, as OpenAPI spells them (`/jobs/{id}`), leaving out the pages (the docs' own
 * and the dashboard's, which are not the api), the HEAD routes Fastify adds to every GET and catch-alls.
 */
function registeredRoutes(app: INestApplication): string[] {
  return routesOf(app)
    .filter(({ method }) => method !== 'HEAD' && method !== 'OPTIONS')
    .map(({ method, url }) => `${method.toLowerCase()} ${url.replace(/:(\w+)/g, '{$1}')}`)
    .filter((route) => !/ \/(docs(-json|\/|$)|dashboard(\/|$))/.test(route) && !route.includes('*'));
}

function operations(document: OpenAPIObject): Array<[string, OperationObject]> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method): [string, OperationObject] => [`${method} ${path}`, item[method]!]),
  );
}

/** Scripts and stylesheets a page loads. */
function assetUrls(html: string): { scripts: string[]; styles: string[]; inlineScripts: number } {
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  return {
    scripts: scripts
      .map(([, attributes]) => /src=["']([^"']+)["']/.exec(attributes)?.[1])
      .filter((src): src is string => src !== undefined),
    inlineScripts: scripts.filter(([, attributes, body]) => !/src=/.test(attributes) && body.trim() !== '').length,
    styles: [...html.matchAll(/<link\b[^>]*rel=["']stylesheet["'][^>]*>/g)].map(([tag]) => /href=["']([^"']+)["']/.exec(tag)![1]),
  };
}

describe('OpenAPI document and Swagger UI', () => {
  const namespace = uniqueNamespace('openapi');
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let document: OpenAPIObject;
  let schemas: Record<string, SchemaObject>;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace });
    http = request(app.getHttpServer());
    const response = await http
      .get('/docs-json')
      .expect(200)
      .expect('content-type', /application\/json/);
    document = response.body;
    schemas = document.components!.schemas as Record<string, SchemaObject>;
  });

  afterAll(async () => {
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('/docs-json is a valid OpenAPI document that lists every job type', async () => {
    // The validator resolves $refs in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();

    const jobs = app.get(JobCatalogue).all();
    expect(jobs.length).toBeGreaterThan(0);
    expect(schemas.JobType.enum).toEqual(jobs.map((job) => job.name).sort());
    const body = schemas.CreateJobDto;
    expect(body.discriminator?.propertyName).toBe('type');
    expect(body.oneOf).toHaveLength(jobs.length);
    const examples = (
      document.paths['/jobs'].post!.requestBody as { content: Record<string, { examples: Record<string, { value: unknown }> }> }
    ).content['application/json'].examples;
    for (const job of jobs) {
      const variant = schemas[body.discriminator!.mapping![job.name].slice(SCHEMAS.length)];
      expect(body.oneOf).toContainEqual({ $ref: body.discriminator!.mapping![job.name] });
      expect(variant.properties!.type).toEqual({ type: 'string', enum: [job.name] });
      const payload = schemas[(variant.properties!.payload as { $ref: string }).$ref.slice(SCHEMAS.length)];
      expect(Object.keys(payload.properties ?? {}).length).toBeGreaterThan(0);
      // A job type without an example (it is optional) is still listed and described, with no example.
      expect(payload.example).toEqual(job.example);
      expect(examples[job.name].value).toEqual({ type: job.name, payload: job.example });
      expect(document.info.description).toContain(`\`${job.name}\``);
    }
  });

  it('describes each payload with the rules its class-validator decorators set, defaults filled in', () => {
    expect(schemas.WelcomeEmailPayload).toMatchObject({
      type: 'object',
      required: ['email', 'name'],
      additionalProperties: false,
      properties: { email: { type: 'string', format: 'email' }, name: { type: 'string', minLength: 1, maxLength: 200 } },
    });
    expect(schemas.VideoProcessPayload).toMatchObject({
      required: ['url'],
      properties: { duration_ms: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 } },
    });
  });

  it('describes every request body and response with its fields: no schema is an empty object', () => {
    const empty = Object.entries(schemas).filter(
      ([, schema]) => schema.type === 'object' && Object.keys(schema.properties ?? {}).length === 0 && !schema.additionalProperties,
    );

    expect(empty.map(([name]) => name)).toEqual([]);
  });

  it('documents every route the app answers, each with a summary and a success answer', () => {
    const documented = operations(document);
    const routes = registeredRoutes(app);
    expect(routes).toEqual(
      expect.arrayContaining(['post /jobs', 'get /jobs/{id}', 'get /events', 'post /schedules', 'get /workers', 'get /health/ready']),
    );

    expect(routes.filter((route) => !documented.some(([key]) => key === route))).toEqual([]);
    for (const [key, operation] of documented) {
      expect([key, operation.summary]).toEqual([key, expect.any(String)]);
      expect([key, Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status))]).toEqual([key, true]);
    }
  });

  it('declares the API key as an HTTP bearer scheme, required everywhere but health, metrics and docs', () => {
    expect(document.components!.securitySchemes!['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });

    for (const [key, operation] of operations(document)) {
      const open = OPEN.test(key.split(' ')[1]);
      expect([key, operation.security]).toEqual([key, open ? undefined : [{ 'api-key': [] }]]);
      if (!open) {
        expect([key, Object.keys(operation.responses)]).toEqual([key, expect.arrayContaining(['401', '403', '429'])]);
        expect((operation.responses['429'] as ResponseObject).headers).toHaveProperty('Retry-After');
      }
    }
  });

  it('gives every error answer the error body, with examples the api really sends', async () => {
    for (const [key, operation] of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as Record<string, ResponseObject>)) {
        if (Number(status) < 400 || key === 'get /health/ready') continue;
        expect([key, status, response.content?.['application/json']?.schema]).toEqual([key, status, { $ref: `${SCHEMAS}ErrorResponse` }]);
      }
    }
    const example = (path: string, method: (typeof METHODS)[number], status: number) =>
      (document.paths[path][method]!.responses[status] as ResponseObject).content!['application/json'].example;

    expect((await http.get('/jobs/not-a-uuid').expect(400)).body).toEqual(example('/jobs/{id}', 'get', 400));
    expect((await http.get('/jobs/01a223e7-f080-7632-ae4c-120a9e7f7f02').expect(404)).body).toEqual(example('/jobs/{id}', 'get', 404));
    expect((await http.get('/schedules/Not_A_Name').expect(400)).body).toEqual(example('/schedules/{name}', 'get', 400));
    expect((await http.get('/schedules/no.such.schedule').expect(404)).body).toEqual(example('/schedules/{name}', 'get', 404));
    expect((await http.post('/jobs').set('content-type', 'text/plain').send('hello').expect(415)).body).toEqual(
      example('/jobs', 'post', 415),
    );
    expect(
      (
        await http
          .post('/jobs')
          .send({ type: 'email.welcome', payload: { email: 'x'.repeat(1_100_000) } })
          .expect(413)
      ).body,
    ).toEqual(example('/jobs', 'post', 413));
    expect(
      (
        await http
          .post('/jobs')
          .send({ type: 'email.welcome', payload: { email: 'not an email', name: 'Ada' } })
          .expect(400)
      ).body,
    ).toEqual(example('/jobs', 'post', 400));
    // The list of job types in this example is the app's own, whatever its job definitions are.
    expect((await http.get('/events?type=email.wellcome').expect(400)).body).toEqual(example('/events', 'get', 400));
  });

  it('serves Swagger UI and its assets from the api itself, under the helmet headers', async () => {
    const page = await http
      .get('/docs')
      .expect(200)
      .expect('content-type', /text\/html/);
    expect(page.text).toContain('swagger-ui');
    const { scripts, styles, inlineScripts } = assetUrls(page.text);
    expect(scripts.length).toBeGreaterThan(0);
    expect(styles.length).toBeGreaterThan(0);
    // Inline scripts would be blocked by script-src 'self'.
    expect(inlineScripts).toBe(0);

    for (const [urls, type] of [
      [scripts, /javascript/],
      [styles, /text\/css/],
    ] as const) {
      for (const url of urls) {
        expect(url).not.toMatch(/^(https?:)?\/\//);
        const asset = await http.get(new URL(url, 'http://api.test/docs').pathname).expect(200);
        expect([url, asset.headers['content-type']]).toEqual([url, expect.stringMatching(type)]);
      }
    }
    const init = await http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('email.welcome');
  });

  it('keeps the default CSP on the docs page, only without upgrade-insecure-requests, and the api keeps it whole', async () => {
    const docs = (await http.get('/docs')).headers['content-security-policy'];
    const asset = (await http.get('/docs/swagger-ui.css')).headers['content-security-policy'];
    const api = (await http.get('/health/live')).headers['content-security-policy'];
    const json = (await http.get('/docs-json')).headers['content-security-policy'];

    expect(docs).toContain("script-src 'self'");
    expect(docs).not.toContain('unsafe-eval');
    expect(docs).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(docs).not.toContain('upgrade-insecure-requests');
    expect(asset).toBe(docs);
    expect(api).toContain('upgrade-insecure-requests');
    expect(json).toBe(api);
    expect(docs).toBe(api.replace(/;?upgrade-insecure-requests/, ''));
  });
});
