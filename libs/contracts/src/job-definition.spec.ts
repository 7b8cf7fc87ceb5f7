import { IsString } from 'class-validator';
import { JobCatalogue, JobDefinition, defineJob } from './job-definition';
import { JOB_DEFINITIONS } from './jobs/job-definitions';

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

    expect(job).toEqual({ name: 'notes.create', payload: NotePayload, queue: 'slow_lane-2', description: 'Creates a note' });
  });

  it('returns a definition that cannot be changed', () => {
    const job = defineJob('notes.create', { payload: NotePayload });

    expect(() => {
      (job as { queue: string }).queue = 'other';
    }).toThrow(TypeError);
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
    expect(() => defineJob(name, { payload: NotePayload })).toThrow(new TypeError(`Job name "${name}" must be lower-case dotted words, e.g. "email.welcome"`));
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

  it('builds from the shipped definitions', () => {
    const catalogue = new JobCatalogue(JOB_DEFINITIONS);

    expect(catalogue.names()).toEqual(['demo.flaky', 'email.welcome', 'video.process']);
    expect(catalogue.queues()).toEqual(['default', 'video']);
  });
});
