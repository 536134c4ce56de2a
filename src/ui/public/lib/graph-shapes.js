// How each kind of node looks in the graph: its text, size and SVG shape, and the edge curve.
import { formatDuration } from './format.js';
import { s } from './dom.js';

const FONT = '12.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
export const BOLD = `600 ${FONT}`;
export const SMALL = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
export const LABEL_MAX = 230;

const ctx = document.createElement('canvas').getContext('2d');
export function textWidth(text, font) {
  ctx.font = font;
  return ctx.measureText(text).width;
}

/** Cuts `text` to `max` pixels with an ellipsis. */
function fit(text, font, max = LABEL_MAX) {
  if (textWidth(text, font) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${text.slice(0, mid)}…`, font) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** What each node shows: title, sub line and size. */
export function describe(node) {
  if (node.kind === 'execution') {
    const e = node.data;
    const sub = [e.state, formatDuration(e.durationMs), e.attempt > 1 ? `attempt ${e.attempt}` : null]
      .filter(Boolean)
      .join(' · ');
    return { title: e.activityType, sub, height: 48, pad: 30 };
  }
  if (node.kind === 'artifact') {
    const a = node.data;
    return { title: a.label, sub: a.type, height: 40, pad: 36 };
  }
  const run = node.run;
  const sub = `child run · ${node.steps} step${node.steps === 1 ? '' : 's'}${run?.status ? ` · ${run.status}` : ''}`;
  return { title: run?.workflowType ?? node.path, sub, height: 54, pad: 56 };
}

/** d3's curveBasis: a smooth path through dagre's edge points. */
export function basis(points) {
  const [first, ...rest] = points;
  let d = `M${first.x},${first.y}`;
  if (rest.length === 1) return `${d}L${rest[0].x},${rest[0].y}`;
  let [x0, y0, x1, y1] = [first.x, first.y, first.x, first.y];
  let n = 1;
  const bezier = (x, y) =>
    `C${(2 * x0 + x1) / 3},${(2 * y0 + y1) / 3} ${(x0 + 2 * x1) / 3},${(y0 + 2 * y1) / 3} ${(x0 + 4 * x1 + x) / 6},${(y0 + 4 * y1 + y) / 6}`;
  for (const { x, y } of rest) {
    if (n === 1) n = 2;
    else {
      if (n === 2) {
        d += `L${(5 * x0 + x1) / 6},${(5 * y0 + y1) / 6}`;
        n = 3;
      }
      d += bezier(x, y);
    }
    [x0, y0, x1, y1] = [x1, y1, x, y];
  }
  if (n === 3) d += bezier(x1, y1);
  return `${d}L${x1},${y1}`;
}

export function nodeShape(node, box, look) {
  const { width: w, height: h } = box;
  const title = fit(look.title, BOLD, w - look.pad);
  const sub = fit(look.sub, SMALL, w - look.pad);
  if (node.kind === 'execution') {
    return [
      s('rect', { class: 'shape', width: w, height: h, rx: 7 }),
      s('path', { class: 'band', d: `M7,0 V${h} H7 A7,7 0 0 1 0,${h - 7} V7 A7,7 0 0 1 7,0 Z` }),
      s('text', { x: 18, y: 20, class: 'title' }, title),
      s('text', { x: 18, y: 36, class: 'sub' }, sub),
    ];
  }
  if (node.kind === 'artifact') {
    return [
      s('rect', { class: 'shape', width: w, height: h, rx: h / 2 }),
      s('circle', { class: 'dot', cx: 16, cy: h / 2, r: 5 }),
      s('text', { x: 28, y: 16, class: 'kind' }, sub),
      s('text', { x: 28, y: 30, class: 'title' }, title),
    ];
  }
  return [
    s('rect', { class: 'stack', x: 5, y: 5, width: w, height: h, rx: 8 }),
    s('rect', { class: 'shape', width: w, height: h, rx: 8 }),
    s('text', { x: 14, y: 22, class: 'title' }, title),
    s('text', { x: 14, y: 39, class: 'sub' }, sub),
    s(
      'g',
      { class: 'toggle', dataset: { toggle: node.path }, transform: `translate(${w - 22},${h / 2})` },
      s('title', {}, 'Expand this child run'),
      s('circle', { r: 10 }),
      s('path', { d: 'M-4.5,0 H4.5 M0,-4.5 V4.5' }),
    ),
  ];
}

export function nodeState(node) {
  if (node.kind === 'execution') return node.data.state;
  if (node.kind === 'child')
    return node.failed > 0 && node.run?.status !== 'COMPLETED' ? 'FAILED' : (node.run?.status ?? '');
  return '';
}
