// How numbers, times, durations and JSON read on the page.

const numbers = new Intl.NumberFormat('en');
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Bytes of JSON shown in the job detail; the rest is left out, with a note. */
export const JSON_SHOWN_BYTES = 20 * 1024;

/** @param {number | null | undefined} n */
export function count(n) {
  return n === null || n === undefined ? '—' : numbers.format(n);
}

/** @param {string | number} at an ISO-8601 time or epoch ms */
export function exactTime(at) {
  return exact.format(new Date(at));
}

/** @param {string | number} at */
export function clockTime(at) {
  return clock.format(new Date(at));
}

/**
 * "12 s ago", "5 min ago", "in 3 h".
 * @param {string | number} at
 * @param {number} [now]
 */
export function relativeTime(at, now = Date.now()) {
  const ms = now - new Date(at).getTime();
  const text = span(Math.abs(ms));
  if (text === null) return 'just now';
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

function span(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 2) return null;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/**
 * "850 ms", "12.3 s", "4 min 12 s", "2 h 5 min".
 * @param {number | null | undefined} ms
 */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** @param {number} bytes */
export function size(bytes) {
  return bytes < 1024 ? `${bytes} bytes` : `${numbers.format(Math.round(bytes / 1024))} KB`;
}

/**
 * JSON indented for reading, at most {@link JSON_SHOWN_BYTES}: a large payload never freezes the page.
 * @param {unknown} value
 * @returns {{ text: string, bytes: number, truncated: boolean }}
 */
export function prettyJson(value, limit = JSON_SHOWN_BYTES) {
  const full = JSON.stringify(value, null, 2) ?? 'null';
  const bytes = new TextEncoder().encode(full).length;
  if (bytes <= limit) return { text: full, bytes, truncated: false };
  // Characters, not bytes, are cut: close enough, and never splits a character.
  return { text: `${full.slice(0, limit)}\n…`, bytes, truncated: true };
}

/**
 * A job's progress in a few characters: "40%" for a number, compact JSON for an object.
 * @param {unknown} progress
 */
export function progressText(progress) {
  if (progress === null || progress === undefined) return '';
  if (typeof progress === 'number') return `${Math.round(progress)}%`;
  const text = JSON.stringify(progress);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** "01a223ac…9009b": enough to tell jobs apart in a table. @param {string} id */
export function shortId(id) {
  return `${id.slice(0, 8)}…${id.slice(-5)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @param {string} text */
export function isJobId(text) {
  return UUID.test(text);
}
