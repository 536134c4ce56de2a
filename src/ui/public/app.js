// The page: a hash router over five views, each reading the read-only JSON API.
import { api } from './lib/api.js';
import { errorBox, h } from './lib/dom.js';
import { currentRoute } from './lib/route.js';
import { artifactView } from './views/artifact.js';
import { artifactsView } from './views/artifacts.js';
import { compareView } from './views/compare.js';
import { runView } from './views/run.js';
import { runsView } from './views/runs.js';

const VIEWS = {
  runs: runsView,
  run: runView,
  artifacts: artifactsView,
  artifact: artifactView,
  compare: compareView,
};
const NAV = { runs: 'runs', run: 'runs', artifacts: 'artifacts', artifact: 'artifacts', compare: 'compare' };

const main = document.getElementById('main');
let current = null;

async function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const route = currentRoute();
  const view = VIEWS[route.view];
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', link.dataset.nav === NAV[route.view]);
    if (link.dataset.nav === NAV[route.view]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `Lineage · ${route.view}${route.arg ? ` ${route.arg}` : ''}`;
  main.dataset.view = route.view;
  main.removeAttribute('data-ready');
  if (!view) {
    main.replaceChildren(
      errorBox(
        new Error(`There is no "${route.view}" page.`),
        h('p', {}, h('a', { href: '#/runs' }, 'Go to the runs')),
      ),
    );
    main.dataset.ready = 'true';
    return;
  }
  try {
    await view(main, route, { signal: controller.signal });
    // Tests and screenshots wait for this: the view has drawn what it loaded.
    if (current === controller) main.dataset.ready = 'true';
  } catch (error) {
    if (error.name === 'AbortError' || current !== controller) return;
    main.replaceChildren(errorBox(error, h('p', {}, h('a', { href: '#/runs' }, '← Back to the runs'))));
    main.dataset.ready = 'true';
  }
}

window.addEventListener('hashchange', render);
void render();
api('store')
  .then((store) => {
    const el = document.getElementById('store');
    el.textContent = store.target;
    el.title = `The lineage store this page reads (${store.driver})`;
  })
  .catch(() => {});
