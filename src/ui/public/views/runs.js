import { api } from '../lib/api.js';
import { badge, emptyState, h, loading } from '../lib/dom.js';
import { formatAgo, formatDuration, formatTime, shortRun } from '../lib/format.js';
import { metricChips } from '../lib/run-header.js';
import { href, navigate, runHref } from '../lib/route.js';

const STATUSES = ['COMPLETED', 'FAILED', 'RUNNING', 'CANCELED', 'CONTINUED_AS_NEW'];

/** `#/runs?pipeline=&status=&search=&roots=&cursor=`: every run, newest first, filtered and paged. */
export async function runsView(root, route, { signal }) {
  const p = route.params;
  const filters = {
    pipeline: p.get('pipeline') ?? '',
    status: p.getAll('status'),
    search: p.get('search') ?? '',
    roots: p.get('roots') === 'true',
  };
  const filtered = Boolean(filters.pipeline || filters.status.length || filters.search || filters.roots);
  root.replaceChildren(loading('Loading runs…'));
  const [{ pipelines }, page, store] = await Promise.all([
    api('pipelines', {}, signal),
    api(
      'runs',
      { ...filters, roots: filters.roots || undefined, cursor: p.get('cursor') ?? undefined, limit: 25 },
      signal,
    ),
    api('store', {}, signal),
  ]);
  const go = (changes) => navigate(href('runs', null, { ...filters, roots: filters.roots, ...changes }));

  const search = h('input', {
    type: 'search',
    name: 'search',
    placeholder: 'Search workflow id…',
    value: filters.search,
    'aria-label': 'Search workflow id',
  });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        go({ search: search.value.trim() });
      },
    },
    h(
      'label',
      {},
      'Pipeline ',
      h(
        'select',
        { name: 'pipeline', onchange: (event) => go({ pipeline: event.target.value }) },
        h('option', { value: '' }, 'All pipelines'),
        pipelines.map((x) =>
          h('option', { value: x.name, selected: x.name === filters.pipeline }, `${x.name} (${x.runs})`),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'status-filter' },
      h('legend', {}, 'Status'),
      STATUSES.slice(0, 4).map((status) =>
        h(
          'label',
          { class: `toggle-chip state-${status.toLowerCase()}` },
          h('input', {
            type: 'checkbox',
            value: status,
            checked: filters.status.includes(status),
            onchange: (event) =>
              go({
                status: event.target.checked
                  ? [...filters.status, status]
                  : filters.status.filter((x) => x !== status),
              }),
          }),
          status.toLowerCase(),
        ),
      ),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', {
        type: 'checkbox',
        name: 'roots',
        checked: filters.roots,
        onchange: (event) => go({ roots: event.target.checked }),
      }),
      'Top-level runs only',
    ),
    h(
      'span',
      { class: 'search-box' },
      search,
      h('button', { type: 'submit', class: 'button small' }, 'Search'),
    ),
    filtered && h('a', { href: '#/runs', class: 'clear' }, 'Clear filters'),
  );

  const picked = new Set();
  const compare = h('a', { class: 'button', 'aria-disabled': 'true' }, 'Compare selected');
  const updateCompare = () => {
    const names = [...picked];
    compare.textContent =
      names.length < 2 ? 'Select two or more runs to compare' : `Compare ${names.length} runs →`;
    compare.setAttribute('aria-disabled', String(names.length < 2));
    // Oldest first (the page is newest first): the first run is the comparison's baseline.
    const oldestFirst = page.runs
      .filter((r) => picked.has(r.name))
      .reverse()
      .map((r) => r.name);
    if (names.length >= 2) compare.setAttribute('href', href('compare', null, { run: oldestFirst }));
    else compare.removeAttribute('href');
  };
  updateCompare();

  const head = h(
    'header',
    { class: 'page-head' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, 'Runs'),
      h('span', { class: 'muted' }, 'every recorded workflow run, newest first'),
    ),
  );
  if (store.empty) {
    root.replaceChildren(
      head,
      emptyState(
        'Nothing recorded yet',
        ['This page reads the store at ', h('code', {}, store.target), '.'],
        [
          'Add the plugin to the Worker that runs your workflows (',
          h('code', {}, 'plugins: [new LineagePlugin()]'),
          ' in ',
          h('code', {}, 'Worker.create'),
          '), run a workflow, then reload this page. ',
          h('code', {}, 'new LineagePlugin()'),
          ' records into the folder .lineage in the Worker’s working directory; give it ',
          h('code', {}, '{ databaseUrl }'),
          ' to record into Postgres, and open this page on the same store.',
        ],
      ),
    );
    return;
  }
  if (page.runs.length === 0) {
    root.replaceChildren(
      head,
      form,
      emptyState(
        filtered ? 'No runs match these filters' : 'No more runs',
        filtered ? 'Loosen a filter, or clear them all to see every run.' : 'You are past the oldest run.',
        h('a', { href: '#/runs' }, 'Show all runs'),
      ),
    );
    return;
  }
  const rows = page.runs.map((run) =>
    h(
      'tr',
      { dataset: { run: run.name, status: run.status ?? '' } },
      h(
        'td',
        {},
        h('input', {
          type: 'checkbox',
          'aria-label': `Select ${run.name} to compare`,
          onchange: (event) => {
            if (event.target.checked) picked.add(run.name);
            else picked.delete(run.name);
            updateCompare();
          },
        }),
      ),
      h(
        'td',
        {},
        h('a', { class: 'run-link', href: runHref(run.name) }, h('strong', {}, run.workflowId ?? run.name)),
        h('div', { class: 'mono muted small' }, (run.runId ?? '').slice(0, 13)),
      ),
      h(
        'td',
        {},
        run.workflowType
          ? h('a', { href: href('runs', null, { pipeline: run.workflowType }) }, run.workflowType)
          : '—',
      ),
      h('td', {}, badge(run.status)),
      h(
        'td',
        { class: 'nowrap' },
        formatTime(run.startedAt),
        h('div', { class: 'muted small' }, formatAgo(run.startedAt)),
      ),
      h('td', { class: 'num' }, formatDuration(run.durationMs)),
      h('td', {}, metricChips(run.metrics, 3)),
      h(
        'td',
        {},
        run.parentRun
          ? h('a', { href: runHref(run.parentRun), class: 'small' }, shortRun(run.parentRun))
          : h('span', { class: 'muted' }, '—'),
      ),
    ),
  );
  const cursor = p.get('cursor');
  root.replaceChildren(
    head,
    form,
    h(
      'section',
      { class: 'card flush' },
      h(
        'table',
        { class: 'table runs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { class: 'narrow' }, h('span', { class: 'sr-only' }, 'Compare')),
            ['Run', 'Pipeline', 'Status', 'Started', 'Duration', 'Key metrics', 'Parent'].map((c) =>
              h('th', { class: c === 'Duration' ? 'num' : '' }, c),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      compare,
      h('span', { class: 'grow' }),
      h(
        'span',
        { class: 'muted' },
        `${page.runs.length} run${page.runs.length === 1 ? '' : 's'} on this page`,
      ),
      cursor &&
        h('a', { class: 'button secondary small', href: href('runs', null, { ...filters }) }, '← Newest'),
      page.nextCursor &&
        h(
          'a',
          {
            class: 'button secondary small',
            href: href('runs', null, { ...filters, cursor: page.nextCursor }),
          },
          'Older runs →',
        ),
    ),
  );
}
