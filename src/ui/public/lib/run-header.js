import { badge, facts, h } from './dom.js';
import { formatDuration, formatNumber, formatTime, prettyJson, shortRun } from './format.js';
import { href, runHref } from './route.js';

/** `accuracy 0.9778` chips; a range when several Metrics have the field. */
export function metricChips(metrics, max = 4) {
  if (!metrics || metrics.length === 0) return h('span', { class: 'muted' }, '—');
  return h(
    'span',
    { class: 'chips' },
    metrics.slice(0, max).map((m) =>
      h(
        'span',
        {
          class: 'chip',
          title: m.count > 1 ? `${m.count} Metrics artifacts` : 'one Metrics artifact',
          dataset: { field: m.field },
        },
        h('span', { class: 'chip-key' }, m.field),
        ' ',
        m.min === m.max ? formatNumber(m.min) : `${formatNumber(m.min)}–${formatNumber(m.max)}`,
      ),
    ),
    metrics.length > max && h('span', { class: 'muted small' }, `+${metrics.length - max}`),
  );
}

/** The top of a run's page: where it sits, how it went, what it was given. */
export function runHeader(detail) {
  const { run } = detail;
  const workflowId = run.workflowId ?? run.name;
  const children = detail.family.filter((f) => !f.path.includes('/'));
  return h(
    'header',
    { class: 'page-head' },
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/runs' }, 'Runs'),
      ' › ',
      run.workflowType
        ? h('a', { href: href('runs', null, { pipeline: run.workflowType }) }, run.workflowType)
        : 'run',
      ' › ',
      h('span', {}, workflowId),
    ),
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, workflowId),
      badge(run.status),
      h('code', { class: 'muted run-id', title: 'run id' }, run.runId),
    ),
    h(
      'div',
      { class: 'head-grid' },
      facts([
        ['Pipeline', run.workflowType],
        ['Started', formatTime(run.startedAt)],
        ['Duration', formatDuration(run.durationMs)],
        ['Task queue', run.taskQueue],
        ['Parent run', run.parentRun && h('a', { href: runHref(run.parentRun) }, shortRun(run.parentRun))],
        ['Rerun of', detail.rerunOf && h('a', { href: runHref(detail.rerunOf) }, shortRun(detail.rerunOf))],
        [
          'Continue-as-new',
          detail.chain?.length > 0 &&
            h(
              'span',
              { class: 'chain' },
              detail.chain.map((link, i) => [
                i ? ' → ' : '',
                link === run.name
                  ? h('strong', {}, shortRun(link))
                  : h('a', { href: runHref(link) }, shortRun(link)),
              ]),
            ),
        ],
        [
          'Child runs',
          children.length > 0 &&
            children.map((c, i) => [i ? ', ' : '', h('a', { href: runHref(c.run.name) }, c.path)]),
        ],
        ['Key metrics', detail.metrics.length > 0 && metricChips(detail.metrics, 6)],
      ]),
      h(
        'div',
        { class: 'head-actions' },
        run.workflowType &&
          h(
            'a',
            {
              class: 'button secondary',
              href: href('compare', null, { pipeline: run.workflowType, run: run.name }),
            },
            'Compare with other runs →',
          ),
      ),
    ),
    detail.error &&
      h('div', { class: 'error-box compact' }, h('strong', {}, 'The run failed'), h('p', {}, detail.error)),
    h(
      'details',
      { class: 'args' },
      h('summary', {}, 'Workflow arguments'),
      h('pre', { class: 'value' }, prettyJson(detail.args)),
    ),
  );
}
