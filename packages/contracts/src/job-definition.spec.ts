import { IsString } from 'class-validator';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_RETENTION_MS,
  JobCatalogue,
  JobDefinition,
  JobSpec,
  defineJob,
  durationMs,
  toUniquePolicy,
} from './job-definition';
import { BackoffPolicy, DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT_MS } from './retry-policy';

class NotePayload {
  @IsString()
  text: string;
}

describe('defineJob', () => {
  it('puts a job on the default queue when none is given', () => {
    expect(defineJob('notes.create', { payload: NotePayload }).queue).toBe('default');
  });

  it('keeps the queue, payload class and description it is given', () => {
    const job = defineJob('notes.create', { payload: NotePayload, queue: 'slow_lane-2', description: 'Creates a note' });

    expect(job).toEqual({
      name: 'notes.create',
      payload: NotePayload,
      queue: 'slow_lane-2',
      description: 'Creates a note',
      retry: DEFAULT_RETRY_POLICY,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      priority: 0,
      retentionMs: DEFAULT_RETENTION_MS,
      maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    });
  });

  it('runs at priority 0, keeps finished jobs 7 days and sets no per-type concurrency or rate limit, unless told otherwise', () => {
    const job = defineJob('notes.create', { payload: NotePayload });

    expect([job.priority, job.retentionMs, DEFAULT_RETENTION_MS, job.concurrency, job.rateLimitPerSecond]).toEqual([
      0,
      604_800_000,
      604_800_000,
      undefined,
      undefined,
    ]);
  });

  it('keeps the priority, retention, concurrency and rate limit it is given', () => {
    const job = defineJob('notes.create', {
      payload: NotePayload,
      priority: 7,
      retentionMs: 3_600_000,
      concurrency: 2,
      rateLimitPerSecond: 5,
    });

    expect([job.priority, job.retentionMs, job.concurrency, job.rateLimitPerSecond]).toEqual([7, 3_600_000, 2, 5]);
  });

  it('keeps the example payload it is given, and has none unless given one', () => {
    expect(defineJob('notes.create', { payload: NotePayload, example: { text: 'Buy milk' } }).example).toEqual({ text: 'Buy milk' });
    expect(defineJob('notes.create', { payload: NotePayload }).example).toBeUndefined();
  });

  it.each<[string, Omit<JobSpec<NotePayload>, 'payload'>]>([
    ['priority 0', { priority: 0 }],
    ['priority 9', { priority: 9 }],
    ['a retention of 0, purging as soon as a job finishes', { retentionMs: 0 }],
    ['a retention of ten years', { retentionMs: 10 * 365 * 24 * 3600 * 1000 }],
    ['a concurrency of 1', { concurrency: 1 }],
    ['a concurrency of 10000', { concurrency: 10_000 }],
    ['a rate limit of 1 per second', { rateLimitPerSecond: 1 }],
    ['a rate limit of 1000000 per second', { rateLimitPerSecond: 1_000_000 }],
  ])('accepts the limit %s', (_label, spec) => {
    expect(defineJob('notes.create', { payload: NotePayload, ...spec })).toMatchObject(spec);
  });

  it('returns a definition that cannot be changed', () => {
    const job = defineJob('notes.create', { payload: NotePayload });

    expect(() => {
      (job as { queue: string }).queue = 'other';
    }).toThrow(TypeError);
  });

  it('retries 3 times with exponential backoff from 1 s (±20 %) up to 5 min, and times out after 5 min, unless told otherwise', () => {
    const job = defineJob('notes.create', { payload: NotePayload });

    expect([job.retry, job.timeoutMs]).toEqual([
      { maxAttempts: 3, backoff: { type: 'exponential', baseMs: 1000, capMs: 300_000, jitter: 0.2 } },
      300_000,
    ]);
  });

  it('keeps the attempts, backoff and timeout it is given', () => {
    const backoff: BackoffPolicy = { type: 'fixed', baseMs: 250, capMs: 250, jitter: 0 };

    const job = defineJob('notes.create', { payload: NotePayload, retry: { maxAttempts: 10, backoff }, timeoutMs: 1500 });

    expect([job.retry, job.timeoutMs]).toEqual([{ maxAttempts: 10, backoff }, 1500]);
  });

  it('takes the default backoff when only the attempts are given, and the default attempts when only the backoff is', () => {
    const backoff: BackoffPolicy = { type: 'fixed', baseMs: 100, capMs: 100, jitter: 0 };

    const attemptsOnly = defineJob('notes.a', { payload: NotePayload, retry: { maxAttempts: 1 } });
    const backoffOnly = defineJob('notes.b', { payload: NotePayload, retry: { backoff } });

    expect(attemptsOnly.retry).toEqual({ maxAttempts: 1, backoff: DEFAULT_RETRY_POLICY.backoff });
    expect(backoffOnly.retry).toEqual({ maxAttempts: 3, backoff });
  });

  it('accepts the limits themselves: 1 and 100 attempts, a timeout of 1 ms and of a day', () => {
    expect(() => defineJob('notes.a', { payload: NotePayload, retry: { maxAttempts: 1 }, timeoutMs: 1 })).not.toThrow();
    expect(() => defineJob('notes.b', { payload: NotePayload, retry: { maxAttempts: 100 }, timeoutMs: 86_400_000 })).not.toThrow();
  });

  it.each<[string, Omit<JobSpec<NotePayload>, 'payload'>, string]>([
    ['0 attempts', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts out of range'],
    ['101 attempts', { retry: { maxAttempts: 101 } }, 'retry.maxAttempts out of range'],
    ['2.5 attempts', { retry: { maxAttempts: 2.5 } }, 'retry.maxAttempts out of range'],
    ['a timeout of 0', { timeoutMs: 0 }, 'timeoutMs out of range'],
    ['a timeout over a day', { timeoutMs: 86_400_001 }, 'timeoutMs out of range'],
    ['a fractional timeout', { timeoutMs: 10.5 }, 'timeoutMs out of range'],
    ['a negative base delay', { retry: { backoff: { type: 'fixed', baseMs: -1, capMs: 10, jitter: 0 } } }, 'retry.backoff.base_ms'],
    [
      'a cap below the base delay',
      { retry: { backoff: { type: 'exponential', baseMs: 1000, capMs: 500, jitter: 0 } } },
      'retry.backoff.cap_ms must be at least base_ms',
    ],
    ['a jitter above 1', { retry: { backoff: { type: 'exponential', baseMs: 1000, capMs: 5000, jitter: 2 } } }, 'retry.backoff.jitter'],
    [
      'an unknown backoff type',
      { retry: { backoff: { type: 'linear' as 'fixed', baseMs: 1000, capMs: 5000, jitter: 0 } } },
      'retry.backoff.type',
    ],
    ['a negative priority', { priority: -1 }, 'priority must be an integer from 0 to 9'],
    ['priority 10', { priority: 10 }, 'priority must be an integer from 0 to 9'],
    ['a fractional priority', { priority: 4.5 }, 'priority must be an integer from 0 to 9'],
    ['a negative retention', { retentionMs: -1 }, 'retentionMs out of range'],
    ['a fractional retention', { retentionMs: 1.5 }, 'retentionMs out of range'],
    ['a retention over ten years', { retentionMs: 10 * 365 * 24 * 3600 * 1000 + 1 }, 'retentionMs out of range'],
    ['a concurrency of 0', { concurrency: 0 }, 'concurrency must be a positive integer'],
    ['a fractional concurrency', { concurrency: 1.5 }, 'concurrency must be a positive integer'],
    ['a concurrency over 10000', { concurrency: 10_001 }, 'concurrency must be a positive integer'],
    ['a rate limit of 0', { rateLimitPerSecond: 0 }, 'rateLimitPerSecond must be a positive integer'],
    ['a negative rate limit', { rateLimitPerSecond: -5 }, 'rateLimitPerSecond must be a positive integer'],
    ['a rate limit of NaN', { rateLimitPerSecond: Number.NaN }, 'rateLimitPerSecond must be a positive integer'],
    ['a payload limit of 0', { maxPayloadBytes: 0 }, 'maxPayloadBytes must be an integer from 1 to 16777216'],
    ['a payload limit over 16 MiB', { maxPayloadBytes: 16 * 1024 * 1024 + 1 }, 'maxPayloadBytes must be an integer from 1 to 16777216'],
  ])('rejects %s with a TypeError naming the job and the setting', (_label, spec, problem) => {
    expect(() => defineJob('notes.create', { payload: NotePayload, ...spec })).toThrow(TypeError);
    expect(() => defineJob('notes.create', { payload: NotePayload, ...spec })).toThrow(`Job "notes.create": ${problem}`);
  });

  it('names every bad setting in one error', () => {
    expect(() => defineJob('notes.create', { payload: NotePayload, retry: { maxAttempts: 0 }, timeoutMs: 0 })).toThrow(
      new TypeError('Job "notes.create": retry.maxAttempts out of range; timeoutMs out of range'),
    );
  });

  it('names every bad new setting in one error too', () => {
    expect(() =>
      defineJob('notes.create', { payload: NotePayload, priority: 10, retentionMs: -1, concurrency: 0, rateLimitPerSecond: 0 }),
    ).toThrow(
      new TypeError(
        'Job "notes.create": priority must be an integer from 0 to 9; retentionMs out of range; concurrency must be a positive integer; rateLimitPerSecond must be a positive integer',
      ),
    );
  });

  it.each(['notes', 'notes.create', 'a1.b_2.c-3', 'video.v2'])('accepts the job name %p', (name) => {
    expect(defineJob(name, { payload: NotePayload }).name).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['upper-case', 'Notes.Create'],
    ['a class name', 'NotesCreateJob'],
    ['starting with a digit', '1notes.create'],
    ['with an empty segment', 'notes..create'],
    ['ending in a dot', 'notes.'],
    ['with a space', 'notes create'],
    ['with a slash', 'notes/create'],
  ])('rejects a job name that is %s, quoting it', (_label, name) => {
    expect(() => defineJob(name, { payload: NotePayload })).toThrow(
      new TypeError(`Job name "${name}" must be lower-case dotted words, e.g. "email.welcome"`),
    );
  });

  it.each([
    ['empty', ''],
    ['upper-case', 'Video'],
    ['dotted', 'video.fast'],
    ['starting with a dash', '-video'],
    ['with a space', 'video fast'],
  ])('rejects a queue that is %s, naming the queue and the job', (_label, queue) => {
    expect(() => defineJob('notes.create', { payload: NotePayload, queue })).toThrow(
      new TypeError(`Queue "${queue}" of job "notes.create" must be lower-case letters, digits, "-" or "_"`),
    );
  });
});

describe('defineJob unique', () => {
  it('keeps a unique policy with its window in ms, `drop` unless told otherwise', () => {
    expect(defineJob('notes.sync', { payload: NotePayload, unique: { by: ['text'] } }).unique).toEqual({ mode: 'drop', by: ['text'] });
    expect(defineJob('notes.sync', { payload: NotePayload, unique: { by: ['text'], for: '10m', mode: 'throttle' } }).unique).toEqual({
      mode: 'throttle',
      by: ['text'],
      forMs: 600_000,
    });
    expect(defineJob('notes.sync', { payload: NotePayload, unique: { mode: 'debounce', for: 1500 } }).unique).toEqual({
      mode: 'debounce',
      forMs: 1500,
    });
    expect(defineJob('notes.sync', { payload: NotePayload }).unique).toBeUndefined();
  });

  it('reads windows as ms, s, m, h and d', () => {
    expect(['250ms', '30s', '10m', '2h', '1d', '5 s'].map(durationMs)).toEqual([250, 30_000, 600_000, 7_200_000, 86_400_000, 5000]);
    expect(['', '10', 'ten minutes', '1w', '-5s'].map(durationMs)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('names every bad unique setting: an unknown mode, a window missing, out of range or unreadable, empty fields', () => {
    const bad = (unique: JobSpec<NotePayload>['unique']) => () => defineJob('notes.sync', { payload: NotePayload, unique });

    expect(bad({ mode: 'once' as never })).toThrow('unique.mode must be one of: drop, throttle, debounce');
    expect(bad({ mode: 'throttle' })).toThrow('unique.for must be given for mode throttle');
    expect(bad({ mode: 'debounce', for: '31d' })).toThrow('unique.for must be 1 ms to 30 days');
    expect(bad({ for: 'soon' })).toThrow('unique.for must be 1 ms to 30 days');
    expect(bad({ for: 0 })).toThrow('unique.for must be 1 ms to 30 days');
    expect(bad({ by: [] })).toThrow('unique.by must list one or more payload fields');
    expect(bad({ by: ['text', ''] })).toThrow('unique.by must list one or more payload fields');
  });

  it('checks a dispatch’s unique settings the same way, naming fields from the prefix it is given', () => {
    expect(toUniquePolicy({ mode: 'throttle' }, 'jobs[2].unique').problems).toEqual([
      { field: 'jobs[2].unique.for', reason: 'must be given for mode throttle' },
    ]);
    expect(toUniquePolicy({ mode: 'drop', by: ['a.b'], for: 5 }).problems).toEqual([]);
  });
});

describe('defineJob group', () => {
  it('keeps the group policy with its rate window in ms; fifo means one at a time', () => {
    expect(
      defineJob('notes.sync', { payload: NotePayload, group: { by: 'owner', concurrency: 3, rate: { limit: 10, per: '1m' } } }).group,
    ).toEqual({
      by: 'owner',
      concurrency: 3,
      rate: { limit: 10, perMs: 60_000 },
      fifo: false,
    });
    expect(defineJob('notes.sync', { payload: NotePayload, group: { fifo: true } }).group).toEqual({
      by: undefined,
      concurrency: 1,
      rate: undefined,
      fifo: true,
    });
  });

  it('names every bad group setting', () => {
    const bad = (group: JobSpec<NotePayload>['group']) => () => defineJob('notes.sync', { payload: NotePayload, group });

    expect(bad({ by: '' })).toThrow('group.by must name a payload field');
    expect(bad({ concurrency: 0 })).toThrow('group.concurrency must be an integer from 1 to 10000');
    expect(bad({ fifo: true, concurrency: 2 })).toThrow('group.concurrency must be 1 (or left out) for a fifo group');
    expect(bad({ rate: { limit: 0, per: '1s' } })).toThrow('group.rate.limit must be an integer from 1 to 1000000');
    expect(bad({ rate: { limit: 5, per: '2d' } })).toThrow('group.rate.per must be 1 ms to 1 day');
    expect(bad({ rate: { limit: 5, per: 'often' } })).toThrow('group.rate.per must be 1 ms to 1 day');
  });
});

describe('JobCatalogue', () => {
  const a = defineJob('b.second', { payload: NotePayload, queue: 'video' });
  const b = defineJob('a.first', { payload: NotePayload });
  const c = defineJob('c.third', { payload: NotePayload, queue: 'video' });

  it('looks definitions up by name', () => {
    const catalogue = new JobCatalogue([a, b]);

    expect(catalogue.get('b.second')).toBe(a);
    expect(catalogue.get('a.first')).toBe(b);
  });

  it('answers undefined for a name it does not hold', () => {
    expect(new JobCatalogue([a]).get('a.first')).toBeUndefined();
  });

  it('rejects two definitions with one name, naming it', () => {
    const twin: JobDefinition = defineJob('a.first', { payload: NotePayload, queue: 'other' });

    expect(() => new JobCatalogue([b, a, twin])).toThrow(new TypeError('Job "a.first" is defined twice'));
  });

  it('lists names sorted', () => {
    expect(new JobCatalogue([c, a, b]).names()).toEqual(['a.first', 'b.second', 'c.third']);
  });

  it('lists each queue once, sorted', () => {
    expect(new JobCatalogue([c, a, b]).queues()).toEqual(['default', 'video']);
  });
});
