import { api } from '../lib/api.js';
import { emptyState, h, loading, typeTag } from '../lib/dom.js';
import { basename, formatBytes, formatTime, preview, shortDigest } from '../lib/format.js';
import { artifactHref, href, navigate } from '../lib/route.js';

const TYPES = ['Model', 'Dataset', 'Metrics', 'Value'];

/** `#/artifacts?type=&uriPrefix=&cursor=`: artifacts newest first, to start a provenance walk from. */
export async function artifactsView(root, route, { signal }) {
  const p = route.params;
  const filters = {
    type: p.get('type') ?? '',
    uriPrefix: p.get('uriPrefix') ?? '',
    digest: p.get('digest') ?? '',
  };
  root.replaceChildren(loading('Loading artifacts…'));
  const page = await api(
    'artifacts',
    { ...filters, cursor: p.get('cursor') ?? undefined, limit: 25 },
    signal,
  );
  const go = (changes) => navigate(href('artifacts', null, { ...filters, ...changes }));
  const prefix = h('input', {
    type: 'search',
    placeholder: 'URI starts with… (file:///data/)',
    value: filters.uriPrefix,
    'aria-label': 'URI prefix',
  });
  const digest = h('input', {
    type: 'search',
    placeholder: 'digest (6+ hex)',
    value: filters.digest,
    'aria-label': 'Digest',
    class: 'short',
  });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        go({ uriPrefix: prefix.value.trim(), digest: digest.value.trim() });
      },
    },
    h(
      'div',
      { class: 'segmented', role: 'group', 'aria-label': 'Type' },
      ['', ...TYPES].map((type) =>
        h(
          'a',
          { href: href('artifacts', null, { ...filters, type }), class: type === filters.type ? 'on' : '' },
          type || 'All',
        ),
      ),
    ),
    h(
      'span',
      { class: 'search-box' },
      prefix,
      digest,
      h('button', { type: 'submit', class: 'button small' }, 'Search'),
    ),
    (filters.type || filters.uriPrefix || filters.digest) &&
      h('a', { href: '#/artifacts', class: 'clear' }, 'Clear filters'),
  );
  const head = h(
    'header',
    { class: 'page-head' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', {}, 'Artifacts'),
      h(
        'span',
        { class: 'muted' },
        'datasets, models, metrics and values, newest first — open one to see its provenance',
      ),
    ),
  );
  if (page.artifacts.length === 0) {
    root.replaceChildren(
      head,
      form,
      emptyState(
        'No artifacts here',
        [
          'Nothing recorded matches: clear the filters, or record a run first (',
          h('code', {}, 'plugins: [new LineagePlugin()]'),
          ' on your Worker).',
        ],
        h('a', { href: '#/artifacts' }, 'Show all artifacts'),
      ),
    );
    return;
  }
  root.replaceChildren(
    head,
    form,
    h(
      'section',
      { class: 'card flush' },
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Artifact', 'Type', 'Digest', 'Size', 'Written by', 'Read by', 'Recorded'].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          page.artifacts.map((a) =>
            h(
              'tr',
              { dataset: { artifact: a.id } },
              h(
                'td',
                {},
                h(
                  'a',
                  { href: artifactHref(a.id) },
                  h('strong', {}, a.uri ? basename(a.uri) : preview(a.value, 80)),
                ),
                a.uri && h('div', { class: 'mono muted small uri' }, a.uri),
              ),
              h('td', {}, typeTag(a.type)),
              h('td', { class: 'mono small' }, shortDigest(a.digest)),
              h('td', { class: 'num' }, formatBytes(a.sizeBytes)),
              h('td', { class: 'num' }, String(a.producers)),
              h('td', { class: 'num' }, String(a.consumers)),
              h('td', {}, formatTime(a.createdAt)),
            ),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      h('span', { class: 'grow' }),
      p.get('cursor') &&
        h('a', { class: 'button secondary small', href: href('artifacts', null, filters) }, '← Newest'),
      page.nextCursor &&
        h(
          'a',
          {
            class: 'button secondary small',
            href: href('artifacts', null, { ...filters, cursor: page.nextCursor }),
          },
          'Older →',
        ),
    ),
  );
}
