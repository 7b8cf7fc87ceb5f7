import { Cancellations } from './cancellations';

const JOB = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6978';
const OTHER = '0190b6a4-3c3e-7b6a-9f1e-2d3c4b5a6979';
const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

describe('Cancellations', () => {
  it('knows nothing at first', () => {
    const cancellations = new Cancellations();

    expect(cancellations.has(JOB, 1)).toBe(false);
    expect(cancellations.size).toBe(0);
  });

  it('knows the cancelled series of a job, and only that job', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 1, T0);

    expect(cancellations.has(JOB, 1)).toBe(true);
    expect(cancellations.has(OTHER, 1)).toBe(false);
  });

  it('lets a series run that was redriven after the cancellation', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 1, T0);

    expect(cancellations.has(JOB, 2)).toBe(false);
  });

  it('covers earlier series with the cancellation of a later one', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 3, T0);

    expect([1, 2, 3, 4].map((series) => cancellations.has(JOB, series))).toEqual([true, true, true, false]);
  });

  it('keeps the later series when an earlier cancellation is read after it', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 3, T0);
    cancellations.add(JOB, 1, T0 + 1000);

    expect(cancellations.has(JOB, 3)).toBe(true);
    expect(cancellations.size).toBe(1);
  });

  it('moves up to a later series cancelled after an earlier one', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 1, T0);
    cancellations.add(JOB, 2, T0 + 1000);

    expect([cancellations.has(JOB, 2), cancellations.size]).toEqual([true, 1]);
  });

  it('counts each job once however many of its series are cancelled', () => {
    const cancellations = new Cancellations();

    cancellations.add(JOB, 1, T0);
    cancellations.add(JOB, 1, T0);
    cancellations.add(OTHER, 1, T0);

    expect(cancellations.size).toBe(2);
  });

  describe('prune', () => {
    it('forgets cancellations older than seven days and keeps younger ones', () => {
      const cancellations = new Cancellations();
      cancellations.add(JOB, 1, T0);
      cancellations.add(OTHER, 1, T0 + DAY);

      cancellations.prune(T0 + 7 * DAY + 1);

      expect(cancellations.has(JOB, 1)).toBe(false);
      expect(cancellations.has(OTHER, 1)).toBe(true);
      expect(cancellations.size).toBe(1);
    });

    it('keeps a cancellation exactly seven days old', () => {
      const cancellations = new Cancellations();
      cancellations.add(JOB, 1, T0);

      cancellations.prune(T0 + 7 * DAY);

      expect(cancellations.has(JOB, 1)).toBe(true);
    });

    it('ages a job by its latest series cancellation', () => {
      const cancellations = new Cancellations();
      cancellations.add(JOB, 1, T0);
      cancellations.add(JOB, 2, T0 + 3 * DAY);

      cancellations.prune(T0 + 8 * DAY);

      expect(cancellations.has(JOB, 2)).toBe(true);
    });

    it('prunes by the current time when none is given', () => {
      const cancellations = new Cancellations();
      cancellations.add(JOB, 1, Date.now() - 8 * DAY);
      cancellations.add(OTHER, 1, Date.now());

      cancellations.prune();

      expect([cancellations.has(JOB, 1), cancellations.has(OTHER, 1)]).toEqual([false, true]);
    });
  });
});
