import { validatePayload } from '@cask/contracts';
import { JOB_DEFINITIONS } from './job-definitions';

describe('JOB_DEFINITIONS', () => {
  it.each(JOB_DEFINITIONS.map((job) => [job.name, job] as const))('gives %s an example payload that passes its own payload rules', (_name, job) => {
    expect(job.example).toBeDefined();

    expect(validatePayload(job, job.example)).toMatchObject({ ok: true });
  });
});
