// Starts the dashboard: the API key first, then the overview, the jobs table, the panels and the live feed.

import { createActions } from './actions.js';
import { createApi } from './api.js';
import { DeadLetters } from './dead-letters.js';
import { $ } from './dom.js';
import { count, isJobId } from './format.js';
import { JobDetail } from './job-detail.js';
import { JobsTable } from './jobs-table.js';
import { LiveFeed } from './live.js';
import { renderQueueActivity, renderStatusTiles, renderSystem, renderThroughput, renderTypes, syncOptions } from './overview.js';
import { renderGroups, renderSchedules, renderWorkers } from './panels.js';
import { dashboardPath, forgetKey, keysRequired, storeKey, storedKey } from './session.js';

const OVERVIEW_EVERY_MS = 5_000;
const PANELS_EVERY_MS = 10_000;
/** The page is reread this often while events stream (they have no replay), and more often without them. */
const TABLE_EVERY_MS = { live: 15_000, polling: 3_000 };
const TIMES_EVERY_MS = 5_000;

let started = false;
const api = createApi(storedKey, () => {
  if (started) signOut('The api no longer accepts this key. Enter another one.');
});

/** @param {string} text @param {boolean} [error] */
function notify(text, error = false) {
  const notice = $('#notice');
  notice.textContent = text;
  notice.className = error ? 'notice error' : 'notice';
  notice.setAttribute('role', error ? 'alert' : 'status');
  notice.hidden = false;
}

/** @param {string} [message] */
function askForKey(message = '') {
  $('#app').hidden = true;
  $('#sign-in').hidden = false;
  $('#key-error').textContent = message;
  $('#key').focus();
}

/** @param {string} message */
function signOut(message) {
  forgetKey();
  // A fresh page: no timer, stream or table of the old key survives.
  sessionStorage.setItem('cask.dashboard.message', message);
  location.assign(dashboardPath());
}

function init() {
  $('#key-form').addEventListener('submit', (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    storeKey(/** @type {HTMLInputElement} */ ($('#key')).value.trim());
    void connect();
  });
  $('#sign-out').addEventListener('click', () => signOut(''));
  const message = sessionStorage.getItem('cask.dashboard.message') ?? '';
  sessionStorage.removeItem('cask.dashboard.message');
  if (keysRequired() && !storedKey()) askForKey(message);
  else void connect();
}

/** Learns who the key is, then starts the page; asks for another key when the api refuses it. */
async function connect() {
  let me;
  try {
    me = await api.get('/auth/whoami');
  } catch (err) {
    if (/** @type {any} */ (err).status !== 401)
      return notify(`The dashboard cannot start: ${/** @type {Error} */ (err).message}. Reload to try again.`, true);
    forgetKey();
    return askForKey('The api did not accept that key.');
  }
  if (started) return;
  started = true;
  start(me);
}

/**
 * Runs `work` every `everyMs`, or less often when the api is slow: a tab never keeps the api busier than
 * a twentieth of the time (GET /stats counts every job of the tenant).
 * @param {() => Promise<unknown>} work
 * @param {number} everyMs
 * @param {(work: Promise<unknown>) => Promise<unknown>} guard
 */
function repeat(work, everyMs, guard) {
  const next = async () => {
    const started = performance.now();
    await guard(work());
    window.setTimeout(next, Math.max(everyMs, 20 * (performance.now() - started)));
  };
  window.setTimeout(next, everyMs);
}

/** @param {{ tenant: string, scope: string, keys_required: boolean }} me */
function start(me) {
  const canWrite = me.scope === 'write' || me.scope === 'admin';
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  $('#who').hidden = false;
  $('#tenant').textContent = me.tenant;
  $('#scope').textContent = me.scope;
  $('#sign-out').hidden = !me.keys_required;
  for (const node of document.querySelectorAll('[data-needs-write]')) /** @type {HTMLElement} */ (node).hidden = !canWrite;
  // Queues are shared by every tenant: only an admin key (or an api without keys) sees and changes them.
  const canAdmin = me.scope === 'admin' || !me.keys_required;
  for (const node of document.querySelectorAll('[data-needs-admin]')) /** @type {HTMLElement} */ (node).hidden = !canAdmin;

  let stats = { total: 0, by_status: {}, by_type: {} };
  let filters = { status: '', type: '' };
  const refreshJob = (/** @type {string | undefined} */ id) => {
    if (id)
      api.get(`/jobs/${id}`).then(
        (job) => table.replace(job),
        () => undefined,
      );
    else void table.load();
    void refreshOverview();
  };
  const actions = createActions({ api, notify, changed: refreshJob, panelsChanged: () => void refreshPanels().catch(() => undefined) });
  const detail = new JobDetail({ api, canWrite, retry: actions.retry, cancel: actions.cancel, onLoaded: (job) => table.replace(job) });
  const open = (/** @type {string} */ id) =>
    detail.open(id).catch((/** @type {any} */ err) => notify(err.status === 404 ? `No job ${id} in this tenant.` : err.message, true));
  /** A status tile chosen: the table shows that status, and the focus moves to it. @param {string} status */
  function selectStatus(status) {
    table.setFilters({ status });
    $('#jobs-title').focus();
  }
  /** The jobs table narrowed to a type or a queue (every other filter let go), the focus on it. @param {Record<string, string>} filter */
  function showJobs(filter) {
    table.setFilters({ status: '', type: '', queue: '', q: '', ...filter });
    $('#jobs-title').focus();
  }
  const table = new JobsTable({
    api,
    canWrite,
    actions: { retry: actions.retry, cancel: actions.cancel, open },
    onFilters: (next) => {
      filters = next;
      renderStatusTiles(stats, filters.status, selectStatus);
    },
  });

  // Dead letters may hold any tenant's jobs: an admin's, like the queues.
  const letters = canAdmin
    ? new DeadLetters({ api, notify, openJob: (id) => void open(id), changed: () => refreshJob(undefined) })
    : undefined;

  async function refreshOverview() {
    const [nextStats, system, activity, queues, letterCounts] = await Promise.all([
      api.get('/stats'),
      api.get('/system'),
      api.get('/stats/activity'),
      canAdmin ? api.get('/queues') : undefined,
      canAdmin ? api.get('/dead-letters?limit=1') : undefined,
    ]);
    stats = nextStats;
    renderStatusTiles(stats, filters.status, selectStatus);
    const lettersStored =
      letterCounts && Object.values(letterCounts.counts).reduce((/** @type {number} */ sum, /** @type {number} */ n) => sum + n, 0);
    renderSystem(system, activity, queues, actions.toggleQueue, lettersStored);
    renderThroughput(activity);
    renderTypes(stats, (type) => showJobs({ type }));
    if (queues) renderQueueActivity(queues, (queue) => showJobs({ queue }));
    const types = Object.keys(stats.by_type);
    syncOptions(/** @type {HTMLSelectElement} */ ($('#filters select[name="type"]')), types);
    syncOptions(
      /** @type {HTMLSelectElement} */ ($('#filters select[name="queue"]')),
      system.queues.filter((/** @type {{ kind: string }} */ q) => q.kind === 'jobs').map((/** @type {{ name: string }} */ q) => q.name),
    );
    const failedTypes = types.filter((type) => stats.by_type[type].failed > 0);
    syncOptions(
      /** @type {HTMLSelectElement} */ ($('#bulk-retry select[name="type"]')),
      failedTypes,
      (type) => `${type} (${count(stats.by_type[type].failed)})`,
    );
  }
  async function refreshPanels() {
    const [workers, schedules, groups] = await Promise.all([api.get('/workers'), api.get('/schedules'), api.get('/groups?limit=50')]);
    renderWorkers(workers.items);
    renderSchedules(schedules.items, canWrite ? actions.schedule : undefined);
    renderGroups(groups.items);
    await letters?.load();
  }

  $('#search').addEventListener('submit', (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const id = /** @type {HTMLInputElement} */ ($('#job-id')).value.trim();
    if (isJobId(id)) void open(id.toLowerCase());
    else notify('A job id is a UUID, like 01a223ac-1aa4-737c-872e-138b48a9009b.', true);
  });
  $('#bulk-retry').addEventListener('submit', (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const type = /** @type {HTMLSelectElement} */ ($('#bulk-retry select[name="type"]')).value;
    const failed = type ? (stats.by_type[type]?.failed ?? 0) : (stats.by_status.failed ?? 0);
    void actions.bulkRetry(type, failed);
  });

  let tableTimer = 0;
  const pollTable = (/** @type {number} */ every) => {
    clearInterval(tableTimer);
    tableTimer = window.setInterval(() => table.load().catch(() => undefined), every);
  };
  const live = new LiveFeed(api, {
    onEvent: (event) => {
      table.onEvent(event);
      detail.onEvent(event);
    },
    onMode: (mode) => {
      const label = { connecting: 'Connecting…', live: 'Live', polling: 'Polling (live updates unavailable)', off: 'Not connected' }[mode];
      const indicator = $('#live');
      if (indicator.dataset.mode === mode) return;
      indicator.dataset.mode = mode;
      indicator.textContent = label;
      if (mode === 'live') {
        // Events have no replay: whatever happened before the stream opened comes from the list.
        table.load().catch(() => undefined);
        pollTable(TABLE_EVERY_MS.live);
      } else if (mode === 'polling') {
        pollTable(TABLE_EVERY_MS.polling);
      }
    },
  });

  const failSoftly = (/** @type {Promise<unknown>} */ work) => work.catch((err) => notify(`Could not refresh: ${err.message}`, true));
  void failSoftly(table.load());
  void failSoftly(refreshOverview());
  void failSoftly(refreshPanels());
  live.start();
  repeat(refreshOverview, OVERVIEW_EVERY_MS, failSoftly);
  repeat(refreshPanels, PANELS_EVERY_MS, failSoftly);
  window.setInterval(() => table.tick(), TIMES_EVERY_MS);
}

init();
