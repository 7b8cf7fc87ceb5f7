import { CaskSystem, DeadLetterBody, letterBytes, publishRaw, rawConnection, waitFor } from '@cask/testing';
import { topologyFor } from '@cask/contracts';
import type { ChannelModel } from 'amqplib';

/**
 * Messages no handler can take go to the dead-letter queue, which the api empties into its store: there they are
 * read (reason, body, error), redriven one by one or in bulk, and discarded.
 */
describe('dead letters', () => {
  const cask = new CaskSystem('dlq');
  const topology = topologyFor(cask.namespace);
  let connection: ChannelModel;

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
    connection = await rawConnection();
  });

  afterAll(async () => {
    await connection?.close();
    await cask.stop();
  });

  const once = { max_attempts: 1, backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 } };

  /** A page of letters, or a single letter, or an error: each test reads what it expects. */
  type Answer = { items: DeadLetterBody[]; counts: Record<string, number>; [field: string]: unknown };

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Answer; location: string | null }> {
    const response = await fetch(`${cask.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, location: response.headers.get('location') };
  }

  /** Waits for a job's letters (`count` of them) and returns them. */
  const lettersOf = (jobId: string, count = 1) => cask.deadLetters(count, `job_id=${jobId}`);

  it('dead-letters garbage, an envelope missing fields and an unknown job type, with reasons, and keeps serving', async () => {
    const unknown = {
      v: 1,
      id: '01900000-0000-7000-8000-000000000001',
      type: 'no.such.job',
      payload: {},
      attempt: 1,
      series: 1,
      max_attempts: 1,
      backoff: { type: 'fixed', base_ms: 0, cap_ms: 0, jitter: 0 },
      timeout_ms: 1000,
      created_at: Date.now(),
    };
    await publishRaw(connection, topology.jobsExchange, 'default', '\u0000 not json at all');
    await publishRaw(connection, topology.jobsExchange, 'default', JSON.stringify({ v: 1, type: 'email.welcome' }));
    await publishRaw(connection, topology.jobsExchange, 'default', JSON.stringify(unknown));

    const letters = await cask.deadLetters(3);
    const byBody = new Map(letters.map((letter) => [letterBytes(letter).toString(), letter]));
    const garbage = byBody.get('\u0000 not json at all') as DeadLetterBody;
    // Not text PostgreSQL can hold (a NUL): kept byte for byte as base64.
    expect(garbage).toMatchObject({ reason: 'malformed', body_encoding: 'base64', body_bytes: 17, job_id: null, redrivable: false });
    expect(garbage.detail).toContain('not valid JSON');
    const missing = byBody.get(JSON.stringify({ v: 1, type: 'email.welcome' })) as DeadLetterBody;
    expect(missing).toMatchObject({ reason: 'malformed', body_encoding: 'utf8' });
    expect(missing.detail).toContain('"id"');
    const unknownType = byBody.get(JSON.stringify(unknown)) as DeadLetterBody;
    // Its job id is read off the body, but no job of the store's has it: nothing to redrive.
    expect(unknownType).toMatchObject({
      reason: 'unknown_type',
      job_id: unknown.id,
      type: 'no.such.job',
      job_status: null,
      redrivable: false,
    });
    expect(unknownType.detail).toContain('no.such.job');
    expect(garbage.source_queue).toBe(topology.jobQueue('default'));
    expect(Date.parse(garbage.dead_lettered_at)).toBeGreaterThan(Date.now() - 60_000);

    const [job] = await cask.waitForTerminal([await cask.dispatch('email.welcome', { email: 'still@example.com', name: 'Still' })]);
    expect(job.status).toBe('succeeded');
    expect(cask.worker?.output.join('\n')).not.toMatch(/Unhandled|TypeError|uncaught/i);
  });

  it('leaves no dead-lettered message on the job queue (no requeue loop)', async () => {
    const channel = await connection.createChannel();
    const { messageCount, consumerCount } = await channel.checkQueue(topology.jobQueue('default'));
    await channel.close();
    expect(messageCount).toBe(0);
    expect(consumerCount).toBe(1);
  });

  it('dead-letters a malformed event message and the api keeps recording jobs', async () => {
    await publishRaw(connection, topology.eventsExchange, topology.eventsRoutingKey, '{"kind":"succeeded"}');
    const [letter] = await cask.deadLetters(1, `source_queue=${topology.eventsQueue}`);
    expect(letter).toMatchObject({ reason: 'malformed', body: '{"kind":"succeeded"}', source_queue: topology.eventsQueue });

    const [job] = await cask.waitForTerminal([await cask.dispatch('demo.flaky', { fail_times: 0 })]);
    expect(job.status).toBe('succeeded');
  });

  it('ignores a well-formed event for a job that does not exist', async () => {
    const phantom = [
      {
        kind: 'succeeded',
        job_id: '01900000-0000-7000-8000-00000000beef',
        type: 'email.welcome',
        series: 1,
        attempt: 1,
        at: Date.now(),
        started_at: Date.now(),
        worker: 'x',
        result: {},
      },
    ];
    await publishRaw(connection, topology.eventsExchange, topology.eventsRoutingKey, JSON.stringify(phantom));
    await waitFor(
      async () => {
        const channel = await connection.createChannel();
        const { messageCount } = await channel.checkQueue(topology.eventsQueue);
        await channel.close();
        return messageCount === 0;
      },
      { what: 'the event to be consumed' },
    );
    expect((await fetch(`${cask.baseUrl}/jobs/${phantom[0].job_id}`)).status).toBe(404);
  });

  it('stores a job whose attempts ran out as a letter with its error and payload, redrives it, and discards the next one', async () => {
    const id = await cask.dispatch('demo.flaky', { fail_times: 5 }, once);
    const [letter] = await lettersOf(id);
    expect(letter).toMatchObject({ reason: 'exhausted', type: 'demo.flaky', job_status: 'failed', redrivable: true });
    expect(letter.detail).toBe('1 attempt(s) failed; last: flaky: Simulated failure on attempt 1 of 1');
    expect(JSON.parse(letter.body)).toMatchObject({ id, type: 'demo.flaky', payload: { fail_times: 5 } });
    expect(letter.body_preview).toBe(letter.body.slice(0, 200));

    const redriven = await call('POST', `/dead-letters/${letter.id}/redrive`);
    expect(redriven).toEqual({ status: 202, body: { status: 'queued', job_id: id }, location: `/jobs/${id}` });
    expect((await call('GET', `/dead-letters/${letter.id}`)).status).toBe(404);
    // It ran again, as series 2, and failed again: a new letter, which is discarded.
    const [again] = await lettersOf(id);
    expect(again.id).not.toBe(letter.id);
    const job = await cask.get(id);
    expect(job.history.filter((h) => h.series === 2).map((h) => h.status)).toEqual(['queued', 'running', 'failed']);
    expect(await call('DELETE', `/dead-letters/${again.id}`)).toMatchObject({ status: 204, body: null });
    expect(await call('DELETE', `/dead-letters/${again.id}`)).toEqual({
      status: 404,
      body: { error: 'Dead letter not found' },
      location: null,
    });
    // The job itself stays as it was: failed.
    expect((await cask.get(id)).status).toBe('failed');
  });

  it('redrives every exhausted letter of a type in one call, skipping letters with no job', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => cask.dispatch('demo.flaky', { fail_times: 5 }, once)));
    for (const id of ids) await lettersOf(id);
    const before = await call('GET', '/dead-letters?type=demo.flaky');
    expect(before.body.items).toHaveLength(3);
    expect(before.body.counts.exhausted).toBe(3);

    const bulk = await call('POST', '/dead-letters/redrive', { type: 'demo.flaky' });
    expect(bulk).toMatchObject({ status: 200, body: { redriven: 3, skipped: 0, next_cursor: null } });
    const jobs = await Promise.all(
      ids.map((id) =>
        waitFor(
          async () => {
            const job = await cask.get(id);
            return job.history.some((h) => h.series === 2 && h.status === 'failed') && job;
          },
          { what: `job ${id} to fail again as series 2` },
        ),
      ),
    );
    expect(jobs.every((job) => job.history.filter((h) => h.series === 2 && h.status === 'running').length === 1)).toBe(true);

    // Letters without a job are skipped by a bulk redrive and refused one by one, with the reason.
    const malformed = await call('GET', '/dead-letters?reason=malformed');
    expect(malformed.body.items.length).toBeGreaterThanOrEqual(2);
    expect(malformed.body.items.every((letter) => letter.reason === 'malformed')).toBe(true);
    expect(await call('POST', '/dead-letters/redrive', { reason: 'malformed' })).toMatchObject({
      status: 200,
      body: { redriven: 0, skipped: malformed.body.items.length },
    });
    expect(await call('POST', `/dead-letters/${malformed.body.items[0].id}/redrive`)).toMatchObject({
      status: 409,
      body: { error: 'Dead letter cannot be redriven: it is not a job message; read it and discard it' },
    });
  });

  it('answers bad ids, unknown letters, bad filters and an unfiltered discard with 4xx, changing nothing', async () => {
    const before = (await call('GET', '/dead-letters?limit=100')).body.items.length;
    expect(await call('GET', '/dead-letters/not-a-uuid')).toMatchObject({
      status: 400,
      body: { error: 'Invalid dead letter id', details: [{ field: 'id', reason: 'must be a UUID' }] },
    });
    expect((await call('POST', '/dead-letters/01900000-0000-7000-8000-000000000000/redrive')).status).toBe(404);
    expect((await call('GET', '/dead-letters?limit=0')).status).toBe(400);
    expect((await call('GET', '/dead-letters?colour=red')).status).toBe(400);
    expect((await call('GET', '/dead-letters?cursor=bogus')).body).toMatchObject({ details: [{ field: 'cursor' }] });
    expect(await call('POST', '/dead-letters/discard', {})).toMatchObject({
      status: 400,
      body: { details: [{ field: 'all', reason: 'give reason, type, source_queue or job_id, or "all": true' }] },
    });
    expect((await call('POST', '/dead-letters/redrive', { job_id: 'nope' })).status).toBe(400);
    expect((await call('GET', '/dead-letters?limit=100')).body.items.length).toBe(before);
  });

  it('keeps a message the broker dead-lettered on its own, with the reason from x-death, and discards by reason', async () => {
    // What RabbitMQ itself sends to a queue's dead-letter exchange: no Cask headers, an x-death entry.
    const channel = await connection.createConfirmChannel();
    channel.publish(topology.deadLetterExchange, '', Buffer.from('{"hello":"world"}'), {
      messageId: 'm-expired-1',
      headers: { 'x-death': [{ reason: 'expired', queue: topology.jobQueue('default'), count: 1, exchange: '', 'routing-keys': ['x'] }] },
    });
    await channel.waitForConfirms();
    await channel.close();
    const [letter] = await cask.deadLetters(1, 'reason=expired');
    expect(letter).toMatchObject({ reason: 'expired', source_queue: topology.jobQueue('default'), body: '{"hello":"world"}' });
    expect(letter.detail).toBe('dead-lettered by the broker (expired)');
    expect(letter.headers['x-death']).toEqual([expect.objectContaining({ reason: 'expired' })]);

    const page = await call('GET', '/dead-letters?limit=100');
    const malformed = page.body.counts.malformed;
    expect(await call('POST', '/dead-letters/discard', { reason: 'malformed' })).toMatchObject({
      status: 200,
      body: { discarded: malformed },
    });
    expect((await call('GET', '/dead-letters?reason=malformed')).body.items).toEqual([]);
    expect(await call('POST', '/dead-letters/discard', { all: true })).toMatchObject({ status: 200 });
    expect((await call('GET', '/dead-letters')).body).toEqual({ items: [], next_cursor: null, counts: {} });
  });
});
