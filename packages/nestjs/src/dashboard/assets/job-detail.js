// The job detail dialog: every field, payload and result (pretty, size-capped), the error, the attempt
// history as a timeline, and the job's actions. It follows the job live while open.

import { $, el } from './dom.js';
import { duration, exactTime, prettyJson, progressText, relativeTime, size } from './format.js';
import { flowGraph } from './flow-graph.js';
import { runTime } from './job-row.js';

const RETRYABLE = new Set(['failed', 'cancelled']);
const CANCELLABLE = new Set(['waiting', 'queued', 'scheduled', 'running', 'retrying']);

export class JobDetail {
  /**
   * @param {{ api: import('./api.js').Api, canWrite: boolean, retry: (id: string) => Promise<unknown>, cancel: (id: string) => Promise<unknown>, onLoaded: (job: any) => void }} options
   */
  constructor(options) {
    this.options = options;
    this.dialog = /** @type {HTMLDialogElement} */ ($('#job-detail'));
    this.body = $('#detail-body');
    /** @type {string | undefined} */
    this.id = undefined;
    /** @type {number | undefined} */
    this.timer = undefined;
    /** The flow drawn last, kept while it is read again so that it does not flicker. @type {{ id: string, node: any } | undefined} */
    this.flow = undefined;
    $('#detail-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => (this.id = undefined));
  }

  /** Opens the dialog on a job; rejects (dialog closed) when the api does not know it. @param {string} id */
  async open(id) {
    const job = await this.options.api.get(`/jobs/${id}`);
    this.id = id;
    this.render(job);
    if (!this.dialog.open) this.dialog.showModal();
  }

  async reload() {
    if (!this.id) return;
    const id = this.id;
    const job = await this.options.api.get(`/jobs/${id}`);
    if (this.id === id) this.render(job);
  }

  /** @param {import('./live.js').LiveEvent} live */
  onEvent({ data }) {
    if (!this.id || data.job_id !== this.id || this.timer !== undefined) return;
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      this.reload().catch(() => undefined);
    }, 250);
  }

  /** @param {any} job GET /jobs/:id */
  render(job) {
    this.options.onLoaded(job);
    $('#detail-title').textContent = `${job.type} · ${job.status}`;
    const ran = runTime(job);
    this.body.replaceChildren(
      el(
        'div',
        { className: 'detail', dataset: { jobId: job.job_id, status: job.status } },
        el(
          'dl',
          { className: 'facts' },
          fact('Id', el('code', {}, job.job_id)),
          fact('Status', el('span', { className: `status s-${job.status}` }, job.status)),
          fact('Attempts', `${job.attempts} of ${job.max_attempts}`),
          fact('Priority', String(job.priority)),
          fact('Worker', job.worker ?? '—'),
          job.schedule && fact('Schedule', job.schedule),
          fact('Created', when(job.created_at)),
          job.run_at && fact('Runs at', when(job.run_at)),
          job.started_at && fact('Started', when(job.started_at)),
          job.next_attempt_at && fact('Next attempt', when(job.next_attempt_at)),
          job.finished_at && fact('Finished', when(job.finished_at)),
          ran !== null && fact(job.finished_at ? 'Duration' : 'Running for', duration(ran)),
        ),
        this.actions(job),
        job.flow_id && this.flowSection(job),
        job.error &&
          el(
            'section',
            { className: 'error-box' },
            el('h3', {}, 'Error'),
            el(
              'p',
              { className: 'error' },
              el('code', {}, job.error.code),
              ' ',
              job.error.message,
              job.error.retryable ? ' (retryable)' : '',
            ),
          ),
        typeof job.progress === 'number'
          ? el(
              'section',
              {},
              el('h3', {}, 'Progress'),
              el('progress', { max: 100, value: job.progress, 'aria-label': 'Progress' }),
              ` ${progressText(job.progress)}`,
            )
          : job.progress !== null && json('Progress', job.progress),
        json('Payload', job.payload),
        job.status === 'succeeded' && json('Result', job.result),
        el('h3', {}, 'History'),
        timeline(job.history),
      ),
    );
  }

  /** The job's flow, drawn once GET /flows/:id answers. @param {any} job */
  flowSection(job) {
    const section = el(
      'section',
      { className: 'flow', dataset: { flow: job.flow_id } },
      el('h3', {}, 'Flow'),
      this.flow?.id === job.flow_id ? this.flow.node : el('p', { className: 'hint' }, 'Reading the flow…'),
    );
    this.options.api.get(`/flows/${job.flow_id}`).then(
      (flow) => {
        if (this.id !== job.job_id) return;
        const counts = Object.entries(flow.counts)
          .map(([status, n]) => `${n} ${status}`)
          .join(', ');
        const node = el(
          'div',
          {},
          el('p', { className: 'hint' }, `${flow.kind === 'batch' ? 'Batch' : 'Flow'} ${flow.status}: ${counts}. Select a job to open it.`),
          el('div', { className: 'flow-scroll' }, flowGraph(flow, { current: job.job_id, open: (id) => void this.open(id) })),
        );
        this.flow = { id: job.flow_id, node };
        section.replaceChildren(el('h3', {}, 'Flow'), node);
      },
      (/** @type {Error} */ err) =>
        section.replaceChildren(el('h3', {}, 'Flow'), el('p', { className: 'error' }, `Could not read the flow: ${err.message}`)),
    );
    return section;
  }

  /** @param {any} job */
  actions(job) {
    if (!this.options.canWrite) return null;
    const buttons = [];
    if (RETRYABLE.has(job.status))
      buttons.push(
        el(
          'button',
          { type: 'button', dataset: { action: 'retry' }, onclick: () => this.options.retry(job.job_id).then(() => this.reload()) },
          'Retry job',
        ),
      );
    if (CANCELLABLE.has(job.status))
      buttons.push(
        el(
          'button',
          {
            type: 'button',
            className: 'danger',
            dataset: { action: 'cancel' },
            onclick: () => this.options.cancel(job.job_id).then(() => this.reload()),
          },
          'Cancel job',
        ),
      );
    return buttons.length ? el('div', { className: 'buttons' }, buttons) : null;
  }
}

/** A term and its value in a list of facts. @param {string} term @param {any} value */
export function fact(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

/** @param {string} at */
function when(at) {
  return el('time', { dateTime: at, title: at }, `${exactTime(at)} (${relativeTime(at)})`);
}

/** @param {string} title @param {unknown} value */
function json(title, value) {
  const { text, bytes, truncated } = prettyJson(value);
  return el(
    'section',
    { dataset: { json: title.toLowerCase() } },
    el('h3', {}, title),
    truncated && el('p', { className: 'hint' }, `Showing the first ${size(text.length)} of ${size(bytes)}.`),
    el('pre', { tabIndex: 0, 'aria-label': title }, text),
  );
}

/** @param {any[]} history oldest first */
function timeline(history) {
  if (history.length === 0) return el('p', { className: 'hint' }, 'Nothing has happened to this job yet.');
  return el(
    'ol',
    { className: 'timeline' },
    history.map((step) =>
      el(
        'li',
        { className: `t-${step.status}` },
        el('strong', {}, step.status),
        el(
          'span',
          { className: 'when' },
          `series ${step.series}, attempt ${step.attempt}${step.worker ? ` on ${step.worker}` : ''} · `,
          el('time', { dateTime: step.at, title: step.at }, exactTime(step.at)),
        ),
        step.error && el('span', { className: 'why' }, `${step.error.code}: ${step.error.message}`),
      ),
    ),
  );
}
