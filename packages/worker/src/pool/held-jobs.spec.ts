import { HeldJobs, Steerable } from './held-jobs';

function consumer(prefetch: number): Steerable & { calls: string[] } {
  const calls: string[] = [];
  const fake = {
    calls,
    currentPrefetch: prefetch,
    pause: async () => void calls.push('pause'),
    resume: async (next: number) => {
      calls.push(`resume(${next})`);
      fake.currentPrefetch = next;
    },
  };
  return fake;
}

describe('HeldJobs', () => {
  it('asks for few messages while they carry packs, pauses at twice the slots, and resumes with the room left', () => {
    const held = new HeldJobs(16);
    expect(held.prefetchFor()).toBe(16); // lone jobs assumed until packs arrive
    const steered = consumer(held.prefetchFor());
    held.steer(steered);

    held.received(20);
    expect(held.admits(20)).toBe(false); // 40 would pass the bound of 32: it goes back, and the consumer pauses
    expect(steered.calls).toEqual(['pause']);
    expect(held.admits(12)).toBe(true);
    held.received(20); // what was accepted before the pause still counts
    expect(held.count).toBe(40);
    expect(held.admits(1)).toBe(false);
    expect(steered.calls).toEqual(['pause']);
    for (let i = 0; i < 23; i += 1) held.released();
    expect(steered.calls).toEqual(['pause']);
    held.released(); // 16 left: resume, with room for 16 jobs of packs of 20
    expect(steered.calls).toEqual(['pause', 'resume(1)']);
  });

  it('brings the prefetch back to the slots when lone jobs follow', () => {
    const held = new HeldJobs(16);
    const steered = consumer(1);
    held.steer(steered);
    held.received(20);
    for (let i = 0; i < 20; i += 1) held.released();
    for (let i = 0; i < 30; i += 1) {
      held.received(1);
      held.released();
    }
    expect(steered.currentPrefetch).toBe(16);
    expect(steered.calls.every((call) => call.startsWith('resume'))).toBe(true);
    expect(steered.calls.length).toBeLessThan(6);
  });
});
