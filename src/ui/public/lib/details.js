// The side panel: what a clicked node is — an attempt's inputs, outputs, timings, error and
// digests; an artifact's URI, digest, value and users; a child run's summary.
import { api } from './api.js';
import { badge, errorBox, facts, h, loading, typeTag } from './dom.js';
import {
  basename,
  formatBytes,
  formatDuration,
  formatTime,
  preview,
  prettyJson,
  shortRun,
} from './format.js';
import { artifactHref, executionHref, runHref } from './route.js';

function artifactLine(event, onPick) {
  const a = event.artifact;
  const what = a.uri
    ? basename(a.uri)
    : a.inline
      ? preview(a.value, 60)
      : `(${formatBytes(a.sizeBytes)}, not inline)`;
  return h(
    'li',
    { class: 'io' },
    h('div', { class: 'io-head' }, h('code', { class: 'path' }, event.path), typeTag(a.type)),
    h(
      'button',
      {
        type: 'button',
        class: 'linkish',
        title: 'Show this artifact in the graph',
        onclick: () => onPick(`artifact:${a.id}`),
      },
      what,
    ),
    a.uri && h('div', { class: 'uri mono' }, a.uri),
    h(
      'div',
      { class: 'mono muted small' },
      a.digest,
      ' · ',
      h('a', { href: artifactHref(a.id) }, `a${a.id} provenance →`),
    ),
  );
}

function ioList(title, events, onPick) {
  return [
    h('h3', {}, `${title} (${events.length})`),
    events.length === 0
      ? h('p', { class: 'muted small' }, 'none recorded')
      : h(
          'ul',
          { class: 'io-list' },
          events.map((e) => artifactLine(e, onPick)),
        ),
  ];
}

/** The commit, function digest and environment the attempt recorded by itself (`$code`, `$environment`). */
function codeFacts(e) {
  const code = e.code?.value;
  const env = e.environment?.value;
  const git = code?.git;
  const commit = git?.commit
    ? `${git.commit.slice(0, 12)}${git.dirty ? ' + uncommitted changes' : ''}`
    : null;
  return [
    ['Commit', commit && h('span', { class: 'mono' }, commit)],
    ['Function', code?.function && h('span', { class: 'mono' }, code.function.slice(0, 19))],
    [
      'Environment',
      env &&
        h(
          'a',
          { href: artifactHref(e.environment.id) },
          `Node ${env.node} · ${env.os?.platform}/${env.os?.arch} · ${env.cpu?.count} CPUs`,
        ),
    ],
  ];
}

async function executionDetails(id, options) {
  const { execution: e } = await api(`executions/${id}`, {}, options.signal);
  const runLink =
    e.run === options.currentRun ? shortRun(e.run) : h('a', { href: runHref(e.run) }, shortRun(e.run));
  return [
    h('div', { class: 'panel-head' }, h('h2', {}, e.activityType), badge(e.state)),
    h('p', { class: 'muted small' }, `execution e${e.id} · activity ${e.activityId} · attempt ${e.attempt}`),
    e.error &&
      h(
        'div',
        { class: 'error-box compact' },
        h('strong', {}, e.error.type ?? 'Error'),
        h('p', {}, e.error.message ?? ''),
      ),
    facts([
      ['Run', runLink],
      ['Started', formatTime(e.startedAt)],
      ['Ended', formatTime(e.endedAt)],
      ['Duration', formatDuration(e.durationMs)],
      ['Task queue', e.taskQueue],
      ['Worker', e.workerIdentity],
      ['Build id', e.buildId],
      ...codeFacts(e),
      [
        'Cached from',
        e.cachedFrom && h('a', { href: executionHref(e.run, e.cachedFrom) }, `e${e.cachedFrom}`),
      ],
      ['Rerun of', e.rerunOf && `e${e.rerunOf}`],
      ['Input digest', h('span', { class: 'mono' }, e.inputDigest)],
      ['Output digest', e.outputDigest && h('span', { class: 'mono' }, e.outputDigest)],
    ]),
    ...ioList('Inputs', e.inputs, options.onPick),
    ...ioList('Outputs', e.outputs, options.onPick),
  ];
}

async function artifactDetails(id, options) {
  const {
    artifact: a,
    producerCount,
    consumerCount,
    producers,
    consumers,
  } = await api(`artifacts/${id}`, {}, options.signal);
  const users = (list) =>
    h(
      'ul',
      { class: 'plain' },
      list
        .slice(0, 8)
        .map((e) =>
          h(
            'li',
            {},
            h('a', { href: executionHref(e.run, e.id) }, `${e.activityType} e${e.id}`),
            ' ',
            badge(e.state),
          ),
        ),
    );
  return [
    h(
      'div',
      { class: 'panel-head' },
      h('h2', {}, a.uri ? basename(a.uri) : `${a.type} a${a.id}`),
      typeTag(a.type),
    ),
    facts([
      ['URI', a.uri && h('span', { class: 'mono' }, a.uri)],
      ['Digest', h('span', { class: 'mono' }, a.digest)],
      ['Size', formatBytes(a.sizeBytes)],
      ['Recorded', formatTime(a.createdAt)],
      ['Written by', `${producerCount} execution${producerCount === 1 ? '' : 's'}`],
      ['Read by', `${consumerCount} execution${consumerCount === 1 ? '' : 's'}`],
    ]),
    a.id !== options.currentArtifact &&
      h('p', {}, h('a', { class: 'button', href: artifactHref(a.id) }, 'Open provenance →')),
    producers.length > 0 && [h('h3', {}, 'Written by'), users(producers)],
    consumers.length > 0 && [h('h3', {}, 'Read by'), users(consumers)],
    h('h3', {}, 'Value'),
    a.inline
      ? h('pre', { class: 'value' }, prettyJson(a.value))
      : h(
          'p',
          { class: 'muted small' },
          `Not stored inline (${formatBytes(a.sizeBytes)}); only its digest is recorded.`,
        ),
  ];
}

function childDetails(node, options) {
  const run = node.run;
  return [
    h('div', { class: 'panel-head' }, h('h2', {}, run?.workflowType ?? node.path), badge(run?.status)),
    h('p', { class: 'muted small' }, 'A child run started by this run.'),
    run &&
      facts([
        ['Run', shortRun(run.name)],
        ['Started', formatTime(run.startedAt)],
        ['Duration', formatDuration(run.durationMs)],
        ['Steps loaded', String(node.steps ?? '—')],
      ]),
    h(
      'p',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'button', onclick: () => options.onToggle(node.path) },
        node.kind === 'child' ? 'Expand here' : 'Collapse',
      ),
      run && h('a', { class: 'button secondary', href: runHref(run.name) }, 'Open run →'),
    ),
  ];
}

/**
 * Fills `panel` with what `node` is (a graph model node, or a cluster as `{ kind: 'cluster' }`).
 * @param options.onPick selects another node by key
 */
export async function showDetails(panel, node, options) {
  if (!node) {
    panel.replaceChildren(
      h(
        'div',
        { class: 'panel-hint' },
        h('h2', {}, 'Details'),
        h(
          'p',
          {},
          'Click a step or an artifact to see its inputs, outputs, timings, error, digests and URIs.',
        ),
      ),
    );
    return;
  }
  if (node.kind === 'child' || node.kind === 'cluster') {
    panel.replaceChildren(...childDetails(node, options).flat().filter(Boolean));
    return;
  }
  const id = node.data.id;
  panel.replaceChildren(
    loading(node.kind === 'execution' ? `Loading execution e${id}…` : `Loading artifact a${id}…`),
  );
  try {
    const parts =
      node.kind === 'execution' ? await executionDetails(id, options) : await artifactDetails(id, options);
    panel.replaceChildren(...parts.flat(Infinity).filter(Boolean));
  } catch (error) {
    if (error.name === 'AbortError') return;
    panel.replaceChildren(errorBox(error));
  }
}
