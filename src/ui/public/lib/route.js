// Hash routing: every view and its state is in the URL after `#`, so any view can be shared and
// the back button walks through them. `#/run/<name>?node=execution:12&expand=all`.

/** The current route: `{ view, arg, params }`. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const [view = 'runs', ...rest] = path.split('/');
  let arg = null;
  try {
    arg = rest.length > 0 ? decodeURIComponent(rest.join('/')) : null;
  } catch {
    arg = rest.join('/');
  }
  return { view: view || 'runs', arg, params };
}

/** A hash URL for a view; params with empty values are left out. */
export function href(view, arg, params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '' && v !== false) search.append(key, String(v));
    }
  }
  const path = arg === null || arg === undefined ? view : `${view}/${encodeURIComponent(String(arg))}`;
  const qs = search.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export const runHref = (name, params) => href('run', name, params);
export const artifactHref = (id, params) => href('artifact', id, params);
export const executionHref = (run, id) => href('run', run, { node: `execution:${id}` });

/** Goes to another view (a new history entry). */
export function navigate(url) {
  if (location.hash !== url) location.hash = url;
}

/** Records view state (selection, expansion) in the URL without a history entry per click. */
export function replace(url) {
  if (location.hash !== url) history.replaceState(history.state, '', url);
}

/** The page size a URL asks for, within what the API allows. */
export const pageSize = (params, fallback) =>
  Math.min(2000, Math.max(1, Number(params.get('limit')) || fallback));
