// Draws a graph model (see graph-model.js) as SVG, laid out left to right by dagre, with pan,
// zoom, keyboard focus and selection. Nodes carry data-key / data-kind / data-state attributes.
import dagre from '/vendor/dagre.esm.js';
import { formatDuration } from './format.js';
import { s } from './dom.js';

const FONT = '12.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const BOLD = `600 ${FONT}`;
const SMALL = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const LABEL_MAX = 230;

const ctx = document.createElement('canvas').getContext('2d');
function textWidth(text, font) {
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
function describe(node) {
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
function basis(points) {
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

function nodeShape(node, box, look) {
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
    s('g', { class: 'toggle', dataset: { toggle: node.path }, transform: `translate(${w - 22},${h / 2})` },
      s('title', {}, 'Expand this child run'),
      s('circle', { r: 10 }),
      s('path', { d: 'M-4.5,0 H4.5 M0,-4.5 V4.5' }),
    ),
  ];
}

function nodeState(node) {
  if (node.kind === 'execution') return node.data.state;
  if (node.kind === 'child') return node.failed > 0 && node.run?.status !== 'COMPLETED' ? 'FAILED' : node.run?.status ?? '';
  return '';
}

/**
 * Lays out and draws `model` into `container`. Returns `{ select(key), fit() }`.
 * @param options.onSelect called with a node key (or a cluster's `child:` key) when clicked
 * @param options.onToggle called with a family path to expand or collapse
 */
export function drawGraph(container, model, { selected = null, startKey = null, onSelect, onToggle } = {}) {
  const g = new dagre.graphlib.Graph({ compound: model.clusters.size > 0 });
  g.setGraph({ rankdir: 'LR', nodesep: model.clusters.size > 0 ? 30 : 18, ranksep: 44, marginx: 30, marginy: 40 });
  g.setDefaultEdgeLabel(() => ({}));
  const looks = new Map();
  for (const node of model.nodes.values()) {
    const look = describe(node);
    looks.set(node.key, look);
    const width = Math.min(LABEL_MAX + look.pad, Math.max(node.kind === 'artifact' ? 120 : 150, textWidth(look.title, BOLD) + look.pad, textWidth(look.sub, SMALL) + look.pad));
    g.setNode(node.key, { width, height: look.height });
  }
  for (const cluster of model.clusters.values()) g.setNode(cluster.key, {});
  for (const cluster of model.clusters.values()) if (cluster.parent) g.setParent(cluster.key, cluster.parent);
  for (const node of model.nodes.values()) if (node.parent) g.setParent(node.key, node.parent);
  for (const edge of model.edges) g.setEdge(edge.from, edge.to, { weight: edge.kind === 'retry' ? 4 : 1 });
  dagre.layout(g);

  const viewport = s('g', { class: 'viewport' });
  const svg = s('svg', { class: 'graph', role: 'img', 'aria-label': 'Lineage graph' },
    s('defs', {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })),
      s('marker', { id: 'arrow-hot', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow hot' })),
    ),
    viewport,
  );
  const byDepth = [...model.clusters.values()].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const cluster of byDepth) {
    const box = g.node(cluster.key);
    const [x, y] = [box.x - box.width / 2 - 6, box.y - box.height / 2 - 30];
    const run = cluster.run;
    viewport.append(
      s('g', { class: 'cluster', dataset: { key: `child:${cluster.path}`, path: cluster.path }, transform: `translate(${x},${y})` },
        s('rect', { width: box.width + 12, height: box.height + 36, rx: 10 }),
        s('text', { x: 12, y: 19, class: 'cluster-title' }, run?.workflowType ?? cluster.path,
          s('tspan', { class: 'cluster-sub', dx: 8 }, `child run${run?.status ? ` · ${run.status}` : ''}`)),
        s('g', { class: 'toggle', dataset: { toggle: cluster.path }, transform: `translate(${box.width},15)` },
          s('title', {}, 'Collapse this child run'),
          s('circle', { r: 10 }),
          s('path', { d: 'M-4.5,0 H4.5' })),
      ),
    );
  }
  const edgeEls = [];
  for (const edge of model.edges) {
    const { points } = g.edge(edge.from, edge.to);
    const path = s('path', { class: `edge ${edge.kind}`, d: basis(points), 'marker-end': 'url(#arrow)' },
      s('title', {}, edge.paths.join(', ')));
    edgeEls.push({ edge, path });
    viewport.append(path);
  }
  const nodeEls = new Map();
  for (const node of model.nodes.values()) {
    const box = g.node(node.key);
    const look = looks.get(node.key);
    const el = s('g', {
      class: `node ${node.kind}${node.key === startKey ? ' start' : ''}`,
      transform: `translate(${box.x - box.width / 2},${box.y - box.height / 2})`,
      tabindex: 0,
      role: 'button',
      'aria-label': `${look.title}, ${look.sub}`,
      dataset: {
        key: node.key,
        kind: node.kind,
        state: nodeState(node),
        type: node.kind === 'artifact' ? node.data.type : '',
        typeClass: node.kind === 'artifact' ? (['Dataset', 'Model', 'Metrics', 'Value'].includes(node.data.type) ? node.data.type.toLowerCase() : 'other') : '',
      },
    }, s('title', {}, node.kind === 'artifact' ? `${node.data.type} ${node.data.label}` : `${look.title} — ${look.sub}`), nodeShape(node, box, look));
    nodeEls.set(node.key, el);
    viewport.append(el);
  }

  let view = { k: 1, x: 0, y: 0 };
  const apply = () => viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);
  const { width: gw, height: gh } = g.graph();
  const fitView = () => {
    const { clientWidth: cw, clientHeight: ch } = container;
    const k = Math.min(1.15, Math.max(0.1, Math.min(cw / gw, ch / gh)));
    view = { k, x: (cw - gw * k) / 2, y: Math.max(0, (ch - gh * k) / 2) };
    apply();
  };
  /**
   * The first view: the whole graph when it fits at a readable size; otherwise readable and
   * starting from the left (where the data comes from), the rest a drag or "fit" away.
   */
  const readableView = () => {
    const cw = container.clientWidth;
    const k = Math.min(1.1, Math.max(0.8, Math.min(cw / gw, 1)));
    // A short graph gets a short canvas instead of a sea of dots.
    container.style.height = `${Math.round(Math.min(Math.max(gh * k + 16, 300), window.innerHeight * 0.68))}px`;
    const ch = container.clientHeight;
    view = { k, x: gw * k <= cw ? (cw - gw * k) / 2 : 0, y: Math.max(0, (ch - gh * k) / 2) };
    apply();
  };
  const zoomAt = (factor, cx, cy) => {
    const k = Math.min(3, Math.max(0.1, view.k * factor));
    view = { k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k };
    apply();
  };
  svg.addEventListener('wheel', (event) => {
    event.preventDefault();
    const r = svg.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });
  let drag = null;
  svg.addEventListener('pointerdown', (event) => {
    if (event.target.closest('.node, .toggle')) return;
    drag = { x: event.clientX - view.x, y: event.clientY - view.y };
    svg.setPointerCapture(event.pointerId);
    svg.classList.add('panning');
  });
  svg.addEventListener('pointermove', (event) => {
    if (!drag) return;
    view = { ...view, x: event.clientX - drag.x, y: event.clientY - drag.y };
    apply();
  });
  const stop = () => {
    drag = null;
    svg.classList.remove('panning');
  };
  svg.addEventListener('pointerup', stop);
  svg.addEventListener('pointercancel', stop);

  const select = (key) => {
    for (const [k, el] of nodeEls) el.classList.toggle('selected', k === key);
    for (const el of svg.querySelectorAll('.cluster')) el.classList.toggle('selected', el.dataset.key === key);
    for (const { edge, path } of edgeEls) {
      const hot = key !== null && (edge.from === key || edge.to === key);
      path.classList.toggle('hot', hot);
      path.setAttribute('marker-end', hot ? 'url(#arrow-hot)' : 'url(#arrow)');
    }
  };
  svg.addEventListener('click', (event) => {
    const toggle = event.target.closest('.toggle');
    if (toggle) return onToggle?.(toggle.dataset.toggle);
    const hit = event.target.closest('.node, .cluster');
    if (hit) onSelect?.(hit.dataset.key);
  });
  svg.addEventListener('keydown', (event) => {
    const hit = event.target.closest?.('.node');
    if (hit && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      onSelect?.(hit.dataset.key);
    }
  });

  container.replaceChildren(svg);
  readableView();
  select(selected);
  return {
    select,
    fit: fitView,
    zoom: (factor) => zoomAt(factor, container.clientWidth / 2, container.clientHeight / 2),
    /** Brings a node into the middle of the view, unless it is in view already. */
    reveal(key) {
      const box = g.node(key);
      if (!box) return;
      const [left, right] = [view.x + (box.x - box.width / 2) * view.k, view.x + (box.x + box.width / 2) * view.k];
      const [top, bottom] = [view.y + (box.y - box.height / 2) * view.k, view.y + (box.y + box.height / 2) * view.k];
      if (left >= 0 && top >= 0 && right <= container.clientWidth && bottom <= container.clientHeight) return;
      // Centred, but never past the graph's edge: no half-empty canvas beside the last node.
      const clamp = (v, size, total) => (total * view.k <= size ? (size - total * view.k) / 2 : Math.min(0, Math.max(size - total * view.k, v)));
      view = {
        ...view,
        x: clamp(container.clientWidth / 2 - box.x * view.k, container.clientWidth, gw),
        y: clamp(container.clientHeight / 2 - box.y * view.k, container.clientHeight, gh),
      };
      apply();
    },
  };
}
