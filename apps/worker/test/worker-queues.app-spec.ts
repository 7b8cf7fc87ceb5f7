import { ConfigError } from '@cask/contracts';
import { EmailHandler } from '../src/examples/email.handler';
import { VideoHandler } from '../src/examples/video.handler';
import { JOB_HANDLERS } from '../src/job-handlers';
import { loadWorkerConfig } from '../src/config/worker-config';
import { listenWith } from './worker-app';

describe('worker queues and handlers', () => {
  it('starts without handlers for jobs on queues it does not consume', async () => {
    expect(await listenWith([VideoHandler], { WORKER_QUEUES: 'video' })).toBeUndefined();
  });

  it('still refuses to start when a job on a queue it consumes has no handler', async () => {
    const error = await listenWith(
      JOB_HANDLERS.filter((handler) => handler !== EmailHandler),
      { WORKER_QUEUES: 'video,default' },
    );

    expect((error as Error).message).toContain('job "email.welcome" has no @JobHandler');
  });

  it('accepts handlers for jobs on queues it does not consume', async () => {
    expect(await listenWith([...JOB_HANDLERS], { WORKER_QUEUES: 'default' })).toBeUndefined();
  });

  it('refuses a queue or job type the catalogue does not know before connecting, naming each', () => {
    const load = () => loadWorkerConfig({ WORKER_QUEUES: 'video,gpu', WORKER_TYPE_CONCURRENCY: 'video.render=2' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/WORKER_QUEUES: no job is routed to "gpu"[\s\S]*WORKER_TYPE_CONCURRENCY: unknown job type\(s\) "video.render"/);
  });

  it('refuses options naming a queue or job type its job definitions do not know, naming each', async () => {
    const error = await listenWith([...JOB_HANDLERS], {}, 'worker-queues', {
      queues: ['video', 'gpu'],
      typeConcurrency: { 'video.render': 2 },
    });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /queues: no job is routed to "gpu"[\s\S]*typeConcurrency: unknown job type\(s\) "video.render"/,
    );
  });
});
