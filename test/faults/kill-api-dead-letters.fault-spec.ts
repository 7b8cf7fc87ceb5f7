import { topologyFor } from '@cask/contracts';
import { CaskSystem, rawConnection, waitFor } from '@cask/testing';

/** The api killed while it moves dead letters from the broker into its store: each letter is stored once, none lost. */
describe('fault: api killed while storing dead letters', () => {
  const cask = new CaskSystem('kill-api-letters');
  const topology = topologyFor(cask.namespace);
  const LETTERS = 20_000;

  beforeAll(() => cask.startApi());
  afterAll(() => cask.stop());

  const stored = async (): Promise<number> => {
    const page = (await (await fetch(`${cask.baseUrl}/dead-letters?limit=1`)).json()) as { counts: Record<string, number> };
    return page.counts.malformed ?? 0;
  };

  it(`stores ${LETTERS} letters exactly once across a kill -9 of the api`, async () => {
    const connection = await rawConnection();
    const channel = await connection.createConfirmChannel();
    for (let i = 0; i < LETTERS; i++) {
      channel.publish(topology.deadLetterExchange, '', Buffer.from(`garbage ${i}`), {
        messageId: `letter-${i}`,
        persistent: true,
        headers: {
          'x-cask-reason': 'malformed',
          'x-cask-detail': 'body is not valid JSON',
          'x-cask-source-queue': topology.jobQueue('default'),
        },
      });
    }
    await channel.waitForConfirms();

    await waitFor(async () => (await stored()) >= 500, { what: 'the api to store some letters', intervalMs: 20 });
    expect(await cask.api?.stop('SIGKILL')).toBeNull();
    const { messageCount } = await channel.checkQueue(topology.deadLetterQueue);
    // The kill came mid-way: letters were left in the broker (taken and unacked ones return to it).
    expect(messageCount).toBeGreaterThan(0);

    await cask.startApi();
    await waitFor(async () => (await stored()) >= LETTERS, { timeoutMs: 60_000, what: `all ${LETTERS} letters stored` });
    await waitFor(async () => (await channel.checkQueue(topology.deadLetterQueue)).messageCount === 0, { what: 'the queue to empty' });
    // Letters read twice (taken before the kill, not yet acked) were stored once.
    expect(await stored()).toBe(LETTERS);
    await connection.close();
  });
});
