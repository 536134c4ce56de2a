// The frame around a graph: toolbar (zoom, legend, extra controls), the canvas, the details
// panel beside it, and a footer for "show more".
import { h } from './dom.js';

const STATES = ['COMPLETE', 'FAILED', 'CACHED', 'RUNNING', 'CANCELED'];
const TYPES = ['Dataset', 'Model', 'Metrics', 'Value'];

export function legend() {
  return h(
    'div',
    { class: 'legend', 'aria-label': 'Legend' },
    STATES.map((state) =>
      h('span', { class: `key state-${state.toLowerCase()}` }, h('i', { class: 'swatch' }), state),
    ),
    h('span', { class: 'key retry' }, h('i', { class: 'dash' }), 'retry'),
    h('span', { class: 'sep' }),
    TYPES.map((type) =>
      h('span', { class: `key type-${type.toLowerCase()}` }, h('i', { class: 'pill' }), type),
    ),
  );
}

/** Builds the frame; `controls` go into the toolbar before the zoom buttons. */
export function graphPanel(controls = []) {
  const canvas = h('div', { class: 'graph-canvas', tabindex: '-1' });
  const side = h('aside', { class: 'side-panel', 'aria-label': 'Details' });
  const footer = h('div', { class: 'graph-footer' });
  const zoom = (label, title) =>
    h('button', { type: 'button', class: 'icon-button', title, 'aria-label': title }, label);
  const zoomIn = zoom('+', 'Zoom in');
  const zoomOut = zoom('−', 'Zoom out');
  const fitButton = zoom('⤢', 'Fit to view');
  const root = h(
    'section',
    { class: 'graph-layout' },
    h(
      'div',
      { class: 'graph-main card' },
      h(
        'div',
        { class: 'graph-toolbar' },
        controls,
        h('span', { class: 'grow' }),
        h('span', { class: 'zoom' }, zoomOut, zoomIn, fitButton),
      ),
      legend(),
      canvas,
      footer,
    ),
    side,
  );
  return { root, canvas, side, footer, zoomIn, zoomOut, fitButton };
}

/** Wires the zoom buttons to a drawn graph. */
export function wireZoom(panel, drawn) {
  panel.zoomIn.onclick = () => drawn.zoom(1.25);
  panel.zoomOut.onclick = () => drawn.zoom(0.8);
  panel.fitButton.onclick = () => drawn.fit();
}

/** Says how to see the rest when the graph is bigger than its frame. */
export function panHint(drawn) {
  return drawn.overflows
    ? h(
        'span',
        { class: 'muted pan-hint' },
        'The graph goes on: drag to pan, scroll to zoom, ⤢ to see it all.',
      )
    : null;
}
