import { annotationsCard } from '../lib/annotations.js';
import { api } from '../lib/api.js';
import { showDetails } from '../lib/details.js';
import { badge, facts, h, loading, typeTag } from '../lib/dom.js';
import { basename, formatBytes, formatTime, preview, prettyJson, shortRun } from '../lib/format.js';
import { buildGraphModel, mergePages } from '../lib/graph-model.js';
import { graphPanel, panHint, wireZoom } from '../lib/graph-panel.js';
import { drawGraph } from '../lib/graph-view.js';
import { artifactHref, executionHref, navigate, pageSize, replace, runHref } from '../lib/route.js';

const PAGE = 150;
const DIRECTIONS = [
  ['upstream', 'Upstream (what made it)'],
  ['downstream', 'Downstream (what used it)'],
  ['both', 'Both'],
];

/** For a Model: the datasets and parameters that produced it, at a glance. */
function glance(provenance) {
  if (!provenance) return null;
  const { datasets, parameters, runs } = provenance;
  // An artifact written by several runs (the same bytes) has each run's provenance: a step's
  // parameter is shown once per distinct value.
  const byStep = new Map();
  const seen = new Set();
  for (const p of parameters) {
    const id = JSON.stringify([p.activityType, p.path, p.value]);
    if (seen.has(id)) continue;
    seen.add(id);
    byStep.set(p.activityType, [...(byStep.get(p.activityType) ?? []), p]);
  }
  return h(
    'section',
    { class: 'card glance', 'aria-label': 'Provenance at a glance' },
    h('h2', { class: 'card-title' }, 'What produced this model'),
    h(
      'div',
      { class: 'glance-grid' },
      h(
        'div',
        {},
        h('h3', {}, `Datasets upstream (${datasets.length})`),
        datasets.length === 0
          ? h('p', { class: 'muted' }, 'No dataset upstream.')
          : h(
              'ul',
              { class: 'plain datasets' },
              datasets.map((d) =>
                h(
                  'li',
                  { dataset: { artifact: d.artifact.id } },
                  typeTag('Dataset'),
                  ' ',
                  h(
                    'a',
                    { href: artifactHref(d.artifact.id) },
                    d.artifact.uri ? basename(d.artifact.uri) : `a${d.artifact.id}`,
                  ),
                  h('span', { class: 'muted small' }, ` read by ${d.activityType} ${d.path}`),
                  d.artifact.uri && h('div', { class: 'mono muted small uri' }, d.artifact.uri),
                ),
              ),
            ),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Parameters upstream'),
        parameters.length === 0
          ? h('p', { class: 'muted' }, 'No plain-value inputs upstream.')
          : h(
              'table',
              { class: 'table compact params' },
              h(
                'thead',
                {},
                h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'Parameter'), h('th', {}, 'Value')),
              ),
              h(
                'tbody',
                {},
                [...byStep.values()].flatMap((list) =>
                  list.map((p, i) =>
                    h(
                      'tr',
                      {},
                      h(
                        'td',
                        {},
                        i === 0 ? h('a', { href: executionHref(p.run, p.executionId) }, p.activityType) : '',
                      ),
                      h('td', { class: 'mono' }, p.path),
                      h('td', { class: 'mono' }, preview(p.value, 60)),
                    ),
                  ),
                ),
              ),
            ),
      ),
    ),
    runs.length > 0 &&
      h(
        'p',
        { class: 'muted small' },
        `From run${runs.length === 1 ? '' : 's'} `,
        runs.map((r, i) => [i ? ', ' : '', h('a', { href: runHref(r) }, shortRun(r))]),
      ),
  );
}

/** `#/artifact/<id>?dir=&hops=&node=`: an artifact, its provenance and consumers as a graph. */
export async function artifactView(root, route, { signal }) {
  const id = route.arg;
  const direction = ['upstream', 'downstream', 'both'].includes(route.params.get('dir'))
    ? route.params.get('dir')
    : 'both';
  // Eight hops reach a registered model's raw data in the example pipeline (and most pipelines' too).
  const hops = Math.min(50, Math.max(1, Number(route.params.get('hops')) || 8));
  let selected = route.params.get('node');
  const limit = pageSize(route.params, PAGE);
  root.replaceChildren(loading(`Loading artifact ${id}…`));
  const [info, first] = await Promise.all([
    api(`artifacts/${encodeURIComponent(id)}`, {}, signal),
    api(`artifacts/${encodeURIComponent(id)}/lineage`, { direction, hops, maxNodes: limit }, signal),
  ]);
  const a = info.artifact;
  const startKey = `artifact:${a.id}`;
  const pages = [first];
  const params = (changes) => ({
    dir: direction,
    hops,
    node: selected,
    limit: limit === PAGE ? null : limit,
    ...changes,
  });

  const hopInput = h('input', {
    type: 'number',
    min: 1,
    max: 50,
    value: hops,
    'aria-label': 'Hops',
    class: 'hops',
  });
  const controls = [
    h(
      'label',
      { class: 'inline' },
      'Direction ',
      h(
        'select',
        {
          'aria-label': 'Direction',
          onchange: (e) => navigate(artifactHref(a.id, params({ dir: e.target.value, node: null }))),
        },
        DIRECTIONS.map(([value, label]) => h('option', { value, selected: value === direction }, label)),
      ),
    ),
    h(
      'span',
      { class: 'hop-control' },
      'Hops ',
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Fewer hops',
          disabled: hops <= 1,
          onclick: () => navigate(artifactHref(a.id, params({ hops: hops - 1 }))),
        },
        '−',
      ),
      hopInput,
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'More hops',
          disabled: hops >= 50,
          onclick: () => navigate(artifactHref(a.id, params({ hops: hops + 1 }))),
        },
        '+',
      ),
    ),
  ];
  hopInput.onchange = () =>
    navigate(artifactHref(a.id, params({ hops: Math.min(50, Math.max(1, Number(hopInput.value) || 1)) })));
  const panel = graphPanel(controls);
  const title = a.uri ? basename(a.uri) : `${a.type} a${a.id}`;
  root.replaceChildren(
    h(
      'header',
      { class: 'page-head' },
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: '#/artifacts' }, 'Artifacts'),
        ' › ',
        h('a', { href: `#/artifacts?type=${encodeURIComponent(a.type)}` }, a.type),
        ' › ',
        h('span', {}, `a${a.id}`),
      ),
      h('div', { class: 'title-row' }, h('h1', {}, title), typeTag(a.type)),
      facts([
        ['URI', a.uri && h('span', { class: 'mono' }, a.uri)],
        ['Digest', h('span', { class: 'mono' }, a.digest)],
        ['Size', formatBytes(a.sizeBytes)],
        ['Recorded', formatTime(a.createdAt)],
        [
          'Written by',
          info.producers.length === 0
            ? 'no recorded step'
            : info.producers
                .slice(0, 3)
                .map((e, i) => [
                  i ? ', ' : '',
                  h('a', { href: executionHref(e.run, e.id) }, `${e.activityType} e${e.id}`),
                  ' ',
                  badge(e.state),
                ]),
        ],
        ['Read by', `${info.consumerCount} step${info.consumerCount === 1 ? '' : 's'}`],
      ]),
      !a.uri &&
        a.inline &&
        h(
          'details',
          { class: 'args' },
          h('summary', {}, 'Value'),
          h('pre', { class: 'value' }, prettyJson(a.value)),
        ),
    ),
    glance(info.provenance),
    annotationsCard('artifacts', a.id, { signal }),
    panel.root,
  );

  let model;
  let drawn;
  const select = (key) => {
    selected = key;
    drawn.select(key);
    replace(artifactHref(a.id, params({})));
    void showDetails(panel.side, model.nodes.get(key) ?? null, {
      signal,
      currentRun: null,
      currentArtifact: a.id,
      onPick: select,
      onToggle: () => {},
    });
  };
  const redraw = () => {
    const merged = mergePages(pages);
    model = buildGraphModel(merged);
    drawn = drawGraph(panel.canvas, model, { startKey, onSelect: select });
    wireZoom(panel, drawn);
    const last = pages.at(-1);
    const counts = `${merged.nodes.length} nodes within ${hops} hop${hops === 1 ? '' : 's'}`;
    const notes = [h('span', { class: 'muted' }, counts)];
    if (last.hopLimited)
      notes.push(h('span', { class: 'muted' }, ' — the graph goes on; raise the hops to see further.'));
    if (last.nextCursor) {
      const more = h('button', { type: 'button', class: 'button small' }, `Show ${limit} more nodes`);
      more.onclick = async () => {
        more.disabled = true;
        more.textContent = 'Loading…';
        pages.push(
          await api(
            `artifacts/${a.id}/lineage`,
            { direction, hops, maxNodes: limit, cursor: last.nextCursor },
            signal,
          ),
        );
        redraw();
      };
      notes.push(more);
    }
    notes.push(h('span', { class: 'grow' }), panHint(drawn) ?? '');
    panel.footer.replaceChildren(...notes);
    select(selected && model.nodes.has(selected) ? selected : startKey);
  };
  redraw();
  drawn.reveal(selected ?? startKey);
}
