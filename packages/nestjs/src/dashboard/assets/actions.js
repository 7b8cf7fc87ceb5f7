// What a write key may do: retry, cancel, and retry failed jobs in bulk after a confirmation. The page
// hides these from read keys; the api refuses them anyway (403).

import { $ } from './dom.js';
import { count, shortId } from './format.js';

/** POST /jobs/retry takes at most 1,000 jobs per call; more rounds than this mean jobs keep failing. */
const MAX_BULK_ROUNDS = 100;

/**
 * @param {string} title
 * @param {string} text
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, text, confirmLabel) {
  const dialog = /** @type {HTMLDialogElement} */ ($('#confirm'));
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true }));
}

/**
 * @param {{ api: import('./api.js').Api, notify: (text: string, error?: boolean) => void, changed: (id?: string) => void,
 *   panelsChanged?: () => void }} options
 */
export function createActions({ api, notify, changed, panelsChanged }) {
  /** @param {() => Promise<void>} work */
  const attempt = async (work) => {
    try {
      await work();
    } catch (err) {
      notify(/** @type {Error} */ (err).message, true);
    }
  };
  return {
    /**
     * Pauses a job queue across every worker, after a confirmation, or resumes it.
     * @param {string} queue
     * @param {boolean} pause
     */
    toggleQueue: (queue, pause) =>
      attempt(async () => {
        if (
          pause &&
          !(await confirmDialog(
            `Pause queue ${queue}?`,
            `Workers start none of its jobs until you resume it; jobs keep arriving and wait, running ones finish.`,
            'Pause',
          ))
        )
          return;
        await api.post(`/queues/${encodeURIComponent(queue)}/${pause ? 'pause' : 'resume'}`);
        notify(pause ? `Queue ${queue} is paused.` : `Queue ${queue} is running again.`);
        changed();
      }),
    /**
     * Pauses, resumes or runs a schedule now.
     * @param {string} name
     * @param {'pause' | 'resume' | 'run'} what
     */
    schedule: (name, what) =>
      attempt(async () => {
        const answer = await api.post(`/schedules/${encodeURIComponent(name)}/${what}`);
        notify(
          what === 'run'
            ? `Schedule ${name} dispatched job ${shortId(answer.job_id)}.`
            : `Schedule ${name} is ${what === 'pause' ? 'paused' : 'running again'}.`,
        );
        panelsChanged?.();
        changed();
      }),
    /** @param {string} id */
    retry: (id) =>
      attempt(async () => {
        await api.post(`/jobs/${id}/retry`);
        notify(`Job ${shortId(id)} is queued to run again.`);
        changed(id);
      }),
    /** @param {string} id */
    cancel: (id) =>
      attempt(async () => {
        await api.post(`/jobs/${id}/cancel`);
        notify(`Job ${shortId(id)} is cancelled.`);
        changed(id);
      }),
    /**
     * @param {string} type '' for every type
     * @param {number} failed how many failed jobs the confirmation names (from GET /stats)
     */
    bulkRetry: (type, failed) =>
      attempt(async () => {
        const what = type ? `failed ${type} job${failed === 1 ? '' : 's'}` : `failed job${failed === 1 ? '' : 's'} of every type`;
        if (failed === 0) return notify(`There are no ${what.replace(/^failed /, 'failed ')} to retry.`);
        if (
          !(await confirmDialog(
            'Retry failed jobs?',
            `${count(failed)} ${what} will run again, each as a new series of attempts.`,
            `Retry ${count(failed)}`,
          ))
        )
          return;
        let retried = 0;
        // Stops at the number confirmed: a job that fails again meanwhile is not retried twice.
        for (let round = 0; round < MAX_BULK_ROUNDS && retried < failed; round += 1) {
          const answer = await api.post('/jobs/retry', type ? { type, status: 'failed' } : { status: 'failed' });
          if (answer.retried === 0) break;
          retried += answer.retried;
        }
        notify(`${count(retried)} failed job${retried === 1 ? '' : 's'} queued to run again.`);
        changed();
      }),
  };
}
