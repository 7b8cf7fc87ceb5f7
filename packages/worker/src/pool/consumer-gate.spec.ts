import { ConsumerGate, GatedConsumer } from './consumer-gate';

/** A consumer that records what it was told, and whether it consumes now. */
function recordingConsumer(prefetch = 8): GatedConsumer & { calls: string[]; consuming: boolean } {
  const consumer = {
    calls: [] as string[],
    consuming: true,
    currentPrefetch: prefetch,
    async pause() {
      consumer.calls.push('pause');
      consumer.consuming = false;
    },
    async resume(next: number) {
      consumer.calls.push(`resume ${next}`);
      consumer.consuming = true;
      consumer.currentPrefetch = next;
    },
  };
  return consumer;
}

describe('ConsumerGate', () => {
  it('stays paused while its queue is paused, whatever the bound on held jobs asks', async () => {
    const consumer = recordingConsumer();
    const gate = new ConsumerGate(consumer);

    await gate.setQueuePaused(true);
    await gate.pause();
    await gate.resume(4);

    expect(consumer.consuming).toBe(false);
    await gate.setQueuePaused(false);
    expect(consumer.consuming).toBe(true);
    expect(consumer.calls).toEqual(['pause', 'pause', 'resume 4']);
  });

  it('stays paused after its queue is resumed while the bound still holds it, then resumes with the latest prefetch', async () => {
    const consumer = recordingConsumer();
    const gate = new ConsumerGate(consumer);

    await gate.pause();
    await gate.setQueuePaused(true);
    await gate.setQueuePaused(false);
    expect(consumer.consuming).toBe(false);
    await gate.resume(3);

    expect(consumer.consuming).toBe(true);
    expect(gate.currentPrefetch).toBe(3);
  });

  it('passes the bound’s pauses and resumes through while its queue runs', async () => {
    const consumer = recordingConsumer();
    const gate = new ConsumerGate(consumer);

    await gate.pause();
    await gate.resume(6);

    expect(consumer.calls).toEqual(['pause', 'resume 6']);
    expect(gate.currentPrefetch).toBe(6);
  });
});
