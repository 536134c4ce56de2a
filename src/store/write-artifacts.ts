import { sql, type SQL } from 'drizzle-orm';
import type { ArtifactDraft, CapturedArtifact } from '../artifacts/capture';

/**
 * The artifact half of attempt writes, as CTEs to embed in the write's single statement: an
 * attempt costs one or two statements whatever its artifacts (the bench showed ~15 small
 * statements per attempt costing more CPU than Temporal itself), and a batch of attempts the same.
 *
 * Artifacts travel as one jsonb parameter unpacked by jsonb_to_recordset: one bind value however
 * many artifacts, on postgres.js and PGlite alike.
 */

const ARTIFACT_COLUMNS = sql.raw(
  'identity text, type text, uri text, digest text, value_digest text, value jsonb, inline boolean, size_bytes integer, properties jsonb',
);

const KNOWN_LIMIT = 100_000;

/**
 * Artifact ids this process has written or seen, by identity. A dataset read by every attempt
 * is then sent and upserted once per worker, not once per attempt. Cleared when it grows large,
 * and by the writer when a cached id turns out to be gone (deleted by retention).
 */
export class KnownArtifacts {
  private readonly ids = new Map<string, number>();

  get(identity: string): number | undefined {
    return this.ids.get(identity);
  }

  remember(rows: ReadonlyArray<readonly [number, string]>): void {
    if (this.ids.size + rows.length > KNOWN_LIMIT) this.ids.clear();
    for (const [id, identity] of rows) this.ids.set(identity, Number(id));
  }

  clear(): void {
    this.ids.clear();
  }
}

/**
 * The new artifacts as one JSON array for jsonb_to_recordset. Each value is already canonical
 * JSON text (see ArtifactDraft.valueJson): it is spliced in as it is rather than parsed back and
 * serialised again; a row without one has no `value` key, which the recordset reads as null.
 */
function artifactRowsJson(drafts: readonly ArtifactDraft[]): string {
  const rows = drafts.map((a) => {
    const row = JSON.stringify({
      identity: a.identity,
      type: a.type,
      uri: a.uri,
      digest: a.digest,
      value_digest: a.valueDigest,
      inline: a.inline,
      size_bytes: a.sizeBytes,
      properties: a.properties,
    });
    return a.valueJson === null ? row : `${row.slice(0, -1)},"value":${a.valueJson}}`;
  });
  return `[${rows.join(',')}]`;
}

/** One attempt's share of a (possibly batched) attempt statement. */
export interface AttemptArtifacts {
  /** The attempt's index in the batch: what its edges are joined back to it by. */
  readonly i: number;
  readonly inputs: readonly CapturedArtifact[];
  readonly outputs: readonly CapturedArtifact[];
}

/**
 * CTEs `new_artifacts(id, identity)` and `edge_ids(i, artifact_id, type, path)`, for every attempt
 * of a batch. DO UPDATE rather than DO NOTHING so that RETURNING also gives the id of a row that
 * another worker committed a moment ago; rows are inserted in key order so that concurrent writers
 * lock in one order.
 */
export function artifactCtes(attempts: readonly AttemptArtifacts[], known: KnownArtifacts): SQL {
  const fresh = new Map<string, ArtifactDraft>();
  const edges = attempts.flatMap(({ i, inputs, outputs }) =>
    [
      ...inputs.map((edge) => ({ edge, type: 'INPUT' })),
      ...outputs.map((edge) => ({ edge, type: 'OUTPUT' })),
    ].map(({ edge: { path, artifact }, type }) => {
      const id = known.get(artifact.identity);
      if (id === undefined) fresh.set(artifact.identity, artifact);
      return {
        i,
        identity: artifact.identity,
        type,
        path,
        artifact_id: id ?? null,
      };
    }),
  );
  const rows = artifactRowsJson([...fresh.values()].sort((a, b) => (a.identity < b.identity ? -1 : 1)));
  return sql`
    new_artifacts as (
      insert into artifacts (identity, type, uri, digest, value_digest, value, inline, size_bytes, properties)
      select identity, type, uri, digest, value_digest, value, inline, size_bytes, properties
      from jsonb_to_recordset(${rows}::jsonb) as a(${ARTIFACT_COLUMNS})
      order by identity
      -- A no-op update of a column no index holds: it locks the row FOR NO KEY UPDATE, which does
      -- not block other writers' foreign-key checks (FOR KEY SHARE) on it — updating identity,
      -- a unique key, would, and two workers each inserting what the other already cached could
      -- deadlock — and the new row version can be a HOT update.
      on conflict (identity) do update set type = excluded.type
      returning id, identity
    ),
    edge_ids as (
      select e.i, coalesce(e.artifact_id, n.id) as artifact_id, e.type, e.path
      from jsonb_to_recordset(${JSON.stringify(edges)}::jsonb)
        as e(i int, identity text, type text, path text, artifact_id bigint)
      left join new_artifacts n on n.identity = e.identity
    )`;
}

/** The select that ends an attempt statement: new artifact ids, for {@link KnownArtifacts}. */
export const NEW_ARTIFACT_IDS = sql.raw(
  `(select coalesce(jsonb_agg(jsonb_build_array(id, identity)), '[]'::jsonb) from new_artifacts) as new_artifacts`,
);
