import { REQUEST_ID_HEADER, topologyFor } from '@cask/contracts';
import { deleteNamespace, rawConnection, takeMessages, uniqueNamespace } from '@cask/testing';
import { INestApplication } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import request from 'supertest';
import { createApiApp } from './api-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const welcome = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };

/** Every answer names its request in X-Request-Id, and a job carries the id of the request that dispatched it. */
describe('request ids', () => {
  const namespace = uniqueNamespace('request-id');
  const queue = topologyFor(namespace).jobQueue('default');
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let connection: ChannelModel;

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace });
    http = request(app.getHttpServer());
    connection = await rawConnection();
  });

  afterAll(async () => {
    await connection?.close();
    await app?.close();
    await deleteNamespace(namespace);
  });

  /** The job message of `jobId` on the default queue, with its headers. */
  async function messageOf(jobId: string): Promise<Record<string, unknown>> {
    const [message] = await takeMessages(connection, queue, 1);
    expect(message.properties.messageId).toBe(jobId);
    return message.properties.headers ?? {};
  }

  it("echoes the client's X-Request-Id and puts it on the job's message", async () => {
    const response = await http.post('/jobs').set('X-Request-Id', 'checkout-42:a.b_c').send(welcome).expect(202);

    expect(response.headers['x-request-id']).toBe('checkout-42:a.b_c');
    expect((await messageOf(response.body.job_id))[REQUEST_ID_HEADER]).toBe('checkout-42:a.b_c');
  });

  it('replaces a malformed X-Request-Id with a new UUID, which the message carries instead', async () => {
    const response = await http.post('/jobs').set('X-Request-Id', 'not ok; "quoted"').send(welcome).expect(202);

    expect(response.headers['x-request-id']).toMatch(UUID);
    expect((await messageOf(response.body.job_id))[REQUEST_ID_HEADER]).toBe(response.headers['x-request-id']);
  });

  it('keeps the id for a job that waits in the outbox and is published later by the relay', async () => {
    const response = await http
      .post('/jobs')
      .set('X-Request-Id', 'delayed-1')
      .send({ ...welcome, delay_ms: 200 })
      .expect(202);

    expect((await messageOf(response.body.job_id))[REQUEST_ID_HEADER]).toBe('delayed-1');
  });

  it('gives each request without one its own id, errors included', async () => {
    const first = await http.get('/jobs/not-a-uuid').expect(400);
    const refused = await http.post('/jobs').set('Content-Type', 'text/plain').send('hello').expect(415);

    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(refused.headers['x-request-id']).toMatch(UUID);
    expect(refused.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('puts the id on every message of a batch', async () => {
    const response = await http
      .post('/jobs/batch')
      .set('X-Request-Id', 'batch-7')
      .send({ jobs: [welcome, welcome] })
      .expect(202);

    const messages = await takeMessages(connection, queue, 2);
    expect(messages.map((m) => m.properties.messageId).sort()).toEqual([...response.body.job_ids].sort());
    expect(messages.map((m) => m.properties.headers?.[REQUEST_ID_HEADER])).toEqual(['batch-7', 'batch-7']);
  });
});
