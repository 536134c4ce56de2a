/**
 * `lineage runs --where`: besides artifact fields (`Metrics.accuracy>0.9`, see where-filter.ts),
 * a team's annotations — `tag.<key>=<value>`, `tag.<key>!=<value>` and `alias=<name>` (the run read
 * or wrote the artifact the alias points at). `tag` and `alias` are lower-case words, so they do
 * not shadow artifact types, which are capitalised.
 */
import { LineageFilterError } from '../errors';
import type { TagFilter } from '../query/annotation-filter';
import { parseWhere, type WhereFilter } from './where-filter';

/** One `--where` condition on runs. */
export type RunWhere =
  | { readonly kind: 'artifact'; readonly where: WhereFilter }
  | { readonly kind: 'tag'; readonly tag: TagFilter }
  | { readonly kind: 'alias'; readonly alias: string };

const TAG = /^tag\.([A-Za-z_][A-Za-z0-9_.-]*)\s*(!=|==|=)\s*(.*)$/s;
const ALIAS = /^alias\s*=\s*(.*)$/s;

/** A quoted value is JSON text (`"a b"`); anything else is taken as written. */
function text(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'string') return parsed;
  } catch {
    // Reported below as an unclosed quote.
  }
  return raw;
}

/** Parses one `--where` condition; a mistake is a {@link LineageFilterError} naming its column. */
export function parseRunWhere(input: string): RunWhere {
  const trimmed = input.trim();
  if (trimmed.startsWith('tag.') || trimmed.startsWith('tag ')) {
    const match = TAG.exec(trimmed);
    if (!match) {
      throw new LineageFilterError(
        trimmed,
        5,
        'not a tag condition',
        'tag.<key>=<value> or tag.<key>!=<value>',
      );
    }
    const [, key, op, value] = match as unknown as [string, string, string, string];
    if (value.trim() === '')
      throw new LineageFilterError(trimmed, trimmed.length + 1, 'no value', 'a value after the operator');
    return { kind: 'tag', tag: { key, op: op === '!=' ? '!=' : '=', value: text(value.trim()) } };
  }
  if (/^alias\b/.test(trimmed)) {
    const match = ALIAS.exec(trimmed);
    const name = match?.[1]?.trim();
    if (!name)
      throw new LineageFilterError(
        trimmed,
        6,
        'not an alias condition',
        'alias=<name>, e.g. alias=production',
      );
    return { kind: 'alias', alias: text(name) };
  }
  return { kind: 'artifact', where: parseWhere(trimmed) };
}
