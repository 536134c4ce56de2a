import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { TagKeySchema } from '../annotations/tags';

/** A condition on a run's tag: `{ key: 'reviewed', op: '=', value: 'yes' }`. */
export const TagFilterSchema = z.strictObject({
  key: TagKeySchema,
  op: z.enum(['=', '!=']),
  value: z.string().max(500),
});
export type TagFilter = z.input<typeof TagFilterSchema>;

/**
 * The condition on the run context `runId` (an SQL expression). `!=` holds for a run that has no
 * such tag at all, as a person means "not reviewed=yes".
 */
export function runTagCondition(runId: SQL, filter: z.output<typeof TagFilterSchema>): SQL {
  const has = sql`exists (select 1 from tags t where t.context_id = ${runId} and t.key = ${filter.key} and t.value = ${filter.value})`;
  return filter.op === '=' ? has : sql`not ${has}`;
}

/** `exists (…)`: the run read or wrote the artifact that the alias `name` points at now. */
export function runHasAliasedArtifact(runId: SQL, name: string): SQL {
  return sql`exists (
    select 1 from aliases al
    join events e on e.artifact_id = al.artifact_id
    join associations s on s.execution_id = e.execution_id
    where al.name = ${name} and s.context_id = ${runId})`;
}
