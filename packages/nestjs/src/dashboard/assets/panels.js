// The workers, schedules and groups panels.

import { $, el } from './dom.js';
import { exactTime, relativeTime } from './format.js';

/** A time as people read it, exact on hover. @param {string} at */
export function time(at) {
  return el('time', { dateTime: at, title: exactTime(at) }, relativeTime(at));
}

/** @param {HTMLElement} tbody @param {number} columns @param {string} text */
function empty(tbody, columns, text) {
  tbody.replaceChildren(el('tr', { className: 'empty' }, el('td', { colSpan: columns }, text)));
}

/** @param {any[]} workers GET /workers items */
export function renderWorkers(workers) {
  const tbody = $('#workers tbody');
  if (workers.length === 0) return empty(tbody, 5, 'No worker has sent a heartbeat lately.');
  tbody.replaceChildren(
    ...workers.map((w) =>
      el(
        'tr',
        { dataset: { worker: w.id } },
        el('th', { scope: 'row', className: 'mono', title: `${w.host}, pid ${w.pid}` }, w.id),
        el('td', {}, w.queues.join(', ')),
        el(
          'td',
          {},
          el('meter', { min: 0, max: w.concurrency, value: w.in_flight, 'aria-label': `${w.in_flight} of ${w.concurrency} slots busy` }),
          ` ${w.in_flight} / ${w.concurrency}`,
        ),
        el('td', {}, time(w.started_at)),
        el('td', {}, time(w.last_seen)),
      ),
    ),
  );
}

/**
 * @param {any[]} schedules GET /schedules items
 * @param {((name: string, what: 'pause' | 'resume' | 'run') => void) | undefined} act for write keys: the buttons' action
 */
export function renderSchedules(schedules, act) {
  const tbody = $('#schedules tbody');
  if (schedules.length === 0) return empty(tbody, act ? 6 : 5, 'No schedules.');
  /** @param {string} name @param {'pause' | 'resume' | 'run'} what @param {string} label */
  const button = (name, what, label) =>
    el(
      'button',
      {
        type: 'button',
        className: what === 'run' ? '' : 'quiet',
        'aria-label': `${label} schedule ${name}`,
        onclick: () => act?.(name, what),
      },
      label,
    );
  tbody.replaceChildren(
    ...schedules.map((s) =>
      el(
        'tr',
        { dataset: { schedule: s.name } },
        el('th', { scope: 'row' }, s.name, s.paused ? el('span', { className: 'status s-cancelled' }, 'paused') : null),
        el('td', {}, el('code', {}, s.cron), ` ${s.timezone}`),
        el('td', {}, s.type),
        el('td', {}, s.next_run_at ? time(s.next_run_at) : '—'),
        el('td', {}, s.last_run_at ? time(s.last_run_at) : 'never'),
        act &&
          el(
            'td',
            {},
            el(
              'div',
              { className: 'actions' },
              s.paused ? button(s.name, 'resume', 'Resume') : button(s.name, 'pause', 'Pause'),
              button(s.name, 'run', 'Run now'),
            ),
          ),
      ),
    ),
  );
}

/** A group's limits in a few words. @param {any} g a GET /groups item */
function limits(g) {
  const parts = [];
  if (g.fifo) parts.push('one at a time, in order');
  else if (g.concurrency !== null) parts.push(`${g.concurrency} at once`);
  if (g.rate)
    parts.push(
      `${g.rate.limit} per ${g.rate.per_ms >= 60_000 && g.rate.per_ms % 60_000 === 0 ? `${g.rate.per_ms / 60_000} min` : `${g.rate.per_ms / 1000} s`}`,
    );
  return parts.length > 0 ? parts.join(', ') : 'turns only';
}

/** @param {any[]} groups GET /groups items */
export function renderGroups(groups) {
  const tbody = $('#groups tbody');
  if (groups.length === 0) return empty(tbody, 5, 'No groups: jobs join one through their type’s group or the dispatch’s.');
  tbody.replaceChildren(
    ...groups.map((g) =>
      el(
        'tr',
        { dataset: { group: `${g.queue}/${g.key}` } },
        el('th', { scope: 'row', className: 'mono' }, g.key),
        el('td', {}, g.queue),
        el('td', { className: 'num' }, String(g.waiting)),
        el('td', { className: 'num' }, g.concurrency === null ? String(g.active) : `${g.active} / ${g.concurrency}`),
        el('td', {}, limits(g)),
      ),
    ),
  );
}
