import { ArgumentMetadata, HttpException, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { CASK_VALIDATION_OPTIONS, CASK_VALIDATION_PIPE } from './cask-controller.decorator';
import { CompiledBodyCheck } from './compiled-body-check';
import { BackoffDto, CreateJobBatchDto, CreateJobDto, RetryJobsDto } from './create-job.dto';

/** class-validator and class-transformer alone: what the compiled check must agree with, body for body. */
const REFERENCE = new ValidationPipe(CASK_VALIDATION_OPTIONS);

type Outcome = { value: unknown } | { status: number; body: unknown };

async function outcome(pipe: ValidationPipe, body: unknown, metatype: ArgumentMetadata['metatype']): Promise<Outcome> {
  try {
    return { value: await pipe.transform(structuredClone(body), { type: 'body', metatype }) };
  } catch (err) {
    if (!(err instanceof HttpException)) throw err;
    return { status: err.getStatus(), body: err.getResponse() };
  }
}

/** A small seeded generator, so a failing body can be found again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Edges of every rule in the job bodies, and values of the wrong kind.
const VALUES = [
  null,
  0,
  -0,
  1,
  -1,
  9,
  10,
  100,
  101,
  0.2,
  0.5,
  1.5,
  86_400_000,
  86_400_001,
  2_592_000_000,
  2_592_000_001,
  1e21,
  '',
  'x',
  '1',
  'fixed',
  'exponential',
  'drop',
  'debounce',
  ['url'],
  [''],
  '2026-12-31T00:00:00Z',
  '2026-12-31t00:00:00Z',
  '2026-12-31T23:59:60Z',
  true,
  [],
  [1],
  {},
  { a: 1 },
];
const FIELDS = ['priority', 'max_attempts', 'timeout_ms', 'delay_ms', 'type', 'payload', 'backoff', 'unique', 'run_at', 'extra'];
const BACKOFF_FIELDS = ['type', 'base_ms', 'cap_ms', 'jitter', 'extra'];
const UNIQUE_FIELDS = ['mode', 'by', 'key', 'for_ms', 'extra'];

function randomBody(next: () => number): Record<string, unknown> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const body: Record<string, unknown> = { type: 'demo.flaky', payload: { fail_times: 0 } };
  const changes = Math.floor(next() * 4);
  for (let i = 0; i < changes; i++) {
    const field = pick(FIELDS);
    if (field === 'backoff' && next() < 0.7) {
      const backoff: Record<string, unknown> = { type: pick(['fixed', 'exponential']), base_ms: 100, cap_ms: 1000 };
      for (let j = Math.floor(next() * 3); j > 0; j--) {
        const sub = pick(BACKOFF_FIELDS);
        if (next() < 0.2) delete backoff[sub];
        else backoff[sub] = pick(VALUES);
      }
      body.backoff = backoff;
    } else if (field === 'unique' && next() < 0.7) {
      const unique: Record<string, unknown> = {};
      for (let j = Math.floor(next() * 3); j > 0; j--) unique[pick(UNIQUE_FIELDS)] = pick(VALUES);
      body.unique = unique;
    } else if (next() < 0.15) delete body[field];
    else body[field] = pick(VALUES);
  }
  return body;
}

describe('CompiledBodyCheck', () => {
  it('covers the job bodies, so POST /jobs and its batches skip class-validator when the body is good', () => {
    const check = new CompiledBodyCheck();
    for (const target of [CreateJobDto, CreateJobBatchDto, BackoffDto, RetryJobsDto]) expect(check.covers(target)).toBe(true);
  });

  it('builds the DTO class-transformer would, with the class defaults filled in', async () => {
    const body = {
      type: 'demo.flaky',
      payload: { n: [1, { deep: true }] },
      priority: 3,
      backoff: { type: 'fixed', base_ms: 5, cap_ms: 9 },
    };
    const built = new CompiledBodyCheck().instance(CreateJobDto, body);
    expect(built).toBeInstanceOf(CreateJobDto);
    expect((built as CreateJobDto).backoff).toBeInstanceOf(BackoffDto);
    expect((built as CreateJobDto).backoff?.jitter).toBe(0.2);
    expect({ value: built }).toStrictEqual(await outcome(REFERENCE, body, CreateJobDto));
  });

  it('leaves to class-validator a rule a schema does not state exactly, a format, and a class class-transformer changes', () => {
    class Signup {
      @IsEmail()
      email: string;
    }
    class Tally {
      @IsOptional()
      @IsString()
      label?: string;

      @IsInt()
      @Min(1)
      count: number;
    }
    class Trimmed {
      @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
      @IsString()
      name: string;
    }
    const check = new CompiledBodyCheck();
    expect(check.covers(Trimmed)).toBe(false);
    expect(check.instance(Signup, { email: 'ada@example.com' })).toBeUndefined();
    expect(check.covers(Tally)).toBe(true);
    expect(check.instance(Tally, { count: 1 })).toBeInstanceOf(Tally);
    expect(check.instance(Tally, { count: 1.5 })).toBeUndefined();
    expect(check.instance(CreateJobDto, { type: 'demo.flaky', payload: {}, run_at: '2026-12-31T00:00:00Z' })).toBeUndefined();
    expect(check.instance(CreateJobDto, { type: 'demo.flaky', payload: {} })).toBeInstanceOf(CreateJobDto);
  });

  it('answers every body as class-validator does: 4,000 generated bodies, the same DTO or the same 400', async () => {
    const next = random(14);
    const check = new CompiledBodyCheck();
    let compiled = 0;
    for (let i = 0; i < 4000; i++) {
      const body = randomBody(next);
      if (check.instance(CreateJobDto, structuredClone(body))) compiled++;
      const [subject, reference] = await Promise.all([
        outcome(CASK_VALIDATION_PIPE, body, CreateJobDto),
        outcome(REFERENCE, body, CreateJobDto),
      ]);
      expect({ body, outcome: subject }).toStrictEqual({ body, outcome: reference });
    }
    // Both kinds are many, or the comparison proves little.
    expect(compiled).toBeGreaterThan(800);
    expect(compiled).toBeLessThan(3200);
  });

  it('answers batches as class-validator does: 1,000 good items, and one bad item among them named by its index', async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ type: 'demo.flaky', payload: { i }, priority: i % 10 }));
    const good = await outcome(CASK_VALIDATION_PIPE, { jobs }, CreateJobBatchDto);
    expect(new CompiledBodyCheck().instance(CreateJobBatchDto, { jobs })).toBeInstanceOf(CreateJobBatchDto);
    expect(good).toStrictEqual(await outcome(REFERENCE, { jobs }, CreateJobBatchDto));

    const bad = { jobs: jobs.map((job, i) => (i === 617 ? { ...job, priority: 10 } : job)) };
    const refused = await outcome(CASK_VALIDATION_PIPE, bad, CreateJobBatchDto);
    expect(refused).toStrictEqual(await outcome(REFERENCE, bad, CreateJobBatchDto));
    expect(refused).toMatchObject({
      status: 400,
      body: { details: [{ field: 'jobs[617].priority', reason: 'priority must not be greater than 9' }] },
    });
  });
});
