// Live events applied to the jobs the table holds: in order, and never older than what a read of the api showed.

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** @typedef {import('./job-row.js').Job} Job */

/** Where a status falls within one attempt. */
const RANK = { queued: 0, scheduled: 0, running: 1, retrying: 2, succeeded: 3, failed: 3, cancelled: 3 };

/**
 * Whether an event of GET /events is older than what the table holds of its job: events and reads of the
 * api race (a page, or a job reread after an action, may already show what the event announces, or more).
 * @param {Job} job
 * @param {string} event `status` or `progress`
 * @param {any} data
 */
export function isStale(job, event, data) {
  if (job.series !== undefined && data.series !== job.series) return data.series < job.series;
  const status = event === 'progress' ? 'running' : data.status;
  // A finished job moves again only when a redrive queues it as a new series.
  if (TERMINAL.has(job.status)) return !(event === 'status' && status === 'queued');
  // A cancel names no attempt: it ends whichever attempt there is.
  const attempt = typeof data.attempt === 'number' ? data.attempt : Number.MAX_SAFE_INTEGER;
  return attempt < job.attempts || (attempt === job.attempts && RANK[status] < RANK[job.status]);
}

/**
 * One `status` event of GET /events applied to a job as the table holds it (not {@link isStale}).
 * @param {Job} job
 * @param {any} data
 */
export function applyStatus(job, data) {
  const newSeries = (job.series !== undefined && data.series > job.series) || (data.status === 'queued' && TERMINAL.has(job.status));
  // A redrive starts a new series from scratch.
  if (newSeries) Object.assign(job, { attempts: 0, progress: null, worker: null, started_at: null, finished_at: null });
  job.series = data.series;
  job.status = data.status;
  if (typeof data.attempt === 'number' && data.attempt > job.attempts) job.attempts = data.attempt;
  if (data.worker) job.worker = data.worker;
  if (data.status === 'running') Object.assign(job, { started_at: data.at, finished_at: null });
  if (TERMINAL.has(data.status)) job.finished_at = data.at;
}
