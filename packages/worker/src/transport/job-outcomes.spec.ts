import type { ConfirmPublisher } from '@cask/core';
import { JobEnvelope, JobMessage, decodeJobMessage, topologyFor } from '@cask/contracts';
import { fakeConfirmPublisher } from '@cask/testing';
import type { WorkerMetrics } from '../metrics/worker-metrics';
import { JobOutcomes, RETRY_PACK_MAX_JOBS } from './job-outcomes';

const topology = topologyFor('acme');

function makeOutcomes() {
  const { publisher, sent } = fakeConfirmPublisher<JobMessage>(decodeJobMessage);
  // Delay queues are declared on the publisher's channel before each publish.
  (publisher as unknown as { declare: ConfirmPublisher['declare'] }).declare = async (action) =>
    action({ assertQueue: async () => ({}) } as never);
  return { outcomes: new JobOutcomes(publisher, topology, {} as WorkerMetrics), sent };
}

const envelope = (n: number): JobEnvelope =>
  ({
    v: 1,
    id: `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'demo.flaky',
    payload: {},
    attempt: 2,
  }) as unknown as JobEnvelope;

const ids = (message: { body: JobMessage }) =>
  message.body.entries.map((entry) => (JSON.parse(entry.body.toString()) as { id: string }).id.slice(-2));
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('JobOutcomes.scheduleRetry', () => {
  it('packs the retries of jobs that came in packs, bound for one delay queue at once, into one message', async () => {
    const { outcomes, sent } = makeOutcomes();

    const done = [1, 2, 3].map((n) => outcomes.scheduleRetry(envelope(n), 'video', 4, 1234, { requestId: `req-${n}` }, true));
    await flush();

    expect(sent.map((message) => [message.routingKey, message.body.packed, ids(message)])).toEqual([
      ['acme.delay.video.1200', true, ['01', '02', '03']],
    ]);
    expect(sent[0].options).toMatchObject({ priority: 4, headers: { 'x-cask-request-ids': ['req-1', 'req-2', 'req-3'] } });
    sent[0].confirm.resolve();
    await Promise.all(done);
  });

  it('sends a lone retry at once, alone, and packs those that come while it is under way', async () => {
    const { outcomes, sent } = makeOutcomes();

    const first = outcomes.scheduleRetry(envelope(1), 'video', 4, 1000, undefined, true);
    await flush();
    const later = [2, 3].map((n) => outcomes.scheduleRetry(envelope(n), 'video', 4, 1000, undefined, true));
    await flush();
    expect(sent.map((message) => [message.body.packed, ids(message)])).toEqual([[false, ['01']]]);
    expect(sent[0].options).toMatchObject({ messageId: envelope(1).id, type: 'demo.flaky' });

    sent[0].confirm.resolve();
    await first;
    await flush();
    expect(sent.map((message) => [message.body.packed, ids(message)])).toEqual([
      [false, ['01']],
      [true, ['02', '03']],
    ]);
    sent[1].confirm.resolve();
    await Promise.all(later);
  });

  it('keeps retries of other delays, priorities or queues, and of jobs that came alone, in messages of their own', async () => {
    const { outcomes, sent } = makeOutcomes();

    void outcomes.scheduleRetry(envelope(1), 'video', 4, 1000, undefined, true);
    void outcomes.scheduleRetry(envelope(2), 'video', 4, 2000, undefined, true);
    void outcomes.scheduleRetry(envelope(3), 'video', 5, 1000, undefined, true);
    void outcomes.scheduleRetry(envelope(4), 'default', 4, 1000, undefined, true);
    void outcomes.scheduleRetry(envelope(5), 'video', 4, 1000);
    void outcomes.scheduleRetry(envelope(6), 'video', 4, 1000);
    await flush();

    expect(sent.map((message) => ids(message).join())).toEqual(['05', '06', '01', '02', '03', '04']);
  });

  it(`puts at most ${RETRY_PACK_MAX_JOBS} retries in one message, and publishes a retry due now to its job queue`, async () => {
    const { outcomes, sent } = makeOutcomes();

    for (let n = 1; n <= RETRY_PACK_MAX_JOBS + 1; n += 1) void outcomes.scheduleRetry(envelope(n), 'video', 0, 5, undefined, true);
    await flush();

    expect(sent.map((message) => [message.exchange, message.routingKey, message.body.entries.length])).toEqual([
      ['acme.jobs', 'video', RETRY_PACK_MAX_JOBS],
    ]);
    sent[0].confirm.resolve();
    await flush();
    await flush();
    expect(sent.map((message) => message.body.entries.length)).toEqual([RETRY_PACK_MAX_JOBS, 1]);
  });

  it('fails each retry of a message the broker refused', async () => {
    const { outcomes, sent } = makeOutcomes();

    const retries = [1, 2].map((n) => outcomes.scheduleRetry(envelope(n), 'video', 4, 1000, undefined, true));
    await flush();
    sent[0].confirm.reject(new Error('nacked'));

    await expect(Promise.all(retries.map((retry) => retry.catch((err: Error) => err.message)))).resolves.toEqual(['nacked', 'nacked']);
  });
});
