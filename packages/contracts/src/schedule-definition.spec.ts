import { WelcomeEmail } from '@cask/examples';
import { checkCron, defineSchedule } from './schedule-definition';

const weekly = { name: 'email.weekly-hello', cron: '0 9 * * 1', job: WelcomeEmail, payload: { email: 'team@example.com', name: 'Team' } };

describe('checkCron', () => {
  it.each([
    ['five fields', '0 3 * * *', 'UTC'],
    ['six fields, seconds first', '*/10 * * * * *', 'UTC'],
    ['names and ranges', '30 8 * JAN-MAR MON-FRI', 'Europe/Berlin'],
    ['surrounding spaces', '  0 3 * * *  ', 'America/New_York'],
  ])('accepts %s', (_, cron, timezone) => {
    expect(checkCron(cron, timezone)).toEqual([]);
  });

  it.each([
    ['too few fields', '* * *'],
    ['a year field', '0 0 0 1 1 * 2030'],
    ['a nickname', '@hourly'],
    ['a date (a one-shot, not a schedule)', '2030-01-01T00:00:00'],
  ])('refuses %s, asking for 5 or 6 fields', (_, cron) => {
    expect(checkCron(cron, 'UTC')).toEqual([{ field: 'cron', reason: expect.stringContaining('5 fields') }]);
  });

  it('names the field out of range', () => {
    expect(checkCron('61 * * * *', 'UTC')).toEqual([{ field: 'cron', reason: expect.stringMatching(/minute/i) }]);
  });

  it('refuses an expression that never matches', () => {
    expect(checkCron('0 0 30 2 *', 'UTC')).toEqual([{ field: 'cron', reason: 'never matches a future time' }]);
  });

  it('refuses an unknown time zone and still checks the cron', () => {
    expect(checkCron('61 * * * *', 'Mars/Olympus_Mons')).toEqual([
      { field: 'timezone', reason: expect.stringContaining('IANA') },
      { field: 'cron', reason: expect.stringMatching(/minute/i) },
    ]);
  });
});

describe('defineSchedule', () => {
  it('reads the cron in UTC and uses the job definition settings unless told otherwise', () => {
    expect(defineSchedule(weekly)).toEqual({ ...weekly, timezone: 'UTC', options: {} });
  });

  it('keeps the time zone and options it is given, and cannot be changed afterwards', () => {
    const schedule = defineSchedule({ ...weekly, timezone: 'Europe/London', options: { priority: 9, maxAttempts: 1 } });

    expect([schedule.timezone, schedule.options]).toEqual(['Europe/London', { priority: 9, maxAttempts: 1 }]);
    expect(() => {
      (schedule as { cron: string }).cron = '* * * * *';
    }).toThrow(TypeError);
  });

  it('refuses, at declaration, everything wrong with a schedule at once', () => {
    const declare = () =>
      defineSchedule({
        name: 'Weekly Hello',
        cron: '0 25 * * *',
        timezone: 'Nowhere/City',
        job: WelcomeEmail,
        payload: { email: 'not-an-address', name: 'Team' },
        options: { priority: 12, backoff: { type: 'fixed', baseMs: 500, capMs: 100, jitter: 0 } },
      });

    expect(declare).toThrow(TypeError);
    expect(declare).toThrow(/name must be lower-case dotted words/);
    expect(declare).toThrow(/timezone must be an IANA time zone/);
    expect(declare).toThrow(/cron .*hour/i);
    expect(declare).toThrow(/payload\.email/);
    expect(declare).toThrow(/priority must be an integer from 0 to 9/);
    expect(declare).toThrow(/backoff\.cap_ms must be at least base_ms/);
  });
});
