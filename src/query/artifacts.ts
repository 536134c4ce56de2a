import { and, asc, desc, eq, like, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { LineageNotFoundError } from '../errors';
import type { LineageStore } from '../store/open-store';
import { artifacts, events, executions } from '../store/schema';
import { decodeCursor, encodeCursor } from './cursor';
import { likePrefix, parseInput, toNumber, type ArtifactRow, type ExecutionRow } from './rows';

/** What {@link findArtifacts} selects; fields combine with AND. */
export const ArtifactQuerySchema = z.strictObject({
  /** `Dataset`, `Model`, `Metrics`, a user type, or `Value` for plain values. */
  type: z.string().min(1).optional(),
  /** Exactly this URI. */
  uri: z.string().min(1).optional(),
  /** URIs starting with this, e.g. `file:///data/iris/` or `s3://bucket/models/`. */
  uriPrefix: z.string().min(1).optional(),
  /** A content digest, whole or a prefix of at least 6 hex digits; `sha256:` is optional. */
  digest: z
    .string()
    .regex(/^(sha256:)?[0-9a-f]{6,64}$/, 'hex digits of a sha256, optionally after sha256:')
    .optional(),
  /** Page size, 1 to 1,000. */
  limit: z.number().int().min(1).max(1000).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().min(1).optional(),
});
export type ArtifactQuery = z.input<typeof ArtifactQuerySchema>;

/** An artifact in a listing, with how many executions wrote and read it. */
export interface ArtifactSummary extends ArtifactRow {
  readonly producerCount: number;
  readonly consumerCount: number;
}

/** One page of artifacts, newest first; `nextCursor` is null on the last page. */
export interface ArtifactPage {
  readonly artifacts: ArtifactSummary[];
  readonly nextCursor: string | null;
}

// Spelled out: in a select list Drizzle renders `${artifacts.id}` unqualified, which inside this
// subquery would bind to `e.id`.
const edgeCount = (type: 'INPUT' | 'OUTPUT') =>
  sql<
    string | number
  >`(select count(*) from events e where e.artifact_id = "artifacts"."id" and e.type = ${type})`;

/**
 * Artifacts by type, URI (exact or prefix) and content digest, newest first, one page at a time,
 * each with its producer and consumer counts.
 *
 * @example
 * const { artifacts: models } = await findArtifacts(store, { type: 'Model', uriPrefix: 'file:///srv/models/' });
 */
export async function findArtifacts(store: LineageStore, query: ArtifactQuery = {}): Promise<ArtifactPage> {
  const q = parseInput('artifact query', ArtifactQuerySchema, query);
  const conditions: SQL[] = [];
  if (q.type) conditions.push(eq(artifacts.type, q.type));
  if (q.uri) conditions.push(eq(artifacts.uri, q.uri));
  if (q.uriPrefix) conditions.push(like(artifacts.uri, likePrefix(q.uriPrefix)));
  if (q.digest) {
    const digest = q.digest.startsWith('sha256:') ? q.digest : `sha256:${q.digest}`;
    conditions.push(
      digest.length === 71 ? eq(artifacts.digest, digest) : like(artifacts.digest, likePrefix(digest)),
    );
  }
  if (q.cursor) conditions.push(lt(artifacts.id, Number(decodeCursor('artifacts', q.cursor, 1)[0])));
  const rows = await store.db
    .select({ artifact: artifacts, producers: edgeCount('OUTPUT'), consumers: edgeCount('INPUT') })
    .from(artifacts)
    .where(and(...conditions))
    .orderBy(desc(artifacts.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    artifacts: page.map(({ artifact, producers, consumers }) => ({
      ...artifact,
      producerCount: toNumber(producers),
      consumerCount: toNumber(consumers),
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor('artifacts', [last.artifact.id]) : null,
  };
}

/** One artifact by id. @throws {@link LineageNotFoundError} */
export async function getArtifact(store: LineageStore, id: number): Promise<ArtifactRow> {
  const [row] = await store.db.select().from(artifacts).where(eq(artifacts.id, id));
  if (!row) throw new LineageNotFoundError('artifact', String(id));
  return row;
}

/** The executions that wrote an artifact (producers) and read it (consumers), oldest first. */
export async function getArtifactUsage(
  store: LineageStore,
  artifactId: number,
): Promise<{ producers: ExecutionRow[]; consumers: ExecutionRow[] }> {
  const rows = await store.db
    .select({ type: events.type, execution: executions })
    .from(events)
    .innerJoin(executions, eq(executions.id, events.executionId))
    .where(eq(events.artifactId, artifactId))
    .orderBy(asc(executions.startedAt), asc(executions.id));
  const of = (type: string) => rows.filter((row) => row.type === type).map((row) => row.execution);
  return { producers: of('OUTPUT'), consumers: of('INPUT') };
}
