// A flow's graph drawn as SVG: its jobs in columns by depth (a job stands right of all its parents), each
// coloured by its status, edges from parent to child styled by the child's policy for that parent's failure
// (solid: fail, dashed: continue, dotted: ignore). A job opens at a click, or Enter.

import { svg } from './dom.js';

const NODE = { width: 156, height: 44 };
const GAP = { x: 56, y: 14 };
const PAD = 8;

/**
 * Each job's depth: 0 without parents, else one more than its deepest parent. Flows are acyclic (the api refuses
 * cycles), so the walk ends; a parent missing from the graph (purged) counts as depth 0.
 * @param {Array<{ key: string, parents: Array<{ key: string }> }>} nodes
 * @returns {Map<string, number>}
 */
export function depths(nodes) {
  const byKey = new Map(nodes.map((node) => [node.key, node]));
  /** @type {Map<string, number>} */
  const depth = new Map();
  /** @param {string} key @returns {number} */
  const of = (key) => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    const node = byKey.get(key);
    const parents = node ? node.parents.filter((parent) => byKey.has(parent.key)) : [];
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => of(parent.key)));
    depth.set(key, value);
    return value;
  };
  for (const node of nodes) of(node.key);
  return depth;
}

/** @param {string} text @param {number} max */
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * @param {{ nodes: any[] }} flow GET /flows/:id
 * @param {{ current?: string, open: (jobId: string) => void }} options the job shown (outlined), and how to open one
 * @returns {SVGSVGElement}
 */
export function flowGraph(flow, { current, open }) {
  const depth = depths(flow.nodes);
  /** @type {any[][]} */
  const columns = [];
  for (const node of flow.nodes) (columns[depth.get(node.key) ?? 0] ??= []).push(node);
  /** @type {Map<string, { x: number, y: number }>} */
  const at = new Map();
  columns.forEach((column, c) =>
    column.forEach((node, r) => at.set(node.key, { x: PAD + c * (NODE.width + GAP.x), y: PAD + r * (NODE.height + GAP.y) })),
  );
  const rows = Math.max(...columns.map((column) => column.length));
  const width = PAD * 2 + columns.length * NODE.width + (columns.length - 1) * GAP.x;
  const height = PAD * 2 + rows * NODE.height + (rows - 1) * GAP.y;

  const edges = flow.nodes.flatMap((node) =>
    node.parents
      .filter((/** @type {{ key: string }} */ parent) => at.has(parent.key))
      .map((/** @type {{ key: string, on_failure: string }} */ parent) => {
        const from = /** @type {{ x: number, y: number }} */ (at.get(parent.key));
        const to = /** @type {{ x: number, y: number }} */ (at.get(node.key));
        const x1 = from.x + NODE.width;
        const y1 = from.y + NODE.height / 2;
        const x2 = to.x - 4;
        const y2 = to.y + NODE.height / 2;
        const bend = (x2 - x1) / 2;
        return svg(
          'path',
          {
            class: `edge p-${parent.on_failure}`,
            d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
            'marker-end': 'url(#flow-arrow)',
            'data-edge': `${parent.key}->${node.key}`,
          },
          svg('title', {}, `${node.key} after ${parent.key} (if it does not succeed: ${parent.on_failure})`),
        );
      }),
  );

  const boxes = flow.nodes.map((node) => {
    const { x, y } = /** @type {{ x: number, y: number }} */ (at.get(node.key));
    const label = `${node.key}: ${node.type}, ${node.status}${node.error ? ` (${node.error.code})` : ''}`;
    const group = svg(
      'g',
      {
        class: `node s-${node.status}${node.job_id === current ? ' current' : ''}`,
        transform: `translate(${x},${y})`,
        tabindex: 0,
        role: 'button',
        'aria-label': `Open job ${label}`,
        'data-key': node.key,
        'data-status': node.status,
      },
      svg('title', {}, `${label}${node.error ? `: ${node.error.message}` : ''}`),
      svg('rect', { width: NODE.width, height: NODE.height, rx: 6 }),
      svg('text', { x: 10, y: 18, class: 'key' }, clip(node.key, 20)),
      svg('text', { x: 10, y: 34, class: 'what' }, clip(`${node.status} · ${node.type}`, 24)),
    );
    group.addEventListener('click', () => open(node.job_id));
    group.addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open(node.job_id);
      }
    });
    return group;
  });

  return svg(
    'svg',
    {
      class: 'flow-graph',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'group',
      'aria-label': `Flow of ${flow.nodes.length} jobs`,
    },
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'flow-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 8, markerHeight: 8, orient: 'auto' },
        svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }),
      ),
    ),
    edges,
    boxes,
  );
}
