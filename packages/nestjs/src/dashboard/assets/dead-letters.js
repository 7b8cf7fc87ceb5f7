// The dead letters panel (admin keys, or an api without keys): messages no process could handle, with why,
// their job and their body. Each can be read whole, its job run again, or the letter discarded; so can every
// letter the reason filter shows, after a confirmation.

import { confirmDialog } from './actions.js';
import { $, el } from './dom.js';
import { count, exactTime, prettyJson, relativeTime, shortId, size } from './format.js';
import { fact } from './job-detail.js';
import { time } from './panels.js';

const PAGE = 20;
/** POST /dead-letters/redrive looks at 1,000 letters per call; a cursor goes on. */
const MAX_BULK_ROUNDS = 100;

/** Why a letter cannot be redriven, for its disabled button. @param {any} letter */
function whyNot(letter) {
  if (letter.job_id === null) return 'Not a job message: read it and discard it';
  if (letter.job_status === null) return 'Its job is not in the store (purged, or not dispatched through this api)';
  return `Its job is ${letter.job_status}: only failed or cancelled jobs run again`;
}

/** A body to read: pretty JSON when it is JSON, else as it came. @param {any} letter */
function bodyText(letter) {
  if (letter.body_encoding === 'base64') return { text: letter.body, note: 'Not UTF-8 text: shown as base64.' };
  try {
    return { text: prettyJson(JSON.parse(letter.body)).text, note: '' };
  } catch {
    return { text: letter.body, note: '' };
  }
}

export class DeadLetters {
  /**
   * @param {{ api: import('./api.js').Api, notify: (text: string, error?: boolean) => void, openJob: (id: string) => void,
   *   changed: () => void }} options
   */
  constructor(options) {
    this.options = options;
    this.reason = '';
    /** Cursors of the pages before this one; the last is this page's. @type {Array<string | undefined>} */
    this.cursors = [undefined];
    /** @type {string | null} */
    this.next = null;
    this.total = 0;
    this.dialog = /** @type {HTMLDialogElement} */ ($('#letter-detail'));
    $('#letter-close').addEventListener('click', () => this.dialog.close());
    $('#letter-reason').addEventListener('change', (/** @type {Event} */ event) => {
      this.reason = /** @type {HTMLSelectElement} */ (event.target).value;
      this.cursors = [undefined];
      void this.reload();
    });
    $('#letters-older').addEventListener('click', () => {
      if (this.next === null) return;
      this.cursors.push(this.next);
      void this.reload();
    });
    $('#letters-newer').addEventListener('click', () => {
      if (this.cursors.length < 2) return;
      this.cursors.pop();
      void this.reload();
    });
    $('#letters-redrive').addEventListener('click', () => void this.attempt(() => this.redriveAll()));
    $('#letters-discard').addEventListener('click', () => void this.attempt(() => this.discardAll()));
  }

  /** Rereads the page shown. */
  async load() {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (this.reason) query.set('reason', this.reason);
    const cursor = this.cursors[this.cursors.length - 1];
    if (cursor) query.set('cursor', cursor);
    this.render(await this.options.api.get(`/dead-letters?${query}`));
  }

  async reload() {
    await this.attempt(() => this.load());
  }

  /** @param {() => Promise<void>} work */
  async attempt(work) {
    try {
      await work();
    } catch (err) {
      this.options.notify(/** @type {Error} */ (err).message, true);
    }
  }

  /** @param {{ items: any[], next_cursor: string | null, counts: Record<string, number> }} page */
  render(page) {
    this.next = page.next_cursor;
    const counts = page.counts;
    this.total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    const shown = this.reason ? (counts[this.reason] ?? 0) : this.total;
    $('#letters-title').textContent = this.total === 0 ? 'Dead letters' : `Dead letters (${count(this.total)})`;
    const select = /** @type {HTMLSelectElement} */ ($('#letter-reason'));
    const reasons = Object.keys(counts).sort();
    if (this.reason && !reasons.includes(this.reason)) reasons.push(this.reason);
    select.replaceChildren(
      el('option', { value: '' }, `every reason (${count(this.total)})`),
      ...reasons.map((reason) =>
        el('option', { value: reason, selected: reason === this.reason }, `${reason} (${count(counts[reason] ?? 0)})`),
      ),
    );
    /** @type {HTMLButtonElement} */ ($('#letters-redrive')).disabled = shown === 0;
    /** @type {HTMLButtonElement} */ ($('#letters-discard')).disabled = shown === 0;
    /** @type {HTMLButtonElement} */ ($('#letters-older')).disabled = this.next === null;
    /** @type {HTMLButtonElement} */ ($('#letters-newer')).disabled = this.cursors.length < 2;
    $('#letters-info').textContent =
      shown === 0 ? '' : `${count(shown)} letter${shown === 1 ? '' : 's'}${this.reason ? ` (${this.reason})` : ''}`;
    const tbody = $('#letters tbody');
    if (page.items.length === 0) {
      tbody.replaceChildren(el('tr', { className: 'empty' }, el('td', { colSpan: 6 }, 'No dead letters: every message was handled.')));
      return;
    }
    tbody.replaceChildren(...page.items.map((letter) => this.row(letter)));
  }

  /** @param {any} letter a GET /dead-letters item */
  row(letter) {
    return el(
      'tr',
      { dataset: { letter: letter.id, reason: letter.reason } },
      el('td', {}, time(letter.dead_lettered_at)),
      el('td', {}, el('span', { className: 'status s-failed' }, letter.reason)),
      el(
        'td',
        {},
        letter.type ?? '—',
        letter.job_id &&
          el(
            'span',
            { className: 'sub' },
            letter.job_status === null
              ? `job ${shortId(letter.job_id)}`
              : el(
                  'button',
                  {
                    type: 'button',
                    className: 'link mono',
                    'aria-label': `Open job ${letter.job_id}`,
                    onclick: () => this.options.openJob(letter.job_id),
                  },
                  shortId(letter.job_id),
                ),
            letter.job_status && ` · ${letter.job_status}`,
          ),
      ),
      el('td', {}, el('span', { className: 'letter-detail', title: letter.detail }, letter.detail || '—')),
      el('td', {}, el('code', { className: 'letter-body', title: `${size(letter.body_bytes)}` }, letter.body_preview)),
      el('td', {}, el('div', { className: 'actions' }, this.buttons(letter, true))),
    );
  }

  /** @param {any} letter @param {boolean} inRow */
  buttons(letter, inRow) {
    const named = (/** @type {string} */ what) => (inRow ? `${what} dead letter ${letter.id}` : undefined);
    return [
      inRow &&
        el(
          'button',
          { type: 'button', className: 'quiet', 'aria-label': named('View'), onclick: () => void this.attempt(() => this.view(letter.id)) },
          'View',
        ),
      el(
        'button',
        {
          type: 'button',
          'aria-label': named('Redrive'),
          disabled: !letter.redrivable,
          title: letter.redrivable ? 'Run its job again, as a new series of attempts' : whyNot(letter),
          onclick: () => void this.attempt(() => this.redrive(letter)),
        },
        'Redrive',
      ),
      el(
        'button',
        {
          type: 'button',
          className: 'danger',
          'aria-label': named('Discard'),
          onclick: () => void this.attempt(() => this.discard(letter)),
        },
        'Discard',
      ),
    ];
  }

  /** Opens the letter whole: its body, headers and what is known of its job. @param {string} id */
  async view(id) {
    const letter = await this.options.api.get(`/dead-letters/${id}`);
    const body = bodyText(letter);
    $('#letter-title').textContent = `Dead letter · ${letter.reason}`;
    $('#letter-body').replaceChildren(
      el(
        'div',
        { className: 'detail', dataset: { letter: letter.id } },
        el(
          'dl',
          { className: 'facts' },
          fact('Reason', el('span', { className: 'status s-failed' }, letter.reason)),
          fact('Dead-lettered', `${exactTime(letter.dead_lettered_at)} (${relativeTime(letter.dead_lettered_at)})`),
          fact('From queue', letter.source_queue ?? '—'),
          fact('Type', letter.type ?? '—'),
          fact('Job', letter.job_id ? `${letter.job_id}${letter.job_status ? ` (${letter.job_status})` : ' (not in the store)'}` : '—'),
          fact('Size', size(letter.body_bytes)),
        ),
        el('div', { className: 'buttons' }, this.buttons(letter, false)),
        el('section', { className: 'error-box' }, el('h3', {}, 'Why'), el('p', { className: 'error' }, letter.detail || '—')),
        el(
          'section',
          { dataset: { json: 'body' } },
          el('h3', {}, 'Body'),
          body.note && el('p', { className: 'hint' }, body.note),
          letter.body_bytes > letter.body.length &&
            letter.body_encoding === 'utf8' &&
            el('p', { className: 'hint' }, `Cut at 256 KiB of ${size(letter.body_bytes)}.`),
          el('pre', { tabIndex: 0, 'aria-label': 'Body' }, body.text),
        ),
        el(
          'section',
          { dataset: { json: 'headers' } },
          el('h3', {}, 'Headers'),
          el('pre', { tabIndex: 0, 'aria-label': 'Headers' }, prettyJson(letter.headers).text),
        ),
      ),
    );
    if (!this.dialog.open) this.dialog.showModal();
  }

  /** @param {any} letter */
  async redrive(letter) {
    const answer = await this.options.api.post(`/dead-letters/${letter.id}/redrive`);
    this.options.notify(`Job ${shortId(answer.job_id)} is queued to run again.`);
    this.done();
  }

  /** @param {any} letter */
  async discard(letter) {
    if (
      !(await confirmDialog(
        'Discard this dead letter?',
        `The ${letter.reason} letter${letter.type ? ` of ${letter.type}` : ''} is deleted for good; its job, if any, stays as it is.`,
        'Discard',
      ))
    )
      return;
    await this.options.api.delete(`/dead-letters/${letter.id}`);
    this.options.notify('Dead letter discarded.');
    this.done();
  }

  async redriveAll() {
    const what = this.reason ? `${this.reason} letters` : 'dead letters';
    if (
      !(await confirmDialog(
        `Redrive the ${what}?`,
        `The failed or cancelled job of each of them runs again, as a new series of attempts; letters with no such job stay.`,
        'Redrive',
      ))
    )
      return;
    let redriven = 0;
    let skipped = 0;
    /** @type {string | undefined} */
    let cursor;
    for (let round = 0; round < MAX_BULK_ROUNDS; round += 1) {
      const answer = await this.options.api.post('/dead-letters/redrive', {
        ...(this.reason ? { reason: this.reason } : {}),
        ...(cursor ? { cursor } : {}),
      });
      redriven += answer.redriven;
      skipped += answer.skipped;
      if (answer.next_cursor === null) break;
      cursor = answer.next_cursor;
    }
    this.options.notify(
      `${count(redriven)} job${redriven === 1 ? '' : 's'} queued to run again; ${count(skipped)} letter${skipped === 1 ? '' : 's'} left (no job to run again).`,
    );
    this.done();
  }

  async discardAll() {
    const shown = this.reason ? `the ${this.reason} letters` : `all ${count(this.total)} dead letters`;
    if (
      !(await confirmDialog(
        'Discard dead letters?',
        `${shown[0].toUpperCase()}${shown.slice(1)} are deleted for good; their jobs stay as they are.`,
        'Discard',
      ))
    )
      return;
    const answer = await this.options.api.post('/dead-letters/discard', this.reason ? { reason: this.reason } : { all: true });
    this.options.notify(`${count(answer.discarded)} dead letter${answer.discarded === 1 ? '' : 's'} discarded.`);
    this.done();
  }

  done() {
    if (this.dialog.open) this.dialog.close();
    this.cursors = [undefined];
    void this.reload();
    this.options.changed();
  }
}
