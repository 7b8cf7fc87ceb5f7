import { deleteNamespace, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApiApp } from './api-app';

const ALLOWED = 'https://app.example.com';

/** Security headers on every response; CORS only for the origins configured. */
describe('HTTP hardening', () => {
  const namespace = uniqueNamespace('hardening');
  const apps: INestApplication[] = [];

  async function api(env: Record<string, string> = {}) {
    const app = await createApiApp({ CASK_NAMESPACE: namespace, ...env });
    apps.push(app);
    return request(app.getHttpServer());
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    await deleteNamespace(namespace);
  });

  it('sends security headers, and no X-Powered-By, on answers and errors alike', async () => {
    const http = await api();

    for (const response of [await http.get('/health/live'), await http.get('/jobs/not-a-uuid'), await http.post('/jobs').send({})]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('answers no browser origin without CORS_ORIGINS', async () => {
    const http = await api();

    const preflight = await http.options('/jobs').set('Origin', ALLOWED).set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the configured origins call the api, with the headers Cask uses, and no other origin', async () => {
    const http = await api({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });

    const allowed = await http
      .options('/jobs')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,idempotency-key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': ALLOWED });
    expect(allowed.headers['access-control-allow-headers']).toContain('Idempotency-Key');
    // A preflight is a request like any other: it has its id and the security headers.
    expect(allowed.headers['x-request-id']).toEqual(expect.any(String));
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    // An OPTIONS that is no preflight is answered, not refused in plain text.
    expect((await http.options('/jobs')).status).toBe(204);
    // A refused body still carries the CORS headers, so that the browser's caller can read why.
    const refused = await http.post('/jobs').set('Origin', ALLOWED).set('content-type', 'text/plain').send('hello').expect(415);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED);

    const read = await http.get('/health/live').set('Origin', ALLOWED);
    expect(read.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(read.headers['access-control-expose-headers']).toContain('Location');

    const stranger = await http.options('/jobs').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });
});
