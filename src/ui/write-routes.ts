import { z } from 'zod';
import { aliasHistory, removeAlias, setAlias } from '../annotations/aliases';
import { addNote } from '../annotations/notes';
import type { Subject } from '../annotations/subjects';
import { removeTag, setTag } from '../annotations/tags';
import { parseInput } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { IdSchema, parseSegment, RunRefSchema } from './api-params';
import { matchPattern } from './api-routes';

type WriteHandler = (store: LineageStore, segments: string[], body: unknown) => Promise<unknown>;

interface WriteRoute {
  readonly method: 'POST' | 'DELETE';
  readonly pattern: string[];
  readonly handler: WriteHandler;
}

/** Who makes the change: the name the person gave when the page was opened. */
const Author = z.string().trim().min(1, 'say who you are').max(200);
const TagBody = z.strictObject({ key: z.string(), value: z.string(), author: Author });
const NoteBody = z.strictObject({ body: z.string(), author: Author });
const AliasBody = z.strictObject({ artifactId: z.number().int().positive(), author: Author });
const AuthorBody = z.strictObject({ author: Author });

/** `runs/:run`, `executions/:id` or `artifacts/:id` as the annotation subject. */
function subjectOf(kind: string, segment: string): Subject {
  if (kind === 'runs') return { run: parseSegment('run reference', RunRefSchema, segment) };
  const id = parseSegment(`${kind.slice(0, -1)} id`, IdSchema, segment);
  return kind === 'executions' ? { executionId: id } : { artifactId: id };
}

const routes: WriteRoute[] = [];
for (const kind of ['runs', 'artifacts']) {
  routes.push(
    {
      method: 'POST',
      pattern: [kind, ':subject', 'tags'],
      handler: async (store, [subject], body) => {
        const b = parseInput('tag', TagBody, body);
        return { tag: await setTag(store, subjectOf(kind, subject!), b.key, b.value, { author: b.author }) };
      },
    },
    {
      method: 'DELETE',
      pattern: [kind, ':subject', 'tags', ':key'],
      handler: async (store, [subject, key]) => ({
        removed: await removeTag(store, subjectOf(kind, subject!), key!),
      }),
    },
  );
}
for (const kind of ['runs', 'executions', 'artifacts']) {
  routes.push({
    method: 'POST',
    pattern: [kind, ':subject', 'notes'],
    handler: async (store, [subject], body) => {
      const b = parseInput('note', NoteBody, body);
      return { note: await addNote(store, subjectOf(kind, subject!), b.body, { author: b.author }) };
    },
  });
}
routes.push(
  {
    method: 'POST',
    pattern: ['aliases', ':name'],
    handler: async (store, [name], body) => {
      const b = parseInput('alias', AliasBody, body);
      await setAlias(store, name!, b.artifactId, { author: b.author });
      return { history: await aliasHistory(store, name!) };
    },
  },
  {
    method: 'DELETE',
    pattern: ['aliases', ':name'],
    handler: async (store, [name], body) => {
      const b = parseInput('alias', AuthorBody, body);
      return { move: await removeAlias(store, name!, { author: b.author }) };
    },
  },
);

/** The write handler for a method and the decoded path after `/api/`, with its `:name` segments. */
export function matchWriteRoute(
  method: string,
  segments: string[],
): { handler: WriteHandler; args: string[] } | undefined {
  for (const route of routes) {
    const args = route.method === method ? matchPattern(route.pattern, segments) : undefined;
    if (args) return { handler: route.handler, args };
  }
  return undefined;
}
