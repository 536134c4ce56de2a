import { resolveAlias } from '../annotations/aliases';
import type { Subject } from '../annotations/subjects';
import { LineageNotFoundError } from '../errors';
import { findArtifacts } from '../query/artifacts';
import type { LineageStart } from '../query/lineage';
import { uriBasename } from '../query/preview';
import { closestMatches } from '../query/suggest';
import type { LineageStore } from '../store/open-store';
import type { Output } from './output';

const ARTIFACT = /^(?:a|artifact:)(\d+)$/;
const EXECUTION = /^(?:e|execution:)(\d+)$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** `@production`: the artifact an alias points at. */
const ALIAS = /^@(.+)$/;

/** The artifact id an `@alias` names now, or undefined when the text is not an alias reference. */
async function aliasTarget(store: LineageStore, text: string): Promise<number | undefined> {
  const alias = ALIAS.exec(text);
  return alias ? (await resolveAlias(store, alias[1]!)).artifactId : undefined;
}

/**
 * What `tag` and `note` annotate, from what a person types: `a12` / `@alias` (an artifact),
 * `e34` (an execution), else a run reference.
 */
export async function resolveSubjectText(store: LineageStore, text: string): Promise<Subject> {
  const artifact = ARTIFACT.exec(text);
  if (artifact) return { artifactId: Number(artifact[1]) };
  const aliased = await aliasTarget(store, text);
  if (aliased !== undefined) return { artifactId: aliased };
  const execution = EXECUTION.exec(text);
  if (execution) return { executionId: Number(execution[1]) };
  return { run: text };
}

/**
 * Where `trace` and `graph` start, from what a person types: `a12` / `artifact:12` (a bare number
 * too), `@alias`, `e34` / `execution:34`, an artifact URI (`file:///…`, `s3://…`), or else a run
 * reference.
 */
export async function resolveStart(store: LineageStore, text: string, out: Output): Promise<LineageStart> {
  const artifact = ARTIFACT.exec(text) ?? /^(\d+)$/.exec(text);
  if (artifact) return { artifactId: Number(artifact[1]) };
  const aliased = await aliasTarget(store, text);
  if (aliased !== undefined) return { artifactId: aliased };
  const execution = EXECUTION.exec(text);
  if (execution) return { executionId: Number(execution[1]) };
  if (URI.test(text)) return { artifactId: await artifactByUri(store, text, out) };
  return { run: text };
}

/** The newest artifact at a URI; older versions (same URI, other content) are mentioned, not chosen. */
async function artifactByUri(store: LineageStore, uri: string, out: Output): Promise<number> {
  const { artifacts } = await findArtifacts(store, { uri, limit: 20 });
  const [newest, ...older] = artifacts;
  if (newest) {
    if (older.length > 0) {
      const others = older.map((a) => `a${a.id}`).join(', ');
      out.note(
        `${uri} has ${artifacts.length} versions; using the newest, a${newest.id} (others: ${others})`,
      );
    }
    return newest.id;
  }
  // A moved file usually keeps its name; a mistyped one is a few edits away from the right URI.
  const { artifacts: recent } = await findArtifacts(store, { limit: 1000 });
  const uris = recent.flatMap((a) => (a.uri ? [a.uri] : []));
  const sameName = uris.filter((other) => uriBasename(other) === uriBasename(uri));
  throw new LineageNotFoundError('artifact', uri, closestMatches(uri, sameName.length > 0 ? sameName : uris));
}
