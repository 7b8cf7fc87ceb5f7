import { configErrorOf } from '@cask/testing';
import { JobCatalogue, defineJob } from '@cask/contracts';
import { rateLimitsOf } from './rate-limits';

class AnyPayload {}
const catalogue = new JobCatalogue([
  defineJob('mail.send', { payload: AnyPayload }),
  defineJob('mail.digest', { payload: AnyPayload, rateLimitPerSecond: 20 }),
  defineJob('report.build', { payload: AnyPayload, queue: 'reports' }),
]);

describe('rateLimitsOf', () => {
  it('takes rates from the job definitions', () => {
    expect(Object.fromEntries(rateLimitsOf(catalogue, new Map()))).toEqual({ 'mail.digest': 20 });
  });

  it('lets JOB_RATE_LIMITS set or override a rate', () => {
    const limits = rateLimitsOf(
      catalogue,
      new Map([
        ['mail.digest', 2],
        ['report.build', 7],
      ]),
    );

    expect(Object.fromEntries(limits)).toEqual({ 'mail.digest': 2, 'report.build': 7 });
  });

  it('refuses job types the catalogue does not know, naming them', () => {
    const error = configErrorOf(() =>
      rateLimitsOf(
        catalogue,
        new Map([
          ['mail.spam', 1],
          ['mail.send', 1],
          ['x.y', 2],
        ]),
      ),
    );

    expect(error.problems).toEqual([
      'workers.rateLimits: unknown job type(s) "mail.spam", "x.y" (known: mail.digest, mail.send, report.build)',
    ]);
  });
});
