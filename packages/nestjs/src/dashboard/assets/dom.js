// Builds elements without ever parsing HTML: the page's CSP (Trusted Types) refuses innerHTML anyway, and
// job payloads, errors and names are always text to it.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An element with properties, attributes and children: el('td', { className: 'num' }, '3').
 * Keys starting with "on" add listeners; `dataset` fills data-* attributes; names with a dash, and
 * anything the element has no property for, become attributes.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children strings, numbers, nodes, arrays of them; null and false are skipped
 * @returns {any}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key.includes('-') || !(key in node)) node.setAttribute(key, value === true ? '' : String(value));
    else node[key] = value;
  }
  append(node, children);
  return node;
}

/**
 * An SVG element; every property is an attribute.
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {...any} children
 * @returns {any}
 */
export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
}

/**
 * Sets a node's text only when it changed, so that live updates of a large table cost nothing for the
 * cells that stay the same.
 * @param {Node} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** @param {string} selector @returns {any} */
export function $(selector) {
  const node = document.querySelector(selector);
  if (!node) throw new Error(`The page has no ${selector}`);
  return node;
}
