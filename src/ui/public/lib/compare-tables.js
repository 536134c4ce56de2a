// The comparison's tables: parameters and metrics one column per run, and the other differences.
import { badge, h } from './dom.js';
import { formatDuration, formatNumber, formatTime, preview, shortRun } from './format.js';
import { runHref } from './route.js';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// The API says 'missing' where a run lacks a step, leaf or artifact; the page says so in words,
// and never shows another run's value in its place.
const MISSING = 'missing';
const absent = () => h('span', { class: 'muted absent' }, 'absent');

function runColumns(runs) {
  return runs.map((run, i) =>
    h(
      'th',
      { class: 'run-col', dataset: { run: run.name } },
      h('a', { href: runHref(run.name) }, shortRun(run.name)),
      ' ',
      badge(run.status),
      h('div', { class: 'muted small' }, `${formatTime(run.startedAt)} · ${formatDuration(run.durationMs)}`),
      i === 0 && h('div', { class: 'small base' }, 'baseline'),
    ),
  );
}

export function parametersTable(cmp) {
  if (cmp.parameters.length === 0)
    return h('p', { class: 'muted' }, 'Every parameter is the same in these runs.');
  return h(
    'table',
    { class: 'table compare params' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'Parameter'), runColumns(cmp.runs))),
    h(
      'tbody',
      {},
      cmp.parameters.map((row) =>
        h(
          'tr',
          {},
          h('td', {}, row.step),
          h('td', { class: 'mono' }, row.path),
          row.values.map((v, i) =>
            h(
              'td',
              {
                class: `mono${i > 0 && (row.missing[i] !== row.missing[0] || !same(v, row.values[0])) ? ' changed' : ''}`,
              },
              row.missing[i] ? absent() : preview(v, 40),
            ),
          ),
        ),
      ),
    ),
  );
}

export function metricsTable(cmp) {
  if (cmp.metrics.length === 0) return h('p', { class: 'muted' }, 'These runs wrote no Metrics artifacts.');
  return h(
    'table',
    { class: 'table compare metrics' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Step'), h('th', {}, 'Metric'), runColumns(cmp.runs))),
    h(
      'tbody',
      {},
      cmp.metrics.map((row) =>
        h(
          'tr',
          { dataset: { step: row.step, field: row.field } },
          h('td', {}, row.step),
          h('td', {}, h('strong', {}, row.field)),
          row.values.map((v, i) => {
            const base = row.values[0];
            const delta = i > 0 && v !== MISSING && base !== MISSING ? v - base : null;
            return h(
              'td',
              { class: 'num', dataset: { value: v === MISSING ? '' : String(v) } },
              v === MISSING ? absent() : formatNumber(v),
              delta !== null &&
                delta !== 0 &&
                h(
                  'span',
                  { class: `delta ${delta > 0 ? 'up' : 'down'}` },
                  `${delta > 0 ? '▲' : '▼'} ${formatNumber(Math.abs(delta))}`,
                ),
            );
          }),
        ),
      ),
    ),
  );
}

export function otherDifferences(cmp) {
  return cmp.diffs.map((diff) => {
    const counts = [
      ['steps', diff.steps],
      ['inputs', diff.inputs],
      ['outputs', diff.outputs],
      ['output values', diff.outputValues],
      ['code', [...diff.code, ...diff.stepCode]],
      ['environment', diff.environment],
    ];
    const total = counts.reduce((n, [, list]) => n + list.length, 0);
    const ref = (x) => (x === MISSING ? 'absent' : `${x.type} ${x.label}`);
    return h(
      'details',
      { class: 'diff-block' },
      h(
        'summary',
        {},
        `${shortRun(diff.b.name)} vs baseline: `,
        total === 0
          ? 'same steps, inputs, outputs, code and environment'
          : counts
              .filter(([, l]) => l.length)
              .map(([k, l]) => `${l.length} ${k}`)
              .join(' · '),
      ),
      diff.steps.length > 0 &&
        h(
          'ul',
          { class: 'plain' },
          diff.steps.map((s) =>
            h(
              'li',
              {},
              `${s.step}: ${s.change}`,
              s.pairedBy === 'position' && ' (paired by position)',
              ` (A: ${s.a === MISSING ? 'absent' : `${s.a.state} in ${s.a.attempts}`}`,
              `; B: ${s.b === MISSING ? 'absent' : `${s.b.state} in ${s.b.attempts}`})`,
            ),
          ),
        ),
      [...diff.inputs.map((x) => ['input', x]), ...diff.outputs.map((x) => ['output', x])].length > 0 &&
        h(
          'table',
          { class: 'table compact' },
          h(
            'tbody',
            {},
            [...diff.inputs.map((x) => ['input', x]), ...diff.outputs.map((x) => ['output', x])].map(
              ([side, x]) =>
                h(
                  'tr',
                  {},
                  h('td', {}, side),
                  h('td', {}, x.step),
                  h('td', { class: 'mono' }, x.path),
                  h('td', {}, x.change),
                  h('td', {}, ref(x.a)),
                  h('td', {}, ref(x.b)),
                ),
            ),
          ),
        ),
      diff.code.length > 0 &&
        h(
          'ul',
          { class: 'plain' },
          diff.code.map((c) => h('li', {}, `${c.what}: ${c.a.join(', ') || '—'} → ${c.b.join(', ') || '—'}`)),
        ),
      diff.stepCode.length > 0 &&
        h(
          'ul',
          { class: 'plain' },
          diff.stepCode.map((c) =>
            h('li', {}, `code changed in ${c.step} (${c.what}): ${c.a ?? '—'} → ${c.b ?? '—'}`),
          ),
        ),
      diff.environment.length > 0 &&
        h(
          'ul',
          { class: 'plain' },
          diff.environment.map((c) => h('li', {}, `environment ${c.field}: ${c.a ?? '—'} → ${c.b ?? '—'}`)),
        ),
    );
  });
}
