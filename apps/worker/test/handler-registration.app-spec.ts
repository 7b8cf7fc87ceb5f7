import { JOB_DEFINITIONS, JobCatalogue, defineJob, topologyFor } from '@cask/contracts';
import { TEST_AMQP_URL, deleteNamespace, uniqueNamespace } from '@cask/testing';
import { Controller, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { WorkerConfig, loadWorkerConfig } from '../src/config/worker-config';
import { FaultHandler } from '../src/examples/fault.handler';
import { EmailHandler } from '../src/examples/email.handler';
import { FlakyHandler } from '../src/examples/flaky.handler';
import { VideoHandler } from '../src/examples/video.handler';
import { AmqpJobServer } from '../src/transport/amqp-job.server';
import { JobHandler } from '../src/transport/job-handler.decorator';

async function listenWith(controllers: Type[]): Promise<unknown> {
  const config = loadWorkerConfig({ AMQP_URL: TEST_AMQP_URL, CASK_NAMESPACE: uniqueNamespace('handlers') });
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

class StrayPayload {}
const Stray = defineJob<StrayPayload, void>('stray.job', { payload: StrayPayload });

@Controller()
class StrayHandler {
  @JobHandler(Stray)
  run(): void {}
}

describe('worker handler registration', () => {
  it('starts when every defined job has exactly one handler', async () => {
    expect(await listenWith([EmailHandler, FlakyHandler, VideoHandler, FaultHandler])).toBeUndefined();
  });

  it('refuses to start with a handler for a job no definition declares', async () => {
    const error = await listenWith([EmailHandler, FlakyHandler, VideoHandler, FaultHandler, StrayHandler]);
    expect((error as Error).message).toContain('@JobHandler for "stray.job", which no job definition declares');
  });

  it('refuses to start when a defined job has no handler, naming it', async () => {
    const error = await listenWith([EmailHandler, FlakyHandler, FaultHandler]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('job "video.process" has no @JobHandler');
  });

  it('refuses to start when a job has two handlers, naming it', async () => {
    const error = await listenWith([EmailHandler, FlakyHandler, VideoHandler, FaultHandler, class extends EmailHandler {}]);
    expect((error as Error).message).toContain('job "email.welcome" has more than one @JobHandler');
  });
});
