import { validatePayload } from '@cask/contracts';
import { JOB_DEFINITIONS } from './job-definitions';

describe('JOB_DEFINITIONS', () => {
  // An example is optional (it fills the API docs); one that is given must be a payload the job accepts.
  it.each(JOB_DEFINITIONS.filter((job) => job.example !== undefined).map((job) => [job.name, job] as const))(
    'gives %s an example payload that passes its own payload rules',
    (_name, job) => {
      expect(validatePayload(job, job.example)).toMatchObject({ ok: true });
    },
  );
});
