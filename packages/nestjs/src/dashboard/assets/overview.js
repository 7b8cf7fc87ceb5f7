// Tiles (jobs per status, workers, outbox, durations, oldest queued job), the broker queues, the chart, and the
// per-queue and per-type tables.

import { throughputChart } from './chart.js';
import { $, el, setText } from './dom.js';
import { count, duration } from './format.js';
import { dashboardPath } from './session.js';

export const STATUSES = ['waiting', 'queued', 'scheduled', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'];

/**
 * @param {{ total: number, by_status: Record<string, number> }} stats
 * @param {string} selected the status the jobs table is filtered by, or ''
 * @param {(status: string) => void} select
 */
export function renderStatusTiles(stats, selected, select) {
  const list = $('#status-tiles');
  const tiles = [['', 'All jobs', stats.total], ...STATUSES.map((status) => [status, status, stats.by_status[status] ?? 0])];
  list.replaceChildren(
    ...tiles.map(([status, label, value]) => {
      const query = status ? `?status=${status}` : '?';
      return el(
        'li',
        {},
        el(
          'a',
          {
            className: 'tile',
            href: `${dashboardPath()}${query}#jobs`,
            'aria-current': status === selected ? 'true' : undefined,
            dataset: { status },
            onclick: (/** @type {MouseEvent} */ event) => {
              if (event.ctrlKey || event.metaKey || event.shiftKey) return;
              event.preventDefault();
              select(String(status));
            },
          },
          el('span', { className: 'label' }, label),
          el('span', { className: 'value' }, count(Number(value))),
        ),
      );
    }),
  );
}

/** @param {string} label @param {string} value @param {string} [sub] @param {string} [name] */
function tile(label, value, sub, name) {
  return el(
    'li',
    { className: 'tile', dataset: { tile: name ?? '' } },
    el('span', { className: 'label' }, label),
    el('span', { className: 'value' }, value),
    sub && el('span', { className: 'sub' }, sub),
  );
}

/**
 * @param {any} system GET /system
 * @param {any} activity GET /stats/activity
 * @param {{ items: Array<{ queue: string, paused: boolean }> } | undefined} [queues] GET /queues, for an admin key only
 * @param {(queue: string, pause: boolean) => void} [toggle] pauses or resumes a job queue
 * @param {number} [letters] dead letters stored (GET /dead-letters), for an admin key only
 */
export function renderSystem(system, activity, queues, toggle, letters) {
  const ready = system.queues.filter((q) => q.kind === 'jobs').reduce((sum, q) => sum + (q.messages ?? 0), 0);
  const oldest = activity.oldest_queued;
  const dead = letters === undefined ? 'in the broker' : letters > 0 ? `${count(letters)} dead letters` : 'no dead letters';
  $('#system-tiles').replaceChildren(
    tile('Workers online', count(system.workers_online), system.broker_connected ? 'broker connected' : 'broker unreachable', 'workers'),
    tile('Ready in queues', count(ready), dead, 'ready'),
    tile('Outbox backlog', count(system.outbox_backlog), 'awaiting the broker', 'outbox'),
    tile('Duration p50', duration(activity.duration_ms.p50), `${count(activity.duration_ms.jobs)} jobs, last hour`, 'p50'),
    tile('Duration p95', duration(activity.duration_ms.p95), 'last hour', 'p95'),
    tile('Oldest queued', oldest ? duration(oldest.age_ms) : '—', oldest ? 'waiting' : 'nothing waits', 'oldest'),
  );
  $('#queues tbody').replaceChildren(
    ...system.queues.map((q) =>
      el(
        'tr',
        { dataset: { queue: q.name } },
        el('th', { scope: 'row', title: q.broker_queue }, q.name),
        el('td', { className: 'num' }, count(q.messages)),
        el('td', { className: 'num' }, count(q.consumers)),
        ...(queues ? [queueState(q, queues, toggle)] : []),
      ),
    ),
  );
}

/**
 * A job queue's state and the button that changes it; nothing for the dead-letter and events queues.
 * @param {any} q
 * @param {{ items: Array<{ queue: string, paused: boolean }> }} queues
 * @param {((queue: string, pause: boolean) => void) | undefined} toggle
 */
function queueState(q, queues, toggle) {
  const state = q.kind === 'jobs' ? queues.items.find((item) => item.queue === q.name) : undefined;
  if (!state) return el('td', {});
  return el(
    'td',
    { className: 'queue-state' },
    el('span', { className: state.paused ? 'badge paused' : 'badge' }, state.paused ? 'paused' : 'running'),
    el(
      'button',
      {
        type: 'button',
        className: 'quiet',
        'aria-label': `${state.paused ? 'Resume' : 'Pause'} queue ${q.name}`,
        onclick: () => toggle?.(q.name, !state.paused),
      },
      state.paused ? 'Resume' : 'Pause…',
    ),
  );
}

/** @param {any} activity GET /stats/activity */
export function renderThroughput(activity) {
  $('#chart').replaceChildren(
    throughputChart(activity.minutes, $('#chart').clientWidth || undefined),
    el(
      'ul',
      { className: 'legend', 'aria-hidden': 'true' },
      el('li', {}, el('span', { className: 'swatch ok' }), 'succeeded'),
      el('li', {}, el('span', { className: 'swatch bad' }), 'failed'),
    ),
  );
  const ok = activity.minutes.reduce((sum, m) => sum + m.succeeded, 0);
  const bad = activity.minutes.reduce((sum, m) => sum + m.failed, 0);
  const last = activity.minutes[activity.minutes.length - 1];
  setText(
    $('#chart-summary'),
    `${count(ok)} succeeded and ${count(bad)} failed in the last hour; ${count(last.succeeded + last.failed)} so far this minute.`,
  );
}

/**
 * Keeps a select's options equal to `values` (after its first, "any" option), and its selection.
 * @param {HTMLSelectElement} select
 * @param {string[]} values
 * @param {(value: string) => string} [label]
 */
export function syncOptions(select, values, label = (value) => value) {
  const current = select.value;
  const wanted = [...new Set([...values, current].filter(Boolean))].sort();
  const existing = [...select.options].slice(1).map((option) => option.value);
  if (wanted.join('\n') !== existing.join('\n') || [...select.options].slice(1).some((o, i) => o.textContent !== label(wanted[i]))) {
    select.replaceChildren(select.options[0], ...wanted.map((value) => el('option', { value }, label(value))));
  }
  select.value = current;
}

/** A number cell; 0 greyed. @param {number} n */
function numberCell(n) {
  return el('td', { className: n === 0 ? 'num zero' : 'num' }, count(n));
}

/** A row heading that filters the jobs table. @param {string} name @param {string} what @param {() => void} select */
function filterHeading(name, what, select) {
  return el(
    'th',
    { scope: 'row' },
    el('button', { type: 'button', className: 'link', 'aria-label': `Show the jobs of ${what} ${name}`, onclick: select }, name),
  );
}

/**
 * The job queues with what waits, runs and finishes in each (GET /queues: every tenant's, for an admin key).
 * @param {{ items: any[] }} queues
 * @param {(queue: string) => void} select filters the jobs table by a queue
 */
export function renderQueueActivity(queues, select) {
  const tbody = $('#queue-table tbody');
  tbody.replaceChildren(
    ...queues.items.map((q) =>
      el(
        'tr',
        { dataset: { queue: q.queue } },
        filterHeading(q.queue, 'queue', () => select(q.queue)),
        numberCell(q.queued),
        numberCell(q.scheduled),
        numberCell(q.running),
        numberCell(q.retrying),
        numberCell(q.finished_per_minute),
        el('td', { className: 'num' }, q.wait_p50_ms === null ? '—' : duration(q.wait_p50_ms)),
        el('td', { className: 'num' }, q.wait_p95_ms === null ? '—' : duration(q.wait_p95_ms)),
      ),
    ),
  );
}

/**
 * Each job type's jobs by status (GET /stats), busiest first.
 * @param {{ by_type: Record<string, Record<string, number>> }} stats
 * @param {(type: string) => void} select filters the jobs table by a type
 */
export function renderTypes(stats, select) {
  const tbody = $('#types tbody');
  const types = Object.entries(stats.by_type);
  if (types.length === 0) {
    tbody.replaceChildren(el('tr', { className: 'empty' }, el('td', { colSpan: 7 }, 'No jobs yet.')));
    return;
  }
  const total = (/** @type {Record<string, number>} */ counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);
  types.sort(([a, x], [b, y]) => total(y) - total(x) || a.localeCompare(b));
  tbody.replaceChildren(
    ...types.map(([type, counts]) =>
      el(
        'tr',
        { dataset: { type } },
        filterHeading(type, 'type', () => select(type)),
        ...['waiting', 'queued', 'running', 'retrying', 'succeeded', 'failed'].map((status) => numberCell(counts[status] ?? 0)),
      ),
    ),
  );
}
