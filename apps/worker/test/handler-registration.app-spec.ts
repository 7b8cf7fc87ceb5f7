import { defineJob } from '@cask/contracts';
import { Controller } from '@nestjs/common';
import { EmailHandler } from '../src/examples/email.handler';
import { VideoHandler } from '../src/examples/video.handler';
import { JOB_HANDLERS } from '../src/job-handlers';
import { listenWith } from './worker-app';
import { JobHandler } from '@cask/worker';

class StrayPayload {}
const Stray = defineJob<StrayPayload, void>('stray.job', { payload: StrayPayload });

@Controller()
class StrayHandler {
  @JobHandler(Stray)
  run(): void {}
}

describe('worker handler registration', () => {
  it('starts when every defined job has exactly one handler', async () => {
    expect(await listenWith([...JOB_HANDLERS])).toBeUndefined();
  });

  it('refuses to start with a handler for a job no definition declares', async () => {
    const error = await listenWith([...JOB_HANDLERS, StrayHandler]);
    expect((error as Error).message).toContain('@JobHandler for "stray.job", which no job definition declares');
  });

  it('refuses to start when a defined job has no handler, naming it', async () => {
    const error = await listenWith(JOB_HANDLERS.filter((handler) => handler !== VideoHandler));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('job "video.process" has no @JobHandler');
  });

  it('refuses to start when a job has two handlers, naming it', async () => {
    const error = await listenWith([...JOB_HANDLERS, class extends EmailHandler {}]);
    expect((error as Error).message).toContain('job "email.welcome" has more than one @JobHandler');
  });
});
