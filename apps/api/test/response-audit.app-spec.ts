import { auditSecretsOf, clearResponseLeaks, leaksIn, responseLeaks } from '@cask/testing';
import { Server, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';

/**
 * The audit every test file runs (test/support/audit-responses.ts) must see what each client reads, or the
 * suite-wide promise "no response leaks" would hold vacuously. Each test here provokes a leak, checks it
 * was caught, then forgets it so this file's own audit passes.
 */
describe('Response audit', () => {
  let server: Server;
  let base: string;
  const LEAKY = JSON.stringify({ error: 'boom', stack: 'Error: boom\n    at JobsController.get (/app/dist/jobs.controller.js:10:5)' });

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(LEAKY));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => clearResponseLeaks());
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    ['a stack trace', 'Error: x\n    at Object.<anonymous> (/work/main/apps/api/src/main.ts:12:3)'],
    ['SQL', 'insert into "jobs" ("id") values ($1)'],
    ['SQL', 'select "id" from "jobs" where "tenant" = ?'],
    ['a database error', 'SQLITE_CONSTRAINT: UNIQUE constraint failed'],
    ['a database error', 'duplicate key value violates unique constraint "jobs_pkey"'],
    ['an AMQP URL', 'cannot reach amqp://guest:guest@localhost:5672'],
    ['an API key', 'Bearer cask_test_key_acme_write_0123'],
  ])('finds %s', (what, body) => {
    expect(leaksIn(body)).toEqual([expect.stringMatching(new RegExp(`^${what}`))]);
  });

  it('finds a configured secret, and passes ordinary answers', () => {
    auditSecretsOf({ CASK_SIGNING_KEYS: 'k1:audit-secret-0123456789abcdef0123456789' });
    expect(leaksIn('{"sig":"audit-secret-0123456789abcdef0123456789"}')).toEqual(['a configured secret']);
    for (const body of ['{"error":"Job not found"}', '{"status":"queued","job_id":"0190"}', '{"error":"Select a type from the list"}']) {
      expect(leaksIn(body)).toEqual([]);
    }
  });

  it('sees responses read through supertest, node:http and fetch', async () => {
    await request(base).get('/supertest');
    expect(responseLeaks()).toEqual([expect.stringContaining('GET /supertest answered with a stack trace')]);
    clearResponseLeaks();

    await new Promise<void>((resolve) => get(`${base}/plain`, (res) => res.resume().on('end', resolve)));
    expect(responseLeaks()).toEqual([expect.stringContaining('GET /plain answered with a stack trace')]);
    clearResponseLeaks();

    await (await fetch(`${base}/fetch`)).json();
    expect(responseLeaks()).toEqual([expect.stringContaining('/fetch answered with a stack trace')]);
  });
});
