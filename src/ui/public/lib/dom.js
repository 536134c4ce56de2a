// Every piece of recorded data reaches the page through these helpers as text nodes or attribute
// values, never as HTML: workflow ids, values and error messages come from user code.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key === 'dataset') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: `h('a', { href, class, onclick }, 'text', child)`. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** A status or state badge; `data-state` lets tests and CSS find it. */
export function badge(state) {
  const text = state ?? 'UNKNOWN';
  return h('span', { class: `badge state-${text.toLowerCase()}`, dataset: { state: text } }, text);
}

/** An artifact type tag. */
export function typeTag(type) {
  return h('span', { class: `type-tag type-${typeClass(type)}` }, type);
}

/** The CSS class suffix of an artifact type; user types share one colour. */
export function typeClass(type) {
  return ['Dataset', 'Model', 'Metrics', 'Value'].includes(type) ? type.toLowerCase() : 'other';
}

/** A block saying there is nothing here yet, and what to do about it. */
export function emptyState(title, ...body) {
  return h('div', { class: 'empty', role: 'status' }, h('h2', {}, title), ...body.map((p) => h('p', {}, p)));
}

/** A loading line. */
export function loading(text) {
  return h(
    'p',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

/** An error box for a failed API call, with the server's typed details. */
export function errorBox(error, ...actions) {
  const details = error?.body?.error?.details ?? {};
  const suggestions = details.suggestions ?? details.candidates ?? [];
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('strong', {}, error?.body?.error?.code === 'NOT_FOUND' ? 'Not found' : 'Something went wrong'),
    h('p', {}, error?.message ?? String(error)),
    suggestions.length > 0 &&
      h(
        'p',
        {},
        'Did you mean: ',
        suggestions.map((x, i) => [i ? ', ' : '', h('code', {}, x)]),
      ),
    ...actions,
  );
}

/** A definition list from [label, value] pairs; null values are left out. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}
