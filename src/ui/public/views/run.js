import { api, seg } from '../lib/api.js';
import { showDetails } from '../lib/details.js';
import { badge, h, loading } from '../lib/dom.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { buildGraphModel, mergePages } from '../lib/graph-model.js';
import { graphPanel, wireZoom } from '../lib/graph-panel.js';
import { drawGraph } from '../lib/graph-view.js';
import { runHeader } from '../lib/run-header.js';
import { replace, runHref } from '../lib/route.js';

/** Nodes per page of the run's graph; "Show more" loads the next page. */
const PAGE = 200;

/** `#/run/<name>?expand=<child path>&node=<key>`: a run's DAG of attempts and artifacts. */
export async function runView(root, route, { signal }) {
  root.replaceChildren(loading(`Loading run ${route.arg}…`));
  const detail = await api(`runs/${seg(route.arg)}`, {}, signal);
  const name = detail.run.name;
  const pages = [await api(`runs/${seg(name)}/graph`, { maxNodes: PAGE }, signal)];
  const expandParams = route.params.getAll('expand');
  let expanded = expandParams.includes('all') ? 'all' : new Set(expandParams);
  let selected = route.params.get('node');
  let merged;
  let model;
  let drawn;

  const expandAll = h('button', { type: 'button', class: 'button secondary small' }, 'Expand all child runs');
  const panel = graphPanel(detail.family.length > 0 ? [expandAll] : []);
  const stepsBody = h('tbody');
  root.replaceChildren(
    runHeader(detail),
    panel.root,
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Steps'), h('table', { class: 'table steps' },
      h('thead', {}, h('tr', {}, ['Step', 'Child run', 'Attempt', 'State', 'Started', 'Duration'].map((c) => h('th', {}, c)))),
      stepsBody)),
  );

  const pathOf = (runName) => detail.family.find((f) => f.run.name === runName)?.path ?? '';
  const saveUrl = () =>
    replace(runHref(name, { expand: expanded === 'all' ? 'all' : [...expanded], node: selected }));
  const nodeFor = (key) => {
    if (key?.startsWith('child:') && !model.nodes.has(key)) {
      const path = key.slice('child:'.length);
      return { kind: 'cluster', path, run: detail.family.find((f) => f.path === path)?.run ?? null };
    }
    return model.nodes.get(key) ?? null;
  };
  /** Opens every child run on the way to an attempt, so that it can be shown. */
  const reveal = (key) => {
    const node = merged.nodes.find((n) => n.key === key);
    if (!node || node.kind !== 'execution' || model.nodes.has(key) || expanded === 'all') return false;
    const parts = pathOf(node.run).split('/');
    const before = expanded.size;
    parts.forEach((_, i) => expanded.add(parts.slice(0, i + 1).join('/')));
    return expanded.size > before;
  };
  const select = (key) => {
    if (key && !model.nodes.has(key) && !key.startsWith('child:') && reveal(key)) return redraw(key);
    selected = key;
    drawn.select(key);
    saveUrl();
    void showDetails(panel.side, nodeFor(key), { signal, currentRun: name, onPick: select, onToggle: toggle });
  };
  const toggle = (path) => {
    if (expanded === 'all') expanded = new Set(detail.family.map((f) => f.path));
    if (expanded.has(path)) for (const p of [...expanded]) (p === path || p.startsWith(`${path}/`)) && expanded.delete(p);
    else expanded.add(path);
    redraw(model.nodes.has(selected) || selected?.startsWith('child:') ? selected : `child:${path}`);
  };
  expandAll.onclick = () => {
    expanded = 'all';
    redraw(selected);
  };

  function renderSteps() {
    const executions = merged.nodes
      .filter((n) => n.kind === 'execution')
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id - b.id);
    stepsBody.replaceChildren(
      ...executions.map((e) =>
        h('tr', { class: 'clickable', dataset: { key: e.key, state: e.state }, onclick: () => select(e.key) },
          h('td', {}, h('button', { type: 'button', class: 'linkish' }, e.activityType)),
          h('td', { class: 'muted' }, pathOf(e.run) || '—'),
          h('td', { class: 'num' }, String(e.attempt)),
          h('td', {}, badge(e.state)),
          h('td', {}, formatTime(e.startedAt)),
          h('td', { class: 'num' }, formatDuration(e.durationMs)),
        ),
      ),
    );
  }

  function renderFooter() {
    const last = pages.at(-1);
    const counts = { execution: 0, artifact: 0 };
    for (const n of merged.nodes) counts[n.kind] += 1;
    const summary = `${counts.execution} attempts · ${counts.artifact} artifacts loaded`;
    if (!last.nextCursor) return panel.footer.replaceChildren(h('span', { class: 'muted' }, summary));
    const more = h('button', { type: 'button', class: 'button small' }, `Show ${PAGE} more nodes`);
    more.onclick = async () => {
      more.disabled = true;
      more.textContent = 'Loading…';
      pages.push(await api(`runs/${seg(name)}/graph`, { maxNodes: PAGE, cursor: last.nextCursor }, signal));
      redraw(selected);
    };
    panel.footer.replaceChildren(h('span', { class: 'muted' }, `${summary} — the run has more.`), more);
  }

  function redraw(key) {
    merged = mergePages(pages);
    model = buildGraphModel(merged, { family: detail.family, expanded });
    if (key && !model.nodes.has(key) && !key.startsWith('child:') && reveal(key)) model = buildGraphModel(merged, { family: detail.family, expanded });
    drawn = drawGraph(panel.canvas, model, { selected: null, onSelect: select, onToggle: toggle });
    wireZoom(panel, drawn);
    renderSteps();
    renderFooter();
    const shown = key && (model.nodes.has(key) || key.startsWith('child:')) ? key : null;
    select(shown);
    if (shown) drawn.reveal(shown);
  }

  if (pages[0].nodes.length === 0) {
    void showDetails(panel.side, null, {});
    panel.canvas.replaceChildren(
      h('div', { class: 'empty inset' }, h('h2', {}, 'No activity attempts recorded for this run'), h('p', {}, 'Its workflow ran no activities, or it is still starting. Reload in a moment, or open one of its child runs.')),
    );
    return;
  }
  redraw(selected);
}
