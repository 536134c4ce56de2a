import { createHash } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { LineageNotFoundError, LineageOptionsError } from '../errors';
import type { LineageStore } from '../store/open-store';
import { artifacts, executions } from '../store/schema';
import { getArtifact } from './artifacts';
import { decodeCursor, encodeCursor } from './cursor';
import { getRun } from './get-run';
import { walkQuery, type WalkRow, type WalkSeed } from './lineage-sql';
import { numericFields, previewValue, uriBasename } from './preview';
import { durationMs, parseInput, toNumber } from './rows';

/** Where a walk starts: an artifact, an execution, or every execution of a run. */
export const LineageStartSchema = z.union([
  z.strictObject({ artifactId: z.number().int().positive() }),
  z.strictObject({ executionId: z.number().int().positive() }),
  /** Anything `getRun` accepts; the run's child runs are included unless `includeChildRuns: false`. */
  z.strictObject({ run: z.string().min(1) }),
]);
export type LineageStart = z.input<typeof LineageStartSchema>;

export const LineageOptionsSchema = z.strictObject({
  /** `upstream` (what it came from), `downstream` (what came from it) or `both`. */
  direction: z.enum(['upstream', 'downstream', 'both']).default('upstream'),
  /** Edges to follow from the start: 1 reaches producers (upstream) or consumers (downstream). */
  maxHops: z.number().int().min(0).max(1000).default(20),
  /** Nodes per page, 1 to 10,000; `nextCursor` pages on. */
  maxNodes: z.number().int().min(1).max(10_000).default(500),
  /** For a run start: also start from the executions of its child runs (default true). */
  includeChildRuns: z.boolean().default(true),
  /**
   * Stay inside one run (anything `getRun` accepts) and its child runs: executions of other runs
   * are not walked through. Artifacts are shared across runs (a dataset used by fifty runs is
   * one node), so an unscoped walk answers cross-run questions; a scoped one answers "how did
   * this run make it".
   */
  withinRun: z.string().min(1).optional(),
  /** `nextCursor` of the previous page of the same walk. */
  cursor: z.string().min(1).optional(),
});
export type LineageOptions = z.input<typeof LineageOptionsSchema>;

/** A value or thing-at-a-URI in a lineage graph. */
export interface ArtifactNode {
  readonly kind: 'artifact';
  /** `artifact:<id>`, what edges refer to. */
  readonly key: string;
  readonly id: number;
  /** Edges between the start and this node. */
  readonly hops: number;
  readonly type: string;
  readonly uri: string | null;
  readonly digest: string;
  readonly sizeBytes: number;
  /** A short display text: the URI's file name, a Metrics' numbers, or a value preview. */
  readonly label: string;
  readonly createdAt: Date;
}

/** An activity attempt in a lineage graph. */
export interface ExecutionNode {
  readonly kind: 'execution';
  /** `execution:<id>`, what edges refer to. */
  readonly key: string;
  readonly id: number;
  readonly hops: number;
  readonly activityType: string;
  readonly activityId: string;
  readonly attempt: number;
  readonly state: string;
  /** The run's name, `workflowId/runId`. */
  readonly run: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly durationMs: number | null;
  readonly label: string;
}

export type LineageNode = ArtifactNode | ExecutionNode;

/** Data flow: INPUT edges go artifact → execution, OUTPUT edges execution → artifact. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly type: 'INPUT' | 'OUTPUT';
  /** Where the artifact sat in the arguments or result: `args[0]`, `result.model`. */
  readonly path: string;
  /**
   * INPUT edges: `execution:<id>` of the execution that produced the value consumed, or null for
   * an external input of the run (an argument, a literal, a value from outside the run tree).
   * Walks follow this edge, not every producer of equal content.
   */
  readonly producer?: string | null;
}

/**
 * One page of a walk. Nodes come nearest first; each edge comes on the page of its later end,
 * so concatenating all pages gives the whole subgraph, every node and edge once.
 */
export interface LineageGraph {
  /** `artifact:<id>`, `execution:<id>` or `run:<workflowId/runId>` (its executions are the hop-0 nodes). */
  readonly start: string;
  readonly direction: 'upstream' | 'downstream' | 'both';
  readonly maxHops: number;
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
  /** True when more nodes than `maxNodes` were reached (this page is not the whole graph). */
  readonly truncated: boolean;
  /** True when the graph goes on past `maxHops`. */
  readonly hopLimited: boolean;
  /**
   * Set when the walk starts at an artifact: its first hop reaches every execution that produced
   * (upstream) or consumed (downstream) equal content, in any run; later hops follow recorded
   * producers only.
   */
  readonly firstHop?: 'all of equal content';
}

async function resolveSeed(
  store: LineageStore,
  start: z.output<typeof LineageStartSchema>,
  includeChildRuns: boolean,
): Promise<{ seed: WalkSeed; key: string }> {
  // Checked up front: a walk from an id nobody recorded would otherwise be an empty graph.
  if ('artifactId' in start) {
    await getArtifact(store, start.artifactId);
    return { seed: start, key: `artifact:${start.artifactId}` };
  }
  if ('executionId' in start) {
    const [found] = await store.db
      .select({ id: executions.id })
      .from(executions)
      .where(eq(executions.id, start.executionId));
    if (!found) throw new LineageNotFoundError('execution', String(start.executionId));
    return { seed: start, key: `execution:${start.executionId}` };
  }
  const run = await getRun(store, start.run);
  return { seed: { runContextId: run.id, includeChildRuns }, key: `run:${run.name}` };
}

/** Ties a cursor to the walk it pages, so that it cannot be replayed against another one. */
function fingerprint(seed: WalkSeed, direction: string, maxHops: number, scope: number | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([seed, direction, maxHops, scope ?? null]))
    .digest('base64url')
    .slice(0, 12);
}

async function hydrate(store: LineageStore, rows: WalkRow[]): Promise<LineageNode[]> {
  const ids = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => toNumber(r.id));
  const [artifactIds, executionIds] = [ids('artifact'), ids('execution')];
  const [artifactRows, executionRows] = await Promise.all([
    artifactIds.length === 0
      ? []
      : store.db
          .select({
            id: artifacts.id,
            type: artifacts.type,
            uri: artifacts.uri,
            digest: artifacts.digest,
            sizeBytes: artifacts.sizeBytes,
            createdAt: artifacts.createdAt,
            inline: artifacts.inline,
            // Only small URI-less values are needed, for their labels.
            value: sql<unknown>`case when ${artifacts.uri} is null and ${artifacts.sizeBytes} <= 4096 then ${artifacts.value} end`,
          })
          .from(artifacts)
          .where(inArray(artifacts.id, artifactIds)),
    executionIds.length === 0
      ? []
      : store.db.select().from(executions).where(inArray(executions.id, executionIds)),
  ]);
  const artifactById = new Map(artifactRows.map((a) => [a.id, a]));
  const executionById = new Map(executionRows.map((e) => [e.id, e]));
  return rows.map((row): LineageNode => {
    const id = toNumber(row.id);
    const hops = toNumber(row.hops ?? 0);
    if (row.kind === 'artifact') {
      const { value, inline, ...a } = artifactById.get(id)!;
      const label = a.uri
        ? uriBasename(a.uri)
        : !inline
          ? `(${a.sizeBytes} bytes, not inline)`
          : value === null && a.sizeBytes > 4096
            ? `(${a.sizeBytes} bytes)`
            : numericFields(value) || previewValue(value);
      return { kind: 'artifact', key: `artifact:${id}`, hops, ...a, label };
    }
    const e = executionById.get(id)!;
    return {
      kind: 'execution',
      key: `execution:${id}`,
      id,
      hops,
      activityType: e.activityType,
      activityId: e.activityId,
      attempt: e.attempt,
      state: e.state,
      run: `${e.workflowId}/${e.runId}`,
      workflowId: e.workflowId,
      runId: e.runId,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
      durationMs: durationMs(e.startedAt, e.endedAt),
      label: e.attempt > 1 ? `${e.activityType} (attempt ${e.attempt})` : e.activityType,
    };
  });
}

/**
 * Walks lineage from an artifact, an execution or a run: upstream (what it was made from),
 * downstream (what was made from it) or both, up to `maxHops` edges, one page of `maxNodes`
 * nodes at a time. A recursive CTE over both indexed ends of `events`; unlike MLMD's
 * `get_lineage_subgraph` it pages, and unlike Vertex ML Metadata it has no fixed node cap.
 *
 * @example
 * // "Which data and parameters produced this model?"
 * const graph = await traceLineage(store, { artifactId: model.id }, { direction: 'upstream', maxHops: 10 });
 * const steps = graph.nodes.filter((n) => n.kind === 'execution').map((n) => n.activityType);
 * // "Which models were trained on this dataset?" — page through everything downstream
 * let cursor: string | undefined;
 * do {
 *   const page = await traceLineage(store, { artifactId: dataset.id }, { direction: 'downstream', cursor });
 *   for (const n of page.nodes) if (n.kind === 'artifact' && n.type === 'Model') console.log(n.uri);
 *   cursor = page.nextCursor ?? undefined;
 * } while (cursor);
 */
export async function traceLineage(
  store: LineageStore,
  start: LineageStart,
  options: LineageOptions = {},
): Promise<LineageGraph> {
  const from = parseInput('lineage start', LineageStartSchema, start);
  const o = parseInput('lineage options', LineageOptionsSchema, options);
  const { seed, key } = await resolveSeed(store, from, o.includeChildRuns);
  const scope = o.withinRun === undefined ? undefined : (await getRun(store, o.withinRun)).id;
  const print = fingerprint(seed, o.direction, o.maxHops, scope);
  let after: [number, string, number] | null = null;
  if (o.cursor) {
    const [hops, kind, id, walk] = decodeCursor('lineage', o.cursor, 4);
    if (walk !== print) throw new LineageOptionsError('lineage cursor', ['cursor: belongs to another walk']);
    after = [Number(hops), String(kind), Number(id)];
  }
  const rows = await store.rows<WalkRow>(
    walkQuery({
      seed,
      direction: o.direction,
      maxHops: o.maxHops,
      maxNodes: o.maxNodes,
      after,
      ...(scope === undefined ? {} : { scopeRunContextId: scope }),
    }),
  );
  const nodeRows = rows.filter((r) => r.row === 'node');
  const nodes = await hydrate(store, nodeRows);
  const last = nodes.at(-1);
  const more = nodeRows[0]?.more === true;
  return {
    start: key,
    direction: o.direction,
    maxHops: o.maxHops,
    nodes,
    edges: rows
      .filter((r) => r.row === 'edge')
      .map((r) => ({
        from:
          r.type === 'INPUT'
            ? `artifact:${toNumber(r.artifact_id!)}`
            : `execution:${toNumber(r.execution_id!)}`,
        to:
          r.type === 'INPUT'
            ? `execution:${toNumber(r.execution_id!)}`
            : `artifact:${toNumber(r.artifact_id!)}`,
        type: r.type!,
        path: r.path!,
        ...(r.type === 'INPUT'
          ? {
              producer:
                r.producer_execution_id === null ? null : `execution:${toNumber(r.producer_execution_id)}`,
            }
          : {}),
      }))
      .sort(
        (a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.path.localeCompare(b.path),
      ),
    nextCursor: more && last ? encodeCursor('lineage', [last.hops, last.kind, last.id, print]) : null,
    truncated: more,
    hopLimited: nodeRows[0]?.beyond === true,
    ...('artifactId' in seed ? { firstHop: 'all of equal content' as const } : {}),
  };
}
