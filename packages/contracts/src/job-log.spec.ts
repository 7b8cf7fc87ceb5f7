import { jobLog } from './job-log';

describe('jobLog', () => {
  it('names the job by id and type, and the attempt and request only when known', () => {
    expect(jobLog('j1', 'email.welcome')).toEqual({ job_id: 'j1', job_type: 'email.welcome' });
    expect(jobLog('j1', 'email.welcome', { attempt: 3, requestId: 'req-1' })).toEqual({
      job_id: 'j1',
      job_type: 'email.welcome',
      attempt: 3,
      request_id: 'req-1',
    });
    expect(Object.keys(jobLog('j1', 'email.welcome', { attempt: undefined, requestId: undefined }))).toEqual(['job_id', 'job_type']);
  });
});
