import { ConfigError } from '@cask/config';
import { JOB_DEFINITIONS, JobCatalogue, topologyFor } from '@cask/contracts';
import { TEST_AMQP_URL, deleteNamespace, uniqueNamespace } from '@cask/testing';
import { Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { WorkerConfig, loadWorkerConfig } from '../src/config/worker-config';
import { EmailHandler } from '../src/examples/email.handler';
import { FaultHandler } from '../src/examples/fault.handler';
import { FlakyHandler } from '../src/examples/flaky.handler';
import { VideoHandler } from '../src/examples/video.handler';
import { AmqpJobServer } from '../src/transport/amqp-job.server';

/** Starts a worker with these handlers and environment; resolves the error it refused with, if any. */
async function listenWith(controllers: Type[], env: Record<string, string>): Promise<unknown> {
  const config = loadWorkerConfig({ AMQP_URL: TEST_AMQP_URL, CASK_NAMESPACE: uniqueNamespace('worker-queues'), ...env });
  @Module({ controllers, providers: [{ provide: WorkerConfig, useValue: config }] })
  class HandlersModule {}
  const strategy = new AmqpJobServer(config, topologyFor(config.namespace), new JobCatalogue(JOB_DEFINITIONS));
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(HandlersModule, { strategy, logger: false });
  try {
    await app.listen();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await app.close();
    await deleteNamespace(config.namespace);
  }
}

describe('worker queues and handlers', () => {
  it('starts without handlers for jobs on queues it does not consume', async () => {
    expect(await listenWith([VideoHandler], { WORKER_QUEUES: 'video' })).toBeUndefined();
  });

  it('still refuses to start when a job on a queue it consumes has no handler', async () => {
    const error = await listenWith([VideoHandler, FlakyHandler, FaultHandler], { WORKER_QUEUES: 'video,default' });

    expect((error as Error).message).toContain('job "email.welcome" has no @JobHandler');
  });

  it('accepts handlers for jobs on queues it does not consume', async () => {
    expect(await listenWith([EmailHandler, FlakyHandler, FaultHandler, VideoHandler], { WORKER_QUEUES: 'default' })).toBeUndefined();
  });

  it('refuses a queue or job type the catalogue does not know before connecting, naming each', () => {
    const config = loadWorkerConfig({ WORKER_QUEUES: 'video,gpu', WORKER_TYPE_CONCURRENCY: 'video.render=2' });

    expect(() => new AmqpJobServer(config, topologyFor('unused'), new JobCatalogue(JOB_DEFINITIONS))).toThrow(ConfigError);
    expect(() => new AmqpJobServer(config, topologyFor('unused'), new JobCatalogue(JOB_DEFINITIONS))).toThrow(
      /WORKER_QUEUES: no job is routed to "gpu"[\s\S]*WORKER_TYPE_CONCURRENCY: unknown job type\(s\) "video.render"/,
    );
  });
});
