import { topologyFor } from '@cask/contracts';
import { CaskSystem, expectConsumers, rawConnection, workerHealthUrl } from '@cask/testing';

/** A queue deleted under a running worker cancels its consumer; the worker re-declares it and consumes again. */
describe('consumer cancelled by the broker', () => {
  const cask = new CaskSystem('cancel');
  const topology = topologyFor(cask.namespace);

  beforeAll(async () => {
    await cask.startApi();
    await cask.startWorker();
  });

  afterAll(() => cask.stop());

  it('re-attaches after its queue is deleted, without a restart, and keeps running jobs', async () => {
    const pid = cask.worker?.pid;
    const connection = await rawConnection();
    const channel = await connection.createChannel();
    await channel.deleteQueue(topology.jobQueue('default'));
    await connection.close();

    await cask.worker?.waitForLine(/cancelled the consumer of .*jobs\.default; re-attaching/);
    await expectConsumers([topology.jobQueue('default')]);
    const [job] = await cask.waitForTerminal([await cask.dispatch('email.welcome', { email: 'back@example.com', name: 'Back' })]);
    expect(job.status).toBe('succeeded');
    expect(cask.worker?.pid).toBe(pid);
    expect((await fetch(`${await workerHealthUrl(cask.worker as NonNullable<typeof cask.worker>)}/ready`)).status).toBe(200);
  });
});
