// One row of the jobs table: built once per job, then updated in place, cell by cell, as the job changes.

import { el, setText } from './dom.js';
import { duration, exactTime, progressText, relativeTime, shortId } from './format.js';

const RETRYABLE = new Set(['failed', 'cancelled']);
const CANCELLABLE = new Set(['waiting', 'queued', 'scheduled', 'running', 'retrying']);

/**
 * @typedef {{ job_id: string, type: string, status: string, attempts: number, max_attempts: number, progress: any,
 *   worker: string | null, created_at: string, started_at: string | null, finished_at: string | null, series?: number,
 *   error?: { code: string, message: string } | null, group?: string | null }} Job
 * @typedef {{ retry: (id: string) => void, cancel: (id: string) => void, open: (id: string) => void }} RowActions
 */

/** @type {WeakMap<HTMLTableRowElement, Record<string, any>>} */
const cellsOf = new WeakMap();

/** How long a job ran (finished) or has been running (not yet), in ms; null before it started. @param {Job} job */
export function runTime(job, now = Date.now()) {
  if (!job.started_at) return null;
  const end = job.finished_at ? Date.parse(job.finished_at) : job.status === 'running' ? now : null;
  return end === null ? null : Math.max(0, end - Date.parse(job.started_at));
}

/**
 * @param {Job} job
 * @param {{ canWrite: boolean, actions: RowActions }} options
 * @returns {HTMLTableRowElement}
 */
export function createRow(job, options) {
  const cells = {
    open: el(
      'button',
      {
        type: 'button',
        className: 'link',
        title: job.job_id,
        'aria-label': `Open job ${job.job_id}`,
        onclick: () => options.actions.open(job.job_id),
      },
      shortId(job.job_id),
    ),
    type: el('td', { className: 'type' }),
    status: el('span', { className: 'status' }),
    error: el('span', { className: 'row-error' }),
    group: el('span', { className: 'row-group' }),
    attempts: el('td', { className: 'num attempts' }),
    progress: el('td', { className: 'progress' }),
    created: el('time'),
    duration: el('td', { className: 'num duration' }),
    worker: el('td', { className: 'mono worker' }),
    actions: options.canWrite ? el('div', { className: 'actions' }) : null,
    actionsFor: '',
  };
  const row = /** @type {HTMLTableRowElement} */ (
    el(
      'tr',
      { dataset: { jobId: job.job_id } },
      el('td', {}, cells.open),
      cells.type,
      el('td', {}, cells.status, cells.error),
      cells.attempts,
      cells.progress,
      el('td', {}, cells.created),
      cells.duration,
      cells.worker,
      cells.actions && el('td', {}, cells.actions),
    )
  );
  cellsOf.set(row, cells);
  updateRow(row, job, options);
  return row;
}

/**
 * @param {HTMLTableRowElement} row
 * @param {Job} job
 * @param {{ canWrite: boolean, actions: RowActions }} options
 */
export function updateRow(row, job, options, now = Date.now()) {
  const cells = cellsOf.get(row);
  if (!cells) return;
  if (row.dataset.status && row.dataset.status !== job.status) flash(row);
  row.dataset.status = job.status;
  cells.type.replaceChildren(job.type, ...(job.group ? [cells.group] : []));
  setText(cells.group, job.group ? `group ${job.group}` : '');
  setText(cells.status, job.status);
  // The last error, while it is news: retrying, or failed for good.
  const error = job.error && (job.status === 'failed' || job.status === 'retrying') ? job.error : null;
  setText(cells.error, error ? error.message : '');
  cells.error.title = error ? `${error.code}: ${error.message}` : '';
  cells.error.hidden = !error;
  cells.status.className = `status s-${job.status}`;
  setText(cells.attempts, `${job.attempts} / ${job.max_attempts}`);
  updateProgress(cells.progress, job);
  cells.created.dateTime = job.created_at;
  cells.created.title = exactTime(job.created_at);
  setText(cells.created, relativeTime(job.created_at, now));
  const ran = runTime(job, now);
  setText(cells.duration, ran === null ? '—' : `${duration(ran)}${job.finished_at ? '' : '…'}`);
  setText(cells.worker, job.worker ?? '—');
  if (cells.actions) updateActions(cells, job, options.actions);
}

/** @param {HTMLTableRowElement} row */
function flash(row) {
  row.classList.remove('changed');
  // Reading layout restarts the animation for a row that changes twice in a row.
  void row.offsetWidth;
  row.classList.add('changed');
}

/** @param {HTMLElement} cell @param {Job} job */
function updateProgress(cell, job) {
  const { progress } = job;
  const numeric = typeof progress === 'number' ? Math.max(0, Math.min(100, progress)) : null;
  const bar = /** @type {HTMLProgressElement | null} */ (cell.querySelector('progress'));
  if (numeric === null) {
    if (bar) cell.replaceChildren();
    setText(cell, progressText(progress));
    return;
  }
  if (!bar) {
    cell.replaceChildren(
      el('progress', { max: 100, value: numeric, 'aria-label': `Progress of job ${job.job_id}` }),
      el('span', { className: 'progress-text' }),
    );
  } else if (bar.value !== numeric) {
    bar.value = numeric;
  }
  setText(/** @type {HTMLElement} */ (cell.querySelector('.progress-text')), progressText(numeric));
}

/** @param {Record<string, any>} cells @param {Job} job @param {RowActions} actions */
function updateActions(cells, job, actions) {
  const kind = RETRYABLE.has(job.status) ? 'retry' : CANCELLABLE.has(job.status) ? 'cancel' : 'none';
  if (cells.actionsFor === kind) return;
  cells.actionsFor = kind;
  const buttons = [];
  if (kind === 'retry') {
    buttons.push(
      el(
        'button',
        { type: 'button', dataset: { action: 'retry' }, 'aria-label': `Retry job ${job.job_id}`, onclick: () => actions.retry(job.job_id) },
        'Retry',
      ),
    );
  } else if (kind === 'cancel') {
    buttons.push(
      el(
        'button',
        {
          type: 'button',
          className: 'quiet',
          dataset: { action: 'cancel' },
          'aria-label': `Cancel job ${job.job_id}`,
          onclick: () => actions.cancel(job.job_id),
        },
        'Cancel',
      ),
    );
  }
  cells.actions.replaceChildren(...buttons);
}
