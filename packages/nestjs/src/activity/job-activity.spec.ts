import type { MinuteCounts } from '../store/job-record';
import type { StatsStore } from '../store/stats-store';
import { ACTIVITY_MINUTES, DURATION_SAMPLE, JobActivity, nearestRank } from './job-activity';

const MINUTE = 60_000;
/** 12:00:30 on some day: the middle of a minute. */
const NOW = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE) + 30_000;
const CURRENT = NOW - 30_000;
const SINCE = CURRENT - 59 * MINUTE;

/** A store whose finishes are a list the test edits; it records the `since` of every per-minute query. */
function fakeStore(finishes: MinuteCounts[], durations: number[] = [], oldestQueued?: number) {
  const queriedFrom: number[] = [];
  const store = {
    finishedPerMinute: jest.fn(async (_tenant: string, since: number) => {
      queriedFrom.push(since);
      return finishes.filter((counts) => counts.minute >= since).map((counts) => ({ ...counts }));
    }),
    recentDurations: jest.fn(async (_tenant: string, _since: number, limit: number) => durations.slice(0, limit)),
    oldestQueuedSince: jest.fn(async () => oldestQueued),
  };
  return { store: store as unknown as StatsStore, fake: store, queriedFrom };
}

describe('nearestRank', () => {
  it('picks the value at the rank ceil(q * n) of the sorted values', () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);

    expect([nearestRank(values, 0.5), nearestRank(values, 0.95), nearestRank(values, 1)]).toEqual([100, 190, 200]);
    expect([nearestRank([7], 0.5), nearestRank([7], 0.95)]).toEqual([7, 7]);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});

describe('JobActivity', () => {
  it('answers all 60 minutes of the window, oldest first, zeros where nothing finished', async () => {
    const { store } = fakeStore([
      { minute: SINCE, succeeded: 3, failed: 1 },
      { minute: CURRENT, succeeded: 5, failed: 0 },
    ]);

    const activity = await new JobActivity(store).read('acme', NOW);

    expect(activity.since).toBe(SINCE);
    expect(activity.minutes).toHaveLength(ACTIVITY_MINUTES);
    expect(activity.minutes.map((m) => m.minute)).toEqual(Array.from({ length: 60 }, (_, i) => SINCE + i * MINUTE));
    expect(activity.minutes[0]).toEqual({ minute: SINCE, succeeded: 3, failed: 1 });
    expect(activity.minutes[59]).toEqual({ minute: CURRENT, succeeded: 5, failed: 0 });
    expect(activity.minutes.slice(1, 59).every((m) => m.succeeded === 0 && m.failed === 0)).toBe(true);
  });

  it('reads the whole hour once, then only the minutes not yet settled, keeping settled counts', async () => {
    const finishes: MinuteCounts[] = [
      { minute: CURRENT - 10 * MINUTE, succeeded: 4, failed: 2 },
      { minute: CURRENT - MINUTE, succeeded: 1, failed: 0 },
    ];
    const { store, queriedFrom } = fakeStore(finishes);
    const activity = new JobActivity(store);

    await activity.read('acme', NOW);
    // A late outcome in a settled minute is not read again; one in the last two minutes is.
    finishes[0].succeeded = 400;
    finishes[1].succeeded = 2;
    const later = await activity.read('acme', NOW + 5_000);

    expect(queriedFrom).toEqual([SINCE, CURRENT - 2 * MINUTE]);
    expect(later.minutes.find((m) => m.minute === CURRENT - 10 * MINUTE)).toEqual({
      minute: CURRENT - 10 * MINUTE,
      succeeded: 4,
      failed: 2,
    });
    expect(later.minutes.find((m) => m.minute === CURRENT - MINUTE)).toEqual({ minute: CURRENT - MINUTE, succeeded: 2, failed: 0 });
  });

  it('slides the window: a minute that leaves it is forgotten, one that settles is kept', async () => {
    const finishes: MinuteCounts[] = [
      { minute: SINCE, succeeded: 9, failed: 0 },
      { minute: CURRENT - MINUTE, succeeded: 1, failed: 1 },
    ];
    const { store, queriedFrom } = fakeStore(finishes);
    const activity = new JobActivity(store);
    await activity.read('acme', NOW);

    const twoMinutesLater = await activity.read('acme', NOW + 2 * MINUTE);

    expect(queriedFrom).toEqual([SINCE, CURRENT - 2 * MINUTE]);
    expect(twoMinutesLater.since).toBe(SINCE + 2 * MINUTE);
    expect(twoMinutesLater.minutes.some((m) => m.minute === SINCE)).toBe(false);
    expect(twoMinutesLater.minutes.find((m) => m.minute === CURRENT - MINUTE)).toEqual({
      minute: CURRENT - MINUTE,
      succeeded: 1,
      failed: 1,
    });
  });

  it('reads the whole hour again after being idle longer than the window', async () => {
    const { store, queriedFrom } = fakeStore([]);
    const activity = new JobActivity(store);

    await activity.read('acme', NOW);
    await activity.read('acme', NOW + 3 * 60 * MINUTE);

    expect(queriedFrom).toEqual([SINCE, SINCE + 3 * 60 * MINUTE]);
  });

  it('keeps each tenant apart', async () => {
    const { store, fake } = fakeStore([{ minute: SINCE, succeeded: 1, failed: 0 }]);
    const activity = new JobActivity(store);

    await activity.read('acme', NOW);
    await activity.read('globex', NOW);

    expect(fake.finishedPerMinute.mock.calls).toEqual([
      ['acme', SINCE],
      ['globex', SINCE],
    ]);
  });

  it('gives p50 and p95 of the latest durations, at most the sample size, and when the oldest queued job waits since', async () => {
    // Newest first, not sorted: one in ten took a second, the rest 10 ms.
    const durations = Array.from({ length: DURATION_SAMPLE }, (_, i) => (i % 10 === 3 ? 1_000 : 10));
    const { store, fake } = fakeStore([], durations, NOW - 42_000);

    const activity = await new JobActivity(store).read('acme', NOW);

    expect(fake.recentDurations).toHaveBeenCalledWith('acme', SINCE, DURATION_SAMPLE);
    expect(activity.durations).toEqual({ count: DURATION_SAMPLE, p50: 10, p95: 1_000 });
    expect(activity.oldestQueuedSince).toBe(NOW - 42_000);
  });

  it('has no percentiles and no oldest queued job when nothing finished or waits', async () => {
    const { store } = fakeStore([]);

    const activity = await new JobActivity(store).read('acme', NOW);

    expect(activity.durations).toEqual({ count: 0, p50: null, p95: null });
    expect(activity.oldestQueuedSince).toBeUndefined();
  });
});
