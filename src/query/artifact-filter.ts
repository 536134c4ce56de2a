import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';

const ORDERING_OPS = ['>', '>=', '<', '<='] as const;

/**
 * A condition on a field of an artifact a run read or wrote, e.g. "runs whose Metrics.accuracy >
 * 0.9": `{ type: 'Metrics', field: 'accuracy', op: '>', value: 0.9 }`. Compares the stored
 * (encoded) value, in which plain numbers, strings and booleans are stored as they are.
 */
export const ArtifactFilterSchema = z
  .strictObject({
    /** Artifact type, e.g. `Metrics`, `Dataset`, `Value`. */
    type: z.string().min(1),
    /** Dotted path into the artifact's value: `accuracy`, `params.nEstimators`, `features.0`. */
    field: z
      .string()
      .min(1)
      .regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as params.nEstimators'),
    op: z.enum(['=', '!=', ...ORDERING_OPS]),
    value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
    /** Only artifacts the run wrote (`output`) or read (`input`); either when omitted. */
    side: z.enum(['input', 'output']).optional(),
  })
  .refine((f) => !(ORDERING_OPS as readonly string[]).includes(f.op) || typeof f.value !== 'boolean', {
    message: '>, >=, <, <= compare numbers or strings, not booleans',
    path: ['value'],
  })
  .refine((f) => f.value !== null || f.op === '=' || f.op === '!=', {
    message: 'null can only be compared with = or !=',
    path: ['value'],
  });
export type ArtifactFilter = z.input<typeof ArtifactFilterSchema>;

/** A Postgres text[] literal for `#>`: every element quoted, so dots, commas and braces are safe. */
function jsonPath(field: string): string {
  const quoted = field.split('.').map((part) => `"${part.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  return `{${quoted.join(',')}}`;
}

/** The condition on `a.value` (an artifacts row aliased `a`). */
function valueCondition(filter: z.output<typeof ArtifactFilterSchema>): SQL {
  const v = sql`(a.value #> ${jsonPath(filter.field)}::text[])`;
  const { op, value } = filter;
  if (op === '=' || op === '!=') {
    // jsonb equality compares numbers by value (0.9 = 0.90) and never coerces across types.
    return sql`${v} ${sql.raw(op === '=' ? '=' : '<>')} ${JSON.stringify(value)}::jsonb`;
  }
  // CASE, unlike AND, guarantees the cast only runs on values of the right JSON type.
  const operator = sql.raw(op);
  if (typeof value === 'number') {
    return sql`(case when jsonb_typeof(${v}) = 'number' then (${v})::numeric end) ${operator} ${String(value)}::numeric`;
  }
  return sql`(case when jsonb_typeof(${v}) = 'string' then ${v} #>> '{}' end) ${operator} ${String(value)}::text`;
}

/**
 * `exists (…)` over the artifacts the run context `runId` (an SQL expression) read or wrote.
 * Walks associations → events (both indexed by execution) → artifacts (primary key).
 */
export function runHasArtifact(runId: SQL, filter: z.output<typeof ArtifactFilterSchema>): SQL {
  const side =
    filter.side === undefined ? sql`` : sql`and e.type = ${filter.side === 'input' ? 'INPUT' : 'OUTPUT'}`;
  return sql`exists (
    select 1 from associations s
    join events e on e.execution_id = s.execution_id ${side}
    join artifacts a on a.id = e.artifact_id
    where s.context_id = ${runId} and a.type = ${filter.type} and ${valueCondition(filter)})`;
}
