import { annotationsCard } from '../lib/annotations.js';
import { api, seg } from '../lib/api.js';
import { showDetails } from '../lib/details.js';
import { badge, h, loading } from '../lib/dom.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { buildGraphModel, mergePages } from '../lib/graph-model.js';
import { graphPanel, panHint, wireZoom } from '../lib/graph-panel.js';
import { drawGraph } from '../lib/graph-view.js';
import { runHeader } from '../lib/run-header.js';
import { pageSize, replace, runHref } from '../lib/route.js';

/** Nodes per page of the run's graph (`?limit=` changes it); "Show more" loads the next page. */
const PAGE = 200;

/** `#/run/<name>?expand=<child path>&node=<key>`: a run's DAG of attempts and artifacts. */
export async function runView(root, route, { signal }) {
  root.replaceChildren(loading(`Loading run ${route.arg}…`));
  const detail = await api(`runs/${seg(route.arg)}`, {}, signal);
  const name = detail.run.name;
  const limit = pageSize(route.params, PAGE);
  const pages = [await api(`runs/${seg(name)}/graph`, { maxNodes: limit }, signal)];
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
    annotationsCard('runs', name, { signal }),
    panel.root,
    h(
      'section',
      { class: 'card' },
      h('h2', { class: 'card-title' }, 'Steps'),
      h(
        'table',
        { class: 'table steps' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Step', 'Child run', 'Attempt', 'State', 'Started', 'Duration'].map((c) => h('th', {}, c)),
          ),
        ),
        stepsBody,
      ),
    ),
  );

  const pathOf = (runName) => detail.family.find((f) => f.run.name === runName)?.path ?? '';
  const saveUrl = () =>
    replace(
      runHref(name, {
        expand: expanded === 'all' ? 'all' : [...expanded],
        node: selected,
        limit: limit === PAGE ? null : limit,
      }),
    );
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
    void showDetails(panel.side, nodeFor(key), {
      signal,
      currentRun: name,
      onPick: select,
      onToggle: toggle,
    });
  };
  const toggle = (path) => {
    if (expanded === 'all') expanded = new Set(detail.family.map((f) => f.path));
    if (expanded.has(path)) {
      for (const p of [...expanded]) if (p === path || p.startsWith(`${path}/`)) expanded.delete(p);
    } else expanded.add(path);
    // Collapsing hides what was selected inside: the child run itself is selected instead.
    redraw(selected, { reveal: false, fallback: `child:${path}` });
  };
  const allOpen = () => expanded === 'all' || detail.family.every((f) => expanded.has(f.path));
  expandAll.onclick = () => {
    expanded = allOpen() ? new Set() : 'all';
    redraw(selected, { reveal: false });
  };

  function renderSteps() {
    const executions = merged.nodes
      .filter((n) => n.kind === 'execution')
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id - b.id);
    stepsBody.replaceChildren(
      ...executions.map((e) =>
        h(
          'tr',
          {
            class: 'clickable',
            dataset: { key: e.key, state: e.state },
            onclick: () => {
              select(e.key);
              drawn.reveal(e.key);
            },
          },
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
    const hint = panHint(drawn);
    if (!last.nextCursor)
      return panel.footer.replaceChildren(
        h('span', { class: 'muted' }, summary),
        h('span', { class: 'grow' }),
        hint ?? '',
      );
    const more = h('button', { type: 'button', class: 'button small' }, `Show ${limit} more nodes`);
    more.onclick = async () => {
      more.disabled = true;
      more.textContent = 'Loading…';
      pages.push(await api(`runs/${seg(name)}/graph`, { maxNodes: limit, cursor: last.nextCursor }, signal));
      redraw(selected);
    };
    panel.footer.replaceChildren(
      h('span', { class: 'muted' }, `${summary} — the run has more.`),
      more,
      h('span', { class: 'grow' }),
      hint ?? '',
    );
  }

  /** Draws the graph again; `reveal` opens child runs to show `key`, else `fallback` is selected. */
  function redraw(key, { reveal: open = true, fallback = null } = {}) {
    merged = mergePages(pages);
    model = buildGraphModel(merged, { family: detail.family, expanded });
    if (open && key && !model.nodes.has(key) && !key.startsWith('child:') && reveal(key))
      model = buildGraphModel(merged, { family: detail.family, expanded });
    drawn = drawGraph(panel.canvas, model, { selected: null, onSelect: select, onToggle: toggle });
    expandAll.textContent = allOpen() ? 'Collapse child runs' : 'Expand all child runs';
    wireZoom(panel, drawn);
    renderSteps();
    renderFooter();
    const visible = (k) =>
      k &&
      (model.nodes.has(k) || (k.startsWith('child:') && detail.family.some((f) => `child:${f.path}` === k)));
    const shown = visible(key) ? key : visible(fallback) ? fallback : null;
    select(shown);
    if (shown) drawn.reveal(shown);
  }

  if (pages[0].nodes.length === 0) {
    void showDetails(panel.side, null, {});
    panel.canvas.replaceChildren(
      h(
        'div',
        { class: 'empty inset' },
        h('h2', {}, 'No activity attempts recorded for this run'),
        h(
          'p',
          {},
          'Its workflow ran no activities, or it is still starting. Reload in a moment, or open one of its child runs.',
        ),
      ),
    );
    return;
  }
  redraw(selected);
}
