// The jobs table: one page of GET /jobs (newest first), filtered by status and type, paged by cursor, kept
// in the address bar, and updated in place by live events without reloading the page.

import { $, setText } from './dom.js';
import { count } from './format.js';
import { applyStatus, isStale } from './job-events.js';
import { createRow, updateRow } from './job-row.js';
import { dashboardPath } from './session.js';
const LIMITS = ['10', '25', '50', '100'];
/** A job new to the first page makes it reload, at most this often however many arrive. */
const REFRESH_DELAY_MS = 400;

/** @typedef {import('./job-row.js').Job} Job */

export class JobsTable {
  /**
   * @param {{ api: import('./api.js').Api, canWrite: boolean, actions: import('./job-row.js').RowActions, onFilters: (f: { status: string, type: string }) => void }} options
   */
  constructor(options) {
    this.options = options;
    this.tbody = $('#jobs-table tbody');
    this.form = /** @type {HTMLFormElement} */ ($('#filters'));
    this.filters = { status: '', type: '', queue: '', q: '', limit: '25' };
    /** Cursors of the pages before this one; this page's cursor is the last (null: the newest page). */
    this.cursors = /** @type {(string | null)[]} */ ([null]);
    this.nextCursor = /** @type {string | null} */ (null);
    /** @type {Map<string, Job>} */
    this.jobs = new Map();
    /** @type {Map<string, HTMLTableRowElement>} */
    this.rows = new Map();
    /** When each job was last changed by an event (performance.now()), to tell a stale page from a fresh one. */
    /** @type {Map<string, number>} */
    this.touched = new Map();
    this.loads = 0;
    /** @type {number | undefined} */
    this.refreshTimer = undefined;
    this.form.addEventListener('change', () => this.setFilters(Object.fromEntries(new FormData(this.form))));
    // Enter in the payload search: the same, without leaving the page.
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.setFilters(Object.fromEntries(new FormData(this.form)));
    });
    $('#older').addEventListener('click', () => this.page(+1));
    $('#newer').addEventListener('click', () => this.page(-1));
    $('#newest').addEventListener('click', () => this.page(0));
    window.addEventListener('popstate', () => this.readUrl() && void this.load());
    this.readUrl();
  }

  get onFirstPage() {
    return this.cursors.length === 1;
  }

  /** Takes the filters from the address bar; true when they changed. */
  readUrl() {
    const params = new URLSearchParams(location.search);
    const next = {
      status: params.get('status') ?? '',
      type: params.get('type') ?? '',
      queue: params.get('queue') ?? '',
      q: params.get('q') ?? '',
      limit: LIMITS.includes(params.get('limit') ?? '') ? String(params.get('limit')) : '25',
    };
    const changed = JSON.stringify(next) !== JSON.stringify(this.filters);
    this.filters = next;
    this.cursors = [null];
    for (const [name, value] of Object.entries(next)) {
      const field = /** @type {HTMLSelectElement} */ (this.form.elements.namedItem(name));
      if ((name === 'type' || name === 'queue') && value && ![...field.options].some((o) => o.value === value)) {
        field.append(new Option(value, value));
      }
      field.value = value;
    }
    this.options.onFilters(this.filters);
    return changed;
  }

  /** @param {Record<string, any>} filters */
  setFilters(filters) {
    this.filters = { ...this.filters, ...filters };
    this.cursors = [null];
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(this.filters)) if (value && !(name === 'limit' && value === '25')) params.set(name, value);
    const query = params.toString();
    history.pushState(null, '', `${dashboardPath()}${query ? `?${query}` : ''}`);
    this.readUrl();
    void this.load();
  }

  /** @param {number} direction +1 older, -1 newer, 0 the newest page */
  page(direction) {
    if (direction > 0 && this.nextCursor) this.cursors.push(this.nextCursor);
    else if (direction < 0 && this.cursors.length > 1) this.cursors.pop();
    else if (direction === 0) this.cursors = [null];
    void this.load();
  }

  /** Reads this page again; an older answer arriving after a newer one is dropped. */
  async load() {
    const load = ++this.loads;
    const params = new URLSearchParams({ limit: this.filters.limit });
    if (this.filters.status) params.set('status', this.filters.status);
    if (this.filters.type) params.set('type', this.filters.type);
    if (this.filters.queue) params.set('queue', this.filters.queue);
    if (this.filters.q) params.set('q', this.filters.q);
    const cursor = this.cursors[this.cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    const sentAt = performance.now();
    const page = await this.options.api.get(`/jobs?${params}`);
    if (load !== this.loads) return;
    this.nextCursor = page.next_cursor;
    this.render(page.items, sentAt);
  }

  /**
   * @param {Job[]} items
   * @param {number} sentAt when the page was asked for: a job an event changed since then keeps that change
   */
  render(items, sentAt) {
    const ids = new Set(items.map((job) => job.job_id));
    for (const id of [...this.rows.keys()]) {
      if (!ids.has(id)) {
        this.rows.get(id)?.remove();
        this.rows.delete(id);
        this.jobs.delete(id);
        this.touched.delete(id);
      }
    }
    const rows = items.map((job) => {
      const known = this.jobs.get(job.job_id);
      // An event applied while the page was on its way is newer than the page.
      const merged = known && (this.touched.get(job.job_id) ?? -1) > sentAt ? known : job;
      this.jobs.set(job.job_id, merged);
      let row = this.rows.get(job.job_id);
      if (row) updateRow(row, merged, this.options);
      else this.rows.set(job.job_id, (row = createRow(merged, this.options)));
      return row;
    });
    // Rows already in place are not moved, so a focused button keeps its focus.
    rows.forEach((row, i) => {
      if (this.tbody.children[i] !== row) this.tbody.insertBefore(row, this.tbody.children[i] ?? null);
    });
    for (const extra of [...this.tbody.children].slice(rows.length)) extra.remove();
    if (rows.length === 0) {
      const cell = document.createElement('td');
      cell.colSpan = 9;
      cell.textContent = 'No jobs match.';
      const empty = document.createElement('tr');
      empty.className = 'empty';
      empty.append(cell);
      this.tbody.append(empty);
    }
    this.renderPager(items.length);
  }

  /** @param {number} shown */
  renderPager(shown) {
    const { status, type } = this.filters;
    const what = [status, type].filter(Boolean).join(' ');
    setText(
      $('#page-info'),
      `Page ${this.cursors.length} · ${count(shown)} ${what ? `${what} ` : ''}job${shown === 1 ? '' : 's'}, newest first`,
    );
    $('#newer').disabled = this.onFirstPage;
    $('#newest').disabled = this.onFirstPage;
    $('#older').disabled = !this.nextCursor;
  }

  /** Updates the times of the rows shown (relative creation times, running durations). */
  tick() {
    const now = Date.now();
    for (const [id, row] of this.rows) updateRow(row, /** @type {Job} */ (this.jobs.get(id)), this.options, now);
  }

  /** @param {Job} job a job as GET /jobs/:id answers it */
  replace(job) {
    const row = this.rows.get(job.job_id);
    if (!row) return;
    this.jobs.set(job.job_id, job);
    this.touched.set(job.job_id, performance.now());
    updateRow(row, job, this.options);
  }

  /** @param {import('./live.js').LiveEvent} live */
  onEvent({ event, data }) {
    const job = this.jobs.get(data.job_id);
    if (!job) {
      if (this.onFirstPage && this.matches(event, data)) this.refreshSoon();
      return;
    }
    if (isStale(job, event, data)) return;
    if (event === 'progress') job.progress = data.progress;
    else if (event === 'status') applyStatus(job, data);
    else return;
    this.touched.set(data.job_id, performance.now());
    updateRow(/** @type {HTMLTableRowElement} */ (this.rows.get(data.job_id)), job, this.options);
  }

  /** @param {string} event @param {any} data */
  matches(event, data) {
    const { status, type } = this.filters;
    if (type && data.type !== type) return false;
    return !status || (event === 'status' ? data.status === status : status === 'running');
  }

  refreshSoon() {
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = undefined;
      this.load().catch(() => undefined);
    }, REFRESH_DELAY_MS);
  }
}
