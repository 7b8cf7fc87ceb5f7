import type { JobStatus } from '@cask/contracts';
import type { JobTransition } from '../store/job-record';
import { compareEventIds, formatEventId, inEventOrder, parseEventId, transitionEventId } from './event-id';

const transition = (series: number, attempt: number, status: JobStatus, at = 1_000): JobTransition => ({
  series,
  attempt,
  status,
  at,
  worker: null,
  error: null,
});
const id = (series: number, attempt: number, status: JobStatus) => formatEventId(transitionEventId({ series, attempt, status }));

describe('event ids', () => {
  it('names a change by series, attempt and the status rank within the attempt', () => {
    expect([
      id(1, 0, 'scheduled'),
      id(1, 0, 'queued'),
      id(1, 2, 'running'),
      id(1, 2, 'retrying'),
      id(3, 4, 'succeeded'),
      id(1, 1, 'failed'),
      id(2, 0, 'cancelled'),
    ]).toEqual(['1.0.0', '1.0.1', '1.2.2', '1.2.3', '3.4.4', '1.1.4', '2.0.4']);
  });

  it('reads back what it writes and rejects anything else', () => {
    expect(parseEventId('12.3.2')).toEqual({ series: 12, attempt: 3, rank: 2 });
    expect(parseEventId(' 1.0.4 ')).toEqual({ series: 1, attempt: 0, rank: 4 });
    for (const bad of ['', '1.2', '1.2.3.4', '1.2.5', 'a.b.c', '-1.0.1', '1.2.x', '1e3.0.1', '1234567890.0.1'])
      expect(parseEventId(bad)).toBeUndefined();
  });

  it('orders changes as the store commits them: by series, attempt, then status within the attempt', () => {
    const ordered = ['1.0.0', '1.0.1', '1.1.2', '1.1.3', '1.2.2', '1.2.3', '1.3.2', '1.3.4', '2.0.1', '2.1.2'];
    const shuffled = [...ordered].reverse();
    const sorted = shuffled.sort((a, b) => compareEventIds(parseEventId(a)!, parseEventId(b)!));
    expect(sorted).toEqual(ordered);
  });

  it('puts a terminal change after every other change of its series, even one of a later attempt', () => {
    // A late outcome of attempt 1 can settle the job after attempt 2 started: it still ends the series.
    const late = transitionEventId({ series: 1, attempt: 1, status: 'succeeded' });
    expect(compareEventIds(late, transitionEventId({ series: 1, attempt: 2, status: 'running' }))).toBeGreaterThan(0);
    expect(compareEventIds(late, transitionEventId({ series: 2, attempt: 0, status: 'queued' }))).toBeLessThan(0);
    // A cancel names the attempt the job was on; it still sorts after that attempt's retry.
    expect(
      compareEventIds(
        transitionEventId({ series: 1, attempt: 2, status: 'cancelled' }),
        transitionEventId({ series: 1, attempt: 2, status: 'retrying' }),
      ),
    ).toBeGreaterThan(0);
  });

  it('sorts a job history into event order', () => {
    const history = [
      transition(2, 0, 'queued', 900),
      transition(1, 1, 'retrying', 500),
      transition(1, 1, 'succeeded', 700),
      transition(1, 2, 'running', 600),
      transition(1, 1, 'running', 800),
    ];
    expect(inEventOrder(history).map((t) => formatEventId(transitionEventId(t)))).toEqual(['1.1.2', '1.1.3', '1.2.2', '1.1.4', '2.0.1']);
    expect(history[0].status).toBe('queued');
  });
});
