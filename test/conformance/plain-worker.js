'use strict';
// A Cask worker written from docs/reference/wire-protocol.md alone: plain amqplib and Node's own modules, nothing
// of Cask's. It runs three of the example job types, as a worker in another language would, so that the
// conformance test can hold the api and this page to each other.
//
// Environment: AMQP_URL, CASK_NAMESPACE, WORKER_ID, CASK_SIGNING_KEYS (id:secret,... the first signs), HEARTBEAT_MS.

const amqp = require('amqplib');
const crypto = require('node:crypto');
const os = require('node:os');

const ns = process.env.CASK_NAMESPACE || 'cask';
const workerId = process.env.WORKER_ID || `plain-${process.pid}`;
const heartbeatMs = Number(process.env.HEARTBEAT_MS || 5000);
const keys = (process.env.CASK_SIGNING_KEYS || '')
  .split(',')
  .filter(Boolean)
  .map((pair) => ({ id: pair.slice(0, pair.indexOf(':')), secret: pair.slice(pair.indexOf(':') + 1) }));
const CONCURRENCY = 8;
const startedAt = Date.now();
let inFlight = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The handlers: type -> its queue and what it does. Each returns a result or throws { code, message, retryable }. */
const handlers = {
  'email.welcome': {
    queue: 'default',
    run: async (job) => ({ delivered_to: job.payload.email, by: 'plain-worker' }),
  },
  'demo.flaky': {
    queue: 'default',
    run: async (job) => {
      if (job.attempt <= job.payload.fail_times) {
        throw { code: 'flaky', message: `Simulated failure on attempt ${job.attempt} of ${job.max_attempts}`, retryable: true };
      }
      return { attempts: job.attempt };
    },
  },
  'video.process': {
    queue: 'video',
    run: async (job, progress) => {
      const ms = Math.min(job.payload.duration_ms ?? 1000, 2000);
      await sleep(ms / 2);
      await progress(50);
      await sleep(ms / 2);
      await progress(100);
      return { url: job.payload.url, frames: Math.round(ms / 40), processed_ms: ms };
    },
  },
};
const queues = [...new Set(Object.values(handlers).map((handler) => handler.queue))];

// Signing: `<key id>.<base64url HMAC-SHA256 of the body>`.
const mac = (secret, body) => crypto.createHmac('sha256', secret).update(body).digest();
const sign = (body) => (keys.length ? { 'x-cask-signature': `${keys[0].id}.${mac(keys[0].secret, body).toString('base64url')}` } : {});
function authentic(message) {
  if (keys.length === 0) return true;
  const header = message.properties.headers && message.properties.headers['x-cask-signature'];
  const text = Buffer.isBuffer(header) ? header.toString('utf8') : header;
  if (typeof text !== 'string' || !text.includes('.')) return false;
  const key = keys.find((k) => k.id === text.slice(0, text.indexOf('.')));
  if (!key) return false;
  const given = Buffer.from(text.slice(text.indexOf('.') + 1), 'base64url');
  const expected = mac(key.secret, message.content);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

let channel; // a confirm channel: every publish resolves once the broker confirmed it

function publish(exchange, routingKey, body, { headers = {}, priority, sign: signed = true } = {}) {
  const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) =>
    channel.publish(
      exchange,
      routingKey,
      content,
      {
        persistent: true,
        mandatory: true,
        contentType: 'application/json',
        messageId: crypto.randomUUID(),
        timestamp: Date.now(),
        priority,
        headers: signed ? { ...headers, ...sign(content) } : headers,
      },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
}

const event = (kind, job, fields = {}) =>
  publish(`${ns}.events`, 'event', [
    {
      kind,
      job_id: job.id,
      type: job.type,
      series: job.series,
      attempt: job.attempt,
      at: Date.now(),
      worker: workerId,
      ...(job.tenant === undefined ? {} : { tenant: job.tenant }),
      ...fields,
    },
  ]);

function deadLetter(message, sourceQueue, reason, detail) {
  return publish(`${ns}.dlx`, '', message.content, {
    sign: false,
    headers: {
      ...(message.properties.headers || {}),
      'x-cask-reason': reason,
      'x-cask-detail': detail.slice(0, 500),
      'x-cask-source-queue': sourceQueue,
      'x-cask-dead-lettered-at': Date.now(),
    },
  });
}

function backoffDelay(backoff, attempt) {
  const raw = backoff.type === 'fixed' ? backoff.base_ms : backoff.base_ms * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(raw, backoff.cap_ms);
  const jittered = capped * (1 + backoff.jitter * (2 * Math.random() - 1));
  return Math.max(0, Math.round(Math.min(jittered, backoff.cap_ms)));
}

/** Two significant figures, 0 under 10 ms. */
function bucket(ms) {
  if (ms < 10) return 0;
  const magnitude = 10 ** (Math.floor(Math.log10(ms)) - 1);
  return Math.round(ms / magnitude) * magnitude;
}

async function scheduleRetry(job, queue, priority, delayMs) {
  const next = { ...job, attempt: job.attempt + 1, ready_at: Date.now() + delayMs };
  const ms = bucket(delayMs);
  if (ms === 0) return publish(`${ns}.jobs`, queue, next, { priority });
  const name = `${ns}.delay.${queue}.${ms}`;
  await channel.assertQueue(name, {
    durable: true,
    arguments: {
      'x-queue-type': 'classic',
      'x-message-ttl': ms,
      'x-expires': ms * 2 + 60000,
      'x-dead-letter-exchange': `${ns}.jobs`,
      'x-dead-letter-routing-key': queue,
    },
  });
  return publish('', name, next, { priority });
}

const isEnvelope = (job) =>
  job &&
  job.v === 1 &&
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(job.id) &&
  typeof job.type === 'string' &&
  typeof job.payload === 'object' &&
  [job.attempt, job.series, job.max_attempts, job.timeout_ms].every((n) => Number.isInteger(n) && n > 0) &&
  typeof job.backoff === 'object';

async function handle(queue, message, suspect) {
  const source = suspect ? `${ns}.suspect.${queue}` : `${ns}.jobs.${queue}`;
  if (!authentic(message)) return deadLetter(message, source, 'unauthentic', 'missing or invalid x-cask-signature');
  let job;
  try {
    job = JSON.parse(message.content.toString('utf8'));
  } catch {
    return deadLetter(message, source, 'malformed', 'body is not valid JSON');
  }
  if (!isEnvelope(job)) return deadLetter(message, source, 'malformed', 'not a format 1 job envelope');
  const handler = handlers[job.type];
  if (!handler || handler.queue !== queue)
    return deadLetter(message, source, 'unknown_type', `no job type "${job.type}" on queue "${queue}"`);
  const priority = message.properties.priority;

  if (message.fields.redelivered) {
    // Its worker died holding it: run it again, fresh; held at a second crash, alone; poison after max_attempts alone.
    const crashes = Number((message.properties.headers || {})['x-cask-crashes'] || 0) + 1;
    const next = { ...job, attempt: job.attempt + 1 };
    const headers = { 'x-cask-crashes': crashes };
    if (suspect && crashes - 2 >= job.max_attempts) {
      const error = { code: 'poison', message: `The worker died ${crashes - 2} time(s) while running this job alone`, retryable: false };
      await deadLetter(message, source, 'poison', error.message);
      return event('failed', job, { error });
    }
    if (!suspect && crashes < 2) return publish(`${ns}.jobs`, queue, next, { priority, headers });
    return publish('', `${ns}.suspect.${queue}`, next, { priority, headers });
  }

  const started = Date.now();
  await event('started', job);
  try {
    const result = await Promise.race([
      handler.run(job, (progress) => event('progress', job, { progress })),
      sleep(job.timeout_ms).then(() => {
        throw { code: 'timeout', message: `Timed out after ${job.timeout_ms} ms`, retryable: true };
      }),
    ]);
    await event('succeeded', job, { started_at: started, result: result === undefined ? null : result });
  } catch (thrown) {
    const error = {
      code: typeof thrown.code === 'string' ? thrown.code : 'handler_error',
      message: String(thrown.message || thrown),
      retryable: thrown.retryable !== false,
    };
    if (error.retryable && job.attempt < job.max_attempts) {
      const delayMs = backoffDelay(job.backoff, job.attempt);
      await scheduleRetry(job, queue, priority, delayMs);
      await event('retrying', job, { started_at: started, error, next_attempt_at: Date.now() + delayMs });
    } else {
      if (error.retryable) {
        await deadLetter(message, source, 'exhausted', `${job.attempt} attempt(s) failed; last: ${error.code}: ${error.message}`);
      }
      await event('failed', job, { started_at: started, error });
    }
  }
}

function heartbeat(stopping = false) {
  return publish(`${ns}.events`, 'heartbeat', {
    worker_id: workerId,
    host: os.hostname(),
    pid: process.pid,
    queues,
    concurrency: CONCURRENCY,
    in_flight: inFlight,
    started_at: startedAt,
    at: Date.now(),
    formats: [1],
    ...(stopping ? { stopping: true } : {}),
  });
}

async function main() {
  const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
  channel = await connection.createConfirmChannel();
  // What this worker uses, declared with the page's arguments (the api declares the same).
  await channel.assertExchange(`${ns}.dlx`, 'fanout', { durable: true });
  await channel.assertExchange(`${ns}.jobs`, 'direct', { durable: true });
  await channel.assertExchange(`${ns}.events`, 'direct', { durable: true });
  const jobQueue = { 'x-queue-type': 'classic', 'x-max-priority': 9, 'x-dead-letter-exchange': `${ns}.dlx` };
  const consumer = await connection.createChannel();
  for (const queue of queues) {
    await channel.assertQueue(`${ns}.jobs.${queue}`, { durable: true, arguments: jobQueue });
    await channel.bindQueue(`${ns}.jobs.${queue}`, `${ns}.jobs`, queue);
    await channel.assertQueue(`${ns}.suspect.${queue}`, { durable: true, arguments: jobQueue });
  }
  await consumer.prefetch(CONCURRENCY);
  const take = (queue, suspect) => async (message) => {
    if (!message) return;
    inFlight += 1;
    try {
      await handle(queue, message, suspect);
      consumer.ack(message); // only once the outcome is confirmed
    } catch (err) {
      process.stderr.write(`job failed to settle (${err && err.message}); leaving it to the broker\n`);
      consumer.nack(message, false, true);
    } finally {
      inFlight -= 1;
    }
  };
  const suspects = await connection.createChannel();
  await suspects.prefetch(1);
  for (const queue of queues) {
    await consumer.consume(`${ns}.jobs.${queue}`, take(queue, false));
    await suspects.consume(`${ns}.suspect.${queue}`, async (message) => {
      if (!message) return;
      try {
        await handle(queue, message, true);
        suspects.ack(message);
      } catch {
        suspects.nack(message, false, true);
      }
    });
  }
  await heartbeat();
  const timer = setInterval(() => heartbeat().catch(() => undefined), heartbeatMs);
  process.stdout.write(`plain worker ${workerId} ready on ${queues.join(', ')}\n`);
  process.once('SIGTERM', async () => {
    clearInterval(timer);
    await consumer.close();
    await suspects.close();
    await heartbeat(true);
    await connection.close();
    process.exit(0);
  });
}

main().catch((err) => {
  process.stderr.write(`plain worker failed: ${err.stack || err}\n`);
  process.exit(1);
});
