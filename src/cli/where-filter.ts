/**
 * `--where` filters: `[input:|output:]Type.field OP value`, e.g. `Metrics.accuracy>0.9`,
 * `output:Model.params.nEstimators>=25`, `Dataset.name=iris`. A hand-written scanner rather than
 * one regular expression, so that a mistake is reported where it is (`>>> 3` is an unknown
 * operator, not `>` with the text `>> 3`) instead of quietly matching nothing.
 */
import { sql } from 'drizzle-orm';
import { LineageFilterError } from '../errors';
import type { ArtifactFilter } from '../query/artifact-filter';
import { UNSAFE_TEXT } from '../artifacts/safe-text';
import type { LineageStore } from '../store/open-store';

const OPERATORS = ['=', '==', '!=', '>', '>=', '<', '<='] as const;
const ORDERING = new Set(['>', '>=', '<', '<=']);
const OPERATOR_CHARS = /[<>=!]/;
const EXPECTED_OPERATOR = 'one of =, !=, >, >=, <, <=';
const EXAMPLE = '[input:|output:]Type.field OP value, e.g. Metrics.accuracy>0.9';

/** A parsed filter, with where its value starts so that a later type check can point at it. */
export interface WhereFilter {
  readonly text: string;
  readonly filter: ArtifactFilter;
  /** 1-based column of the value in `text`. */
  readonly valueColumn: number;
}

/** Reads a value as JSON when it is a JSON scalar (`0.9`, `true`, `null`, `"quoted"`), else as plain text. */
function readValue(text: string, raw: string, column: number): ArtifactFilter['value'] {
  if (raw === '') throw new LineageFilterError(text, column, 'no value', 'a value after the operator');
  if (OPERATOR_CHARS.test(raw[0]!)) {
    throw new LineageFilterError(
      text,
      column,
      `the value starts with '${raw[0]!}'`,
      `${EXPECTED_OPERATOR}, then a value (quote a text value that starts with it: "${raw}")`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    if (raw.startsWith('"')) {
      throw new LineageFilterError(
        text,
        column,
        `the quoted value ${raw} is not valid JSON text`,
        'a closing "',
      );
    }
    return raw;
  }
  return parsed === null || ['number', 'string', 'boolean'].includes(typeof parsed)
    ? (parsed as ArtifactFilter['value'])
    : raw;
}

/** Parses one `--where` filter; a mistake is a {@link LineageFilterError} naming its column. */
export function parseWhere(input: string): WhereFilter {
  const text = input.trim();
  let at = 0;
  const fail = (problem: string, expected: string): never => {
    throw new LineageFilterError(text, at + 1, problem, expected);
  };
  let side: 'input' | 'output' | undefined;
  const sideMatch = /^(input|output):/.exec(text);
  if (sideMatch) {
    side = sideMatch[1] as 'input' | 'output';
    at = sideMatch[0].length;
  }
  const type = /^[A-Za-z_][\w-]*/.exec(text.slice(at))?.[0];
  if (!type) fail('no artifact type', `${EXAMPLE}`);
  at += type!.length;
  if (text[at] !== '.') fail(`no field after the type '${type!}'`, `'.' and a field, as in ${EXAMPLE}`);
  at += 1;
  const field = /^[^\s<>=!]+/.exec(text.slice(at))?.[0];
  if (!field) fail('no field', `a field name, as in ${EXAMPLE}`);
  if (field!.split('.').some((part) => part === ''))
    fail(`the field '${field!}' has an empty part`, 'a dotted path such as params.nEstimators');
  at += field!.length;
  while (text[at] === ' ' || text[at] === '\t') at += 1;
  const op = /^[<>=!]+/.exec(text.slice(at))?.[0];
  if (!op) fail(`no operator after '${type!}.${field!}'`, EXPECTED_OPERATOR);
  if (!(OPERATORS as readonly string[]).includes(op!)) fail(`unknown operator '${op!}'`, EXPECTED_OPERATOR);
  at += op!.length;
  while (text[at] === ' ' || text[at] === '\t') at += 1;
  const value = readValue(text, text.slice(at), at + 1);
  if (ORDERING.has(op!) && (typeof value === 'boolean' || value === null)) {
    fail(`${op!} cannot compare ${String(value)}`, 'a number or a text value (= and != compare anything)');
  }
  return {
    text,
    valueColumn: at + 1,
    filter: {
      type: type!,
      field: field!,
      op: op === '==' ? '=' : (op as ArtifactFilter['op']),
      value,
      ...(side ? { side } : {}),
    },
  };
}

const jsonType = (value: ArtifactFilter['value']) => (value === null ? 'null' : typeof value);

/**
 * Refuses a filter whose value cannot match the field because the store holds it with another
 * JSON type (`Metrics.accuracy>high` when accuracy is a number), which would otherwise print "no
 * runs match" as if the question had been answered. Returns notes for fields no stored artifact
 * of that type has, which are worth saying but may still be right (nothing recorded yet).
 */
export async function checkWhereTypes(
  store: LineageStore,
  filters: readonly WhereFilter[],
): Promise<string[]> {
  const notes: string[] = [];
  for (const { text, filter, valueColumn } of filters) {
    // Text Postgres cannot hold: left to the query's own validation, which names it.
    if (UNSAFE_TEXT.test(filter.type) || UNSAFE_TEXT.test(filter.field)) continue;
    const path = `{${filter.field
      .split('.')
      .map((part) => `"${part.replace(/["\\]/g, (c) => `\\${c}`)}"`)
      .join(',')}}`;
    const rows = await store.rows<{ kind: string }>(sql`
      select distinct jsonb_typeof(a.value #> ${path}::text[]) as kind from artifacts a
      where a.type = ${filter.type} and a.value #> ${path}::text[] is not null`);
    const kinds = rows.map((r) => r.kind).filter((k) => k !== 'null');
    if (kinds.length === 0) {
      if (rows.length === 0) notes.push(`No stored ${filter.type} artifact has the field '${filter.field}'.`);
      continue;
    }
    const wanted = jsonType(filter.value);
    if (wanted === 'null' || kinds.includes(wanted)) continue;
    const holds = kinds.map((k) => `${k}s`).join(' and ');
    throw new LineageFilterError(
      text,
      valueColumn,
      `${filter.type}.${filter.field} holds ${holds}, not the ${wanted} ${JSON.stringify(filter.value)}`,
      kinds.length === 1 ? `a ${kinds[0]!}` : `one of: ${kinds.join(', ')}`,
    );
  }
  return notes;
}
