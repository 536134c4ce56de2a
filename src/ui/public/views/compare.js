import { api } from '../lib/api.js';
import { metricChart } from '../lib/chart.js';
import { metricsTable, otherDifferences, parametersTable } from '../lib/compare-tables.js';
import { badge, emptyState, h, loading } from '../lib/dom.js';
import { formatTime } from '../lib/format.js';
import { href, navigate, replace } from '../lib/route.js';

function picker(pipelines, pipeline, candidates, chosen) {
  const picked = new Set(chosen);
  const button = h('button', { type: 'submit', class: 'button' });
  const update = () => {
    button.textContent = picked.size < 2 ? 'Pick two or more runs' : `Compare ${picked.size} runs`;
    button.disabled = picked.size < 2;
  };
  update();
  const latest = (n) => () =>
    navigate(
      href('compare', null, {
        pipeline,
        run: candidates
          .slice(0, n)
          .reverse()
          .map((r) => r.name),
      }),
    );
  // Oldest first: the first run is the baseline the others are compared with.
  const at = (name) => candidates.findIndex((r) => r.name === name);
  const byStart = (names) => [...names].sort((a, b) => at(b) - at(a));
  return h(
    'form',
    {
      class: 'card picker',
      onsubmit: (event) => {
        event.preventDefault();
        navigate(href('compare', null, { pipeline, run: byStart([...picked]) }));
      },
    },
    h(
      'div',
      { class: 'picker-head' },
      h(
        'label',
        {},
        'Pipeline ',
        h(
          'select',
          {
            'aria-label': 'Pipeline',
            onchange: (event) => navigate(href('compare', null, { pipeline: event.target.value })),
          },
          pipelines.map((p) =>
            h('option', { value: p.name, selected: p.name === pipeline }, `${p.name} (${p.runs})`),
          ),
        ),
      ),
      h('span', { class: 'grow' }),
      candidates.length >= 2 &&
        h('button', { type: 'button', class: 'button secondary small', onclick: latest(2) }, 'Latest 2'),
      candidates.length >= 3 &&
        h(
          'button',
          {
            type: 'button',
            class: 'button secondary small',
            onclick: latest(Math.min(10, candidates.length)),
          },
          `Latest ${Math.min(10, candidates.length)}`,
        ),
      button,
    ),
    candidates.length === 0
      ? h('p', { class: 'muted' }, 'This pipeline has no runs yet.')
      : h(
          'ul',
          { class: 'pick-list' },
          candidates.map((run) =>
            h(
              'li',
              {},
              h(
                'label',
                {},
                h('input', {
                  type: 'checkbox',
                  value: run.name,
                  checked: picked.has(run.name),
                  onchange: (event) => {
                    if (event.target.checked) picked.add(run.name);
                    else picked.delete(run.name);
                    update();
                  },
                }),
                h('span', { class: 'pick-name' }, run.workflowId),
                badge(run.status),
                h('span', { class: 'muted small' }, formatTime(run.startedAt)),
                h('span', { class: 'muted small mono' }, (run.runId ?? '').slice(0, 13)),
              ),
            ),
          ),
        ),
  );
}

/** `#/compare?pipeline=&run=a&run=b&metric=accuracy`: runs side by side, and a metric over time. */
export async function compareView(root, route, { signal }) {
  const chosen = [...new Set(route.params.getAll('run'))];
  root.replaceChildren(loading('Loading runs to compare…'));
  const { pipelines } = await api('pipelines', {}, signal);
  const head = h(
    'header',
    { class: 'page-head' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, 'Compare runs'),
      h('span', { class: 'muted' }, 'parameters and metrics side by side'),
    ),
  );
  if (pipelines.length === 0) {
    root.replaceChildren(
      head,
      emptyState('Nothing to compare yet', [
        'Record two runs of a pipeline (on a Worker with ',
        h('code', {}, 'plugins: [new LineagePlugin()]'),
        '), then come back.',
      ]),
    );
    return;
  }
  let pipeline = route.params.get('pipeline');
  let cmp = null;
  if (chosen.length >= 2) {
    cmp = await api('compare', { run: chosen }, signal);
    pipeline ??= cmp.runs[0].workflowType;
  }
  pipeline ??= pipelines[0].name;
  const { runs: candidates } = await api('runs', { pipeline, limit: 50 }, signal);
  const form = picker(pipelines, pipeline, candidates, cmp ? cmp.runs.map((r) => r.name) : chosen);
  if (!cmp) {
    root.replaceChildren(
      head,
      form,
      emptyState(
        'Pick two or more runs',
        `Tick runs of ${pipeline} above and press Compare, or take the latest few.`,
      ),
    );
    return;
  }
  const fields = [...new Set(cmp.metrics.map((m) => m.field))];
  const wanted = route.params.get('metric');
  const field = fields.includes(wanted) ? wanted : fields.includes('accuracy') ? 'accuracy' : fields[0];
  const chartBox = h('div', { class: 'chart' });
  root.replaceChildren(
    head,
    form,
    h('section', { class: 'card' }, h('h2', { class: 'card-title' }, 'Metrics'), metricsTable(cmp)),
    fields.length > 0 &&
      h(
        'section',
        { class: 'card' },
        h(
          'div',
          { class: 'card-title-row' },
          h('h2', { class: 'card-title' }, 'Metric over time'),
          h(
            'label',
            {},
            'Metric ',
            h(
              'select',
              {
                'aria-label': 'Metric',
                onchange: (e) =>
                  navigate(href('compare', null, { pipeline, run: chosen, metric: e.target.value })),
              },
              fields.map((f) => h('option', { value: f, selected: f === field }, f)),
            ),
          ),
        ),
        chartBox,
      ),
    h(
      'section',
      { class: 'card' },
      h('h2', { class: 'card-title' }, 'Parameters that differ'),
      parametersTable(cmp),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', { class: 'card-title' }, 'Other differences'),
      otherDifferences(cmp),
    ),
  );
  replace(href('compare', null, { pipeline, run: chosen, metric: route.params.get('metric') }));
  if (fields.length > 0) {
    const rows = cmp.metrics
      .filter((m) => m.field === field)
      .map((m) => ({
        label: m.path === 'result' ? m.step : `${m.step} ${m.path}`,
        // The chart leaves a gap where a run lacks the step.
        values: m.values.map((v) => (v === 'missing' ? null : v)),
      }));
    metricChart(chartBox, cmp.runs, rows, field);
  }
}
