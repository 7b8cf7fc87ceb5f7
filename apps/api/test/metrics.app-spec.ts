import { deleteNamespace, hasMetric, metricValue, parseMetrics, publishRaw, rawConnection, uniqueNamespace, waitFor } from '@cask/testing';
import { topologyFor } from '@cask/contracts';
import { INestApplication } from '@nestjs/common';
import type { ChannelModel } from 'amqplib';
import request from 'supertest';
import { createApiApp } from './api-app';

const welcome = { type: 'email.welcome', payload: { email: 'ada@example.com', name: 'Ada' } };
const SIGNING_KEYS = 'k1:a-secret-of-at-least-thirty-two-characters';

describe('api GET /metrics', () => {
  const namespace = uniqueNamespace('metrics-app');
  const topology = topologyFor(namespace);
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let connection: ChannelModel;

  const scrape = async () => {
    const response = await http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return parseMetrics(response.text);
  };

  beforeAll(async () => {
    app = await createApiApp({ CASK_NAMESPACE: namespace, CASK_SIGNING_KEYS: SIGNING_KEYS });
    http = request(app.getHttpServer());
    connection = await rawConnection();
  });

  afterAll(async () => {
    await connection?.close();
    await app?.close();
    await deleteNamespace(namespace);
  });

  it('serves Prometheus text with the process metrics and the broker connection', async () => {
    const samples = await scrape();

    expect(hasMetric(samples, 'process_cpu_seconds_total')).toBe(true);
    expect(hasMetric(samples, 'nodejs_heap_size_used_bytes')).toBe(true);
    expect(metricValue(samples, 'cask_broker_connected')).toBe(1);
    expect(metricValue(samples, 'cask_broker_reconnects_total')).toBe(0);
    expect(metricValue(samples, 'cask_outbox_backlog')).toBe(0);
  });

  it('counts dispatched, cancelled and redriven jobs by type, and no label carries a job id', async () => {
    const one = (await http.post('/jobs').send(welcome).expect(202)).body.job_id as string;
    await http
      .post('/jobs/batch')
      .send({ jobs: [welcome, { type: 'video.process', payload: { url: 'https://example.com/v.mp4' } }] })
      .expect(202);
    await http.post(`/jobs/${one}/cancel`).expect(200);
    await http.post(`/jobs/${one}/retry`).expect(202);

    const samples = await scrape();
    expect(metricValue(samples, 'cask_jobs_dispatched_total', { type: 'email.welcome', queue: 'default' })).toBe(2);
    expect(metricValue(samples, 'cask_jobs_dispatched_total', { type: 'video.process', queue: 'video' })).toBe(1);
    expect(metricValue(samples, 'cask_jobs_cancelled_total', { type: 'email.welcome' })).toBe(1);
    expect(metricValue(samples, 'cask_jobs_retried_total', { type: 'email.welcome' })).toBe(1);
    expect(samples.flatMap((sample) => Object.values(sample.labels)).filter((value) => value.includes(one))).toEqual([]);
  });

  it('counts HTTP requests by route pattern, and unmatched paths under one label', async () => {
    const id = (await http.post('/jobs').send(welcome).expect(202)).body.job_id as string;
    await http.get(`/jobs/${id}`).expect(200);
    await http.get('/no/such/path').expect(404);

    const samples = await scrape();
    expect(metricValue(samples, 'cask_http_requests_total', { method: 'GET', route: '/jobs/:id', status: '200' })).toBe(1);
    expect(metricValue(samples, 'cask_http_requests_total', { method: 'POST', route: '/jobs', status: '202' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(samples, 'cask_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(metricValue(samples, 'cask_http_request_duration_seconds_count', { method: 'GET', route: '/jobs/:id' })).toBe(1);
    expect(samples.some((sample) => Object.values(sample.labels).some((value) => value.includes(id) || value.includes('/no/such')))).toBe(
      false,
    );
  });

  it('reads depth and consumers of the job queues, the dead-letter queue and the event queue from the broker', async () => {
    // No worker runs here, so the jobs dispatched above wait in their queues; the api consumes events.
    await waitFor(async () => metricValue(await scrape(), 'cask_queue_messages', { queue: topology.jobQueue('default') }) >= 2, {
      what: 'the default queue depth to show the waiting jobs',
    });
    const samples = await scrape();
    expect(metricValue(samples, 'cask_queue_messages', { queue: topology.jobQueue('video') })).toBe(1);
    expect(metricValue(samples, 'cask_queue_consumers', { queue: topology.jobQueue('default') })).toBe(0);
    expect(metricValue(samples, 'cask_queue_consumers', { queue: topology.eventsQueue })).toBe(1);
    expect(hasMetric(samples, 'cask_queue_messages', { queue: topology.deadLetterQueue })).toBe(true);
  });

  it('counts forged heartbeats, and is not hurt by them', async () => {
    await publishRaw(connection, topology.eventsExchange, topology.heartbeatRoutingKey, Buffer.from('{"worker_id":"mallory"}'));

    await waitFor(async () => metricValue(await scrape(), 'cask_forged_messages_total', { kind: 'heartbeat' }) === 1, {
      what: 'the forged heartbeat to be counted',
    });
    await http.get('/health/ready').expect(200);
  });

  it('keeps each app instance’s metrics apart', async () => {
    const other = await createApiApp({ CASK_NAMESPACE: namespace });
    try {
      const samples = parseMetrics((await request(other.getHttpServer()).get('/metrics').expect(200)).text);
      expect(metricValue(samples, 'cask_jobs_dispatched_total')).toBe(0);
      expect(metricValue(await scrape(), 'cask_jobs_dispatched_total')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});
