import { api, ApiError, seg } from './api.js';
import { h } from './dom.js';
import { formatTime } from './format.js';

/** The name changes are recorded under: asked once, kept in this browser. */
const AUTHOR_KEY = 'lineage.author';

let session;
/** The server's write token, read once per page from `/api/session` (another site cannot read it). */
async function writeToken() {
  session ??= api('session');
  return (await session).writeToken;
}

/** Sends a change (POST or DELETE) with the write token; errors come back as {@link ApiError}. */
export async function change(method, path, body) {
  const response = await fetch(`/api/${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-Lineage-Token': await writeToken(),
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

/**
 * A card with what a team said about a run, an execution or an artifact — tags, notes, aliases —
 * and forms to add to it. `kind` is `runs`, `executions` or `artifacts`; `id` the run name or id.
 */
export function annotationsCard(kind, id, { signal } = {}) {
  const base = `${kind}/${seg(id)}`;
  const card = h('section', { class: 'card annotations', 'aria-label': 'Tags and notes' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const author = h('input', {
    class: 'input',
    name: 'author',
    placeholder: 'Your name',
    'aria-label': 'Your name',
    value: globalThis.localStorage.getItem(AUTHOR_KEY) ?? '',
  });
  author.onchange = () => globalThis.localStorage.setItem(AUTHOR_KEY, author.value.trim());
  const who = () => {
    const name = author.value.trim();
    if (!name) throw new Error('Say who you are first (your name is recorded with the change).');
    globalThis.localStorage.setItem(AUTHOR_KEY, name);
    return name;
  };
  const act = (work) => async (event) => {
    event?.preventDefault?.();
    error.textContent = '';
    try {
      await work();
      await render();
    } catch (e) {
      error.textContent = e.message;
    }
  };

  async function render() {
    const { tags, notes, aliases } = await api(`${base}/annotations`, {}, signal);
    const tagInput = h('input', {
      class: 'input',
      name: 'tag',
      placeholder: 'key=value',
      'aria-label': 'New tag',
    });
    const noteInput = h('textarea', {
      class: 'input',
      name: 'note',
      rows: 3,
      'aria-label': 'New note',
      placeholder: 'A note (markdown)',
    });
    const aliasInput = h('input', {
      class: 'input',
      name: 'alias',
      placeholder: 'production',
      'aria-label': 'Alias name',
    });
    const tagChips = tags.map((t) =>
      h(
        'span',
        { class: 'chip tag', dataset: { tag: t.key }, title: `${t.author}, ${formatTime(t.createdAt)}` },
        `${t.key}=${t.value}`,
        h(
          'button',
          {
            type: 'button',
            class: 'chip-remove',
            'aria-label': `Remove tag ${t.key}`,
            onclick: act(() => change('DELETE', `${base}/tags/${seg(t.key)}`, { author: who() })),
          },
          '×',
        ),
      ),
    );
    const addTag = act(() => {
      const text = tagInput.value;
      const at = text.indexOf('=');
      if (at <= 0) throw new Error(`'${text}' is not key=value`);
      return change('POST', `${base}/tags`, {
        key: text.slice(0, at),
        value: text.slice(at + 1),
        author: who(),
      });
    });
    const addNote = act(() => change('POST', `${base}/notes`, { body: noteInput.value, author: who() }));
    const setAlias = act(() =>
      change('POST', `aliases/${seg(aliasInput.value.trim())}`, { artifactId: Number(id), author: who() }),
    );
    card.replaceChildren(
      h('h2', { class: 'card-title' }, kind === 'executions' ? 'Notes' : 'Tags and notes'),
      kind === 'executions'
        ? null
        : h(
            'div',
            { class: 'chips' },
            tagChips.length > 0 ? tagChips : h('span', { class: 'muted' }, 'No tags.'),
          ),
      kind === 'artifacts'
        ? h(
            'p',
            { class: 'aliases' },
            'Aliases: ',
            aliases.length > 0
              ? aliases.map((a) => h('span', { class: 'chip alias' }, a))
              : h('span', { class: 'muted' }, 'none'),
          )
        : null,
      h(
        'ul',
        { class: 'notes' },
        notes.map((n) =>
          h(
            'li',
            { class: 'note' },
            h('p', { class: 'muted' }, `${n.author}, ${formatTime(n.createdAt)}`),
            h('p', { class: 'note-body' }, n.body),
          ),
        ),
      ),
      h(
        'form',
        { class: 'annotate', onsubmit: (e) => e.preventDefault() },
        author,
        kind === 'executions'
          ? null
          : h(
              'span',
              { class: 'field' },
              tagInput,
              h('button', { type: 'button', class: 'button small', onclick: addTag }, 'Add tag'),
            ),
        kind === 'artifacts'
          ? h(
              'span',
              { class: 'field' },
              aliasInput,
              h('button', { type: 'button', class: 'button small', onclick: setAlias }, 'Point alias here'),
            )
          : null,
        h(
          'span',
          { class: 'field' },
          noteInput,
          h('button', { type: 'button', class: 'button small', onclick: addNote }, 'Add note'),
        ),
      ),
      error,
    );
  }
  render().catch((e) => {
    if (e.name !== 'AbortError')
      card.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, e.message));
  });
  return card;
}
