/** Structured fields of every log line about a job, so that one query finds all of a job's lines. */
export interface JobLogFields {
  job_id: string;
  job_type: string;
  /** The attempt the line is about, where there is one. */
  attempt?: number;
  /** Id of the HTTP request that dispatched the job, where known. */
  request_id?: string;
}

/**
 * The fields that tie a log line to a job: pass them as the line's object,
 * e.g. `logger.debug({ ...jobLog(job.id, job.type), msg: '...' })`.
 *
 * @param about the attempt and the dispatching request's id, when the line concerns them (a
 *   `JobContext` fits as it is)
 */
export function jobLog(jobId: string, jobType: string, about: { attempt?: number; requestId?: string } = {}): JobLogFields {
  const fields: JobLogFields = { job_id: jobId, job_type: jobType };
  if (about.attempt !== undefined) fields.attempt = about.attempt;
  if (about.requestId !== undefined) fields.request_id = about.requestId;
  return fields;
}
