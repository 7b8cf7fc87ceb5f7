import { pathToFileURL } from 'node:url';
import type * as VegaModule from 'vega';
import type * as VegaLiteModule from 'vega-lite' with { 'resolution-mode': 'import' };
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import type { BenchOptions } from '../support/bench-options';
import type { SummaryRow } from './summary';

/** The figures of one run, as SVG documents; a figure with nothing to show is left out. */
export interface Figures {
  drain?: string;
  latency?: string;
}

const ONE_BY_ONE = 'one by one';
const BULK = 'bulk';
const COLOURS = { [ONE_BY_ONE]: '#4c78a8', [BULK]: '#f58518', p50: '#4c78a8', p95: '#54a24b', p99: '#e45756' };
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** Room for the longest contender title on the left. */
const LABEL_LIMIT = 380;
const WIDTH = 560;

const CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 12, titleFontSize: 12, labelLimit: LABEL_LIMIT },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom' as const },
  title: { fontSize: 14, anchor: 'start' as const, subtitleFontSize: 11, subtitleColor: '#555' },
  view: { stroke: null },
};

/** A bulk row's id is its contender's with this suffix (see summary.ts). */
const BULK_SUFFIX = '-bulk';

/** Drain jobs/s per contender, one bar per way of dispatching; the bulk bar names its call. */
export function drainSpec(rows: readonly SummaryRow[], options: BenchOptions): TopLevelSpec | undefined {
  const titles = new Map(rows.map((r) => [r.id, r.title]));
  const data = rows.flatMap((row) => {
    const drain = row.drainJobsPerSecond;
    if (!drain) return [];
    const bulk = row.id.endsWith(BULK_SUFFIX);
    const contender = bulk ? (titles.get(row.id.slice(0, -BULK_SUFFIX.length)) ?? row.title) : row.title;
    // The bulk row's title is "<contender>, <call> of <n>": the call goes on its bar.
    const call = bulk ? row.title.slice(contender.length + 2) : '';
    return [
      {
        contender,
        way: bulk ? BULK : ONE_BY_ONE,
        value: drain.median,
        min: drain.min,
        max: drain.max,
        label: bulk ? `${integer.format(drain.median)}  (${call})` : integer.format(drain.median),
      },
    ];
  });
  if (data.length === 0) return undefined;
  const top = Math.max(...data.map((d) => d.max));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Drain jobs/s per contender (higher is better)',
      subtitle: `${options.drainJobs.toLocaleString('en-US')}-job backlog; median of ${options.runs} run(s), the thin line spans min–max`,
    },
    width: WIDTH,
    config: CONFIG,
    data: { values: data },
    encoding: {
      y: { field: 'contender', type: 'nominal', sort: null, title: null },
      yOffset: { field: 'way', type: 'nominal', sort: [ONE_BY_ONE, BULK] },
    },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.45 } },
        encoding: {
          x: {
            field: 'value',
            type: 'quantitative',
            title: 'jobs/s, from first dispatch to last result visible',
            // Room for the value and the bulk call at the end of the longest bar.
            scale: { domainMax: top * 1.3 },
            axis: { format: ',d' },
          },
          color: {
            field: 'way',
            type: 'nominal',
            title: 'Dispatch',
            scale: { domain: [ONE_BY_ONE, BULK], range: [COLOURS[ONE_BY_ONE], COLOURS[BULK]] },
          },
        },
      },
      { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#222' },
        encoding: { x: { field: 'max', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

/** p50, p95 and p99 per contender at the fixed offered rate, on a log scale; a saturated contender is starred. */
export function latencySpec(rows: readonly SummaryRow[], options: BenchOptions): TopLevelSpec | undefined {
  const data = rows.flatMap((row) => {
    if (!row.p50 || !row.p95 || !row.p99) return [];
    const contender = row.saturated ? `${row.title} *` : row.title;
    return [
      { contender, percentile: 'p50', ms: row.p50.median, low: row.p50.median, high: row.p99.median },
      { contender, percentile: 'p95', ms: row.p95.median },
      {
        contender,
        percentile: 'p99',
        ms: row.p99.median,
        label: `${row.p99.median < 10 ? row.p99.median.toFixed(1) : integer.format(row.p99.median)} ms`,
      },
    ];
  });
  if (data.length === 0) return undefined;
  const saturated = rows.some((r) => r.saturated && r.p50);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Latency from intended dispatch to result visible (lower is better)',
      subtitle:
        `${options.rate.toLocaleString('en-US')} jobs/s offered for ${options.latencySeconds} s; median of ${options.runs} run(s); log scale` +
        (saturated ? '; * could not keep up with the offered rate: its queue grew all along' : ''),
    },
    width: WIDTH,
    height: { step: 26 },
    config: CONFIG,
    data: { values: data },
    encoding: { y: { field: 'contender', type: 'nominal', sort: null, title: null } },
    layer: [
      {
        transform: [{ filter: 'datum.percentile === "p50"' }],
        mark: { type: 'rule', color: '#999', strokeWidth: 2 },
        encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } },
      },
      {
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log scale)', axis: { format: '~s' } },
          color: {
            field: 'percentile',
            type: 'nominal',
            title: 'Percentile',
            scale: { domain: ['p50', 'p95', 'p99'], range: [COLOURS.p50, COLOURS.p95, COLOURS.p99] },
          },
          shape: {
            field: 'percentile',
            type: 'nominal',
            scale: { domain: ['p50', 'p95', 'p99'], range: ['circle', 'square', 'triangle-up'] },
          },
        },
      },
      {
        transform: [{ filter: 'datum.percentile === "p99"' }],
        mark: { type: 'text', align: 'left', dx: 8, fontSize: 11, color: '#222' },
        encoding: { x: { field: 'ms', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Node's own import(). TypeScript's CommonJS output turns `import()` into `require()`, which cannot load
 * vega: one of its ES modules (vega-canvas) holds a top-level await. Paths are resolved here, so the
 * working directory does not matter.
 */
const nativeImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
const load = async <T>(name: string): Promise<T> => (await nativeImport(pathToFileURL(require.resolve(name)).href)) as T;

/** Renders Vega-Lite specs to SVG in Node: vega's headless view, no browser and no canvas. */
async function toSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await load<typeof VegaModule>('vega');
  const vegaLite = await load<typeof VegaLiteModule>('vega-lite');
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Both figures of a run. */
export async function renderFigures(rows: readonly SummaryRow[], options: BenchOptions): Promise<Figures> {
  const drain = drainSpec(rows, options);
  const latency = latencySpec(rows, options);
  return { drain: drain && (await toSvg(drain)), latency: latency && (await toSvg(latency)) };
}
