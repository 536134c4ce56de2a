// Draws a graph model (see graph-model.js) as SVG, laid out left to right by dagre, with pan,
// zoom, keyboard focus and selection. Nodes carry data-key / data-kind / data-state attributes.
import dagre from '/vendor/dagre.esm.js';
import { s, typeClass } from './dom.js';
import { basis, BOLD, describe, LABEL_MAX, nodeShape, nodeState, SMALL, textWidth } from './graph-shapes.js';

/**
 * Lays out and draws `model` into `container`. Returns `{ select(key), fit() }`.
 * @param options.onSelect called with a node key (or a cluster's `child:` key) when clicked
 * @param options.onToggle called with a family path to expand or collapse
 */
export function drawGraph(container, model, { selected = null, startKey = null, onSelect, onToggle } = {}) {
  const g = new dagre.graphlib.Graph({ compound: model.clusters.size > 0 });
  g.setGraph({
    rankdir: 'LR',
    nodesep: model.clusters.size > 0 ? 30 : 18,
    ranksep: 44,
    marginx: 30,
    marginy: 40,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const looks = new Map();
  for (const node of model.nodes.values()) {
    const look = describe(node);
    looks.set(node.key, look);
    const width = Math.min(
      LABEL_MAX + look.pad,
      Math.max(
        node.kind === 'artifact' ? 120 : 150,
        textWidth(look.title, BOLD) + look.pad,
        textWidth(look.sub, SMALL) + look.pad,
      ),
    );
    g.setNode(node.key, { width, height: look.height });
  }
  for (const cluster of model.clusters.values()) g.setNode(cluster.key, {});
  for (const cluster of model.clusters.values()) if (cluster.parent) g.setParent(cluster.key, cluster.parent);
  for (const node of model.nodes.values()) if (node.parent) g.setParent(node.key, node.parent);
  for (const edge of model.edges) g.setEdge(edge.from, edge.to, { weight: edge.kind === 'retry' ? 4 : 1 });
  dagre.layout(g);

  const viewport = s('g', { class: 'viewport' });
  const svg = s(
    'svg',
    { class: 'graph', role: 'img', 'aria-label': 'Lineage graph' },
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
      s(
        'marker',
        {
          id: 'arrow-hot',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow hot' }),
      ),
    ),
    viewport,
  );
  const byDepth = [...model.clusters.values()].sort(
    (a, b) => a.path.split('/').length - b.path.split('/').length,
  );
  for (const cluster of byDepth) {
    const box = g.node(cluster.key);
    const [x, y] = [box.x - box.width / 2 - 6, box.y - box.height / 2 - 30];
    const run = cluster.run;
    viewport.append(
      s(
        'g',
        {
          class: 'cluster',
          dataset: { key: `child:${cluster.path}`, path: cluster.path },
          transform: `translate(${x},${y})`,
        },
        s('rect', { width: box.width + 12, height: box.height + 36, rx: 10 }),
        s(
          'text',
          { x: 12, y: 19, class: 'cluster-title' },
          run?.workflowType ?? cluster.path,
          s('tspan', { class: 'cluster-sub', dx: 8 }, `child run${run?.status ? ` · ${run.status}` : ''}`),
        ),
        s(
          'g',
          { class: 'toggle', dataset: { toggle: cluster.path }, transform: `translate(${box.width},15)` },
          s('title', {}, 'Collapse this child run'),
          s('circle', { r: 10 }),
          s('path', { d: 'M-4.5,0 H4.5' }),
        ),
      ),
    );
  }
  const edgeEls = [];
  for (const edge of model.edges) {
    const { points } = g.edge(edge.from, edge.to);
    const path = s(
      'path',
      { class: `edge ${edge.kind}`, d: basis(points), 'marker-end': 'url(#arrow)' },
      s('title', {}, edge.paths.join(', ')),
    );
    edgeEls.push({ edge, path });
    viewport.append(path);
  }
  const nodeEls = new Map();
  for (const node of model.nodes.values()) {
    const box = g.node(node.key);
    const look = looks.get(node.key);
    const el = s(
      'g',
      {
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
          typeClass: node.kind === 'artifact' ? typeClass(node.data.type) : '',
        },
      },
      s(
        'title',
        {},
        node.kind === 'artifact' ? `${node.data.type} ${node.data.label}` : `${look.title} — ${look.sub}`,
      ),
      nodeShape(node, box, look),
    );
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
  svg.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const r = svg.getBoundingClientRect();
      zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
    },
    { passive: false },
  );
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
    for (const el of svg.querySelectorAll('.cluster'))
      el.classList.toggle('selected', el.dataset.key === key);
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
    /** Whether the first view shows only part of the graph. */
    overflows: gw * view.k > container.clientWidth + 1 || gh * view.k > container.clientHeight + 1,
    zoom: (factor) => zoomAt(factor, container.clientWidth / 2, container.clientHeight / 2),
    /** Brings a node into the middle of the view, unless it is in view already. */
    reveal(key) {
      const box = g.node(key);
      if (!box) return;
      const [left, right] = [
        view.x + (box.x - box.width / 2) * view.k,
        view.x + (box.x + box.width / 2) * view.k,
      ];
      const [top, bottom] = [
        view.y + (box.y - box.height / 2) * view.k,
        view.y + (box.y + box.height / 2) * view.k,
      ];
      if (left >= 0 && top >= 0 && right <= container.clientWidth && bottom <= container.clientHeight) return;
      // Centred, but never past the graph's edge: no half-empty canvas beside the last node.
      const clamp = (v, size, total) =>
        total * view.k <= size
          ? (size - total * view.k) / 2
          : Math.min(0, Math.max(size - total * view.k, v));
      view = {
        ...view,
        x: clamp(container.clientWidth / 2 - box.x * view.k, container.clientWidth, gw),
        y: clamp(container.clientHeight / 2 - box.y * view.k, container.clientHeight, gh),
      };
      apply();
    },
  };
}
