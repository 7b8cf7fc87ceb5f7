// The throughput chart: succeeded and failed jobs per minute for the last hour, as stacked SVG bars.

import { svg } from './dom.js';
import { clockTime, count } from './format.js';

/** The width drawn when the chart's box has none yet. */
const DEFAULT_WIDTH = 720;
const HEIGHT = 190;
/** Below this width a tick every 30 minutes, so the times do not run into each other. */
const NARROW = 480;
const PAD = { top: 10, right: 8, bottom: 22, left: 40 };

/** The smallest of 1, 2, 5 × 10^k at least `n`, so the axis reads in round numbers. @param {number} n */
function roundUp(n) {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((step) => step * power).find((value) => value >= n) ?? 10 * power;
}

/**
 * Drawn at the width of its box (`boxWidth` CSS pixels), so its labels keep their size on a narrow screen
 * instead of shrinking with the whole picture.
 *
 * @param {{ at: string, succeeded: number, failed: number }[]} minutes oldest first
 * @param {number} [boxWidth]
 * @returns {SVGSVGElement}
 */
export function throughputChart(minutes, boxWidth = DEFAULT_WIDTH) {
  const width = Math.max(240, Math.round(boxWidth));
  const every = width < NARROW ? 30 : 15;
  const top = roundUp(Math.max(0, ...minutes.map((m) => m.succeeded + m.failed)));
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / Math.max(1, minutes.length);
  const y = (value) => PAD.top + plotHeight - (value / top) * plotHeight;
  const totals = minutes.reduce((sum, m) => ({ ok: sum.ok + m.succeeded, bad: sum.bad + m.failed }), { ok: 0, bad: 0 });
  const label = `Jobs finished per minute over the last hour: ${count(totals.ok)} succeeded, ${count(totals.bad)} failed`;

  const grid = [0, top / 2, top].map((value) =>
    svg(
      'g',
      {},
      svg('line', { class: 'grid', x1: PAD.left, x2: width - PAD.right, y1: y(value), y2: y(value) }),
      svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, count(value)),
    ),
  );
  const bars = minutes.map((m, i) => {
    const x = PAD.left + i * step + step * 0.1;
    const width = step * 0.8;
    return svg(
      'g',
      {},
      svg('title', {}, `${clockTime(m.at)}: ${count(m.succeeded)} succeeded, ${count(m.failed)} failed`),
      // A transparent hit area, so the tooltip works on empty minutes too.
      svg('rect', { x: PAD.left + i * step, y: PAD.top, width: step, height: plotHeight, 'fill-opacity': 0 }),
      m.succeeded > 0 && svg('rect', { class: 'ok', x, width, y: y(m.succeeded), height: y(0) - y(m.succeeded) }),
      m.failed > 0 &&
        svg('rect', { class: 'bad', x, width, y: y(m.succeeded + m.failed), height: y(m.succeeded) - y(m.succeeded + m.failed) }),
    );
  });
  const ticks = minutes
    .map((m, i) => ({ m, i }))
    // The last tick is "now"; one that would crowd it is left out.
    .filter(({ i }) => (i % every === 0 && minutes.length - 1 - i >= every / 2) || i === minutes.length - 1)
    .map(({ m, i }) =>
      svg(
        'text',
        { x: PAD.left + i * step + step / 2, y: HEIGHT - 6, 'text-anchor': 'middle' },
        i === minutes.length - 1 ? 'now' : clockTime(m.at),
      ),
    );

  return svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-label': label }, ...grid, ...bars, ...ticks);
}
