import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { loadAnnotations, type AnnotationIndex } from '../annotations/bulk';
import { packageRoot } from '../package-root';
import { loadFamily, type FamilyRun } from '../query/diff-steps';
import { leaves, looksTyped } from '../query/flatten';
import { getRun } from '../query/get-run';
import { executionsOfContext } from '../query/run-detail';
import { parseInput, type EventArtifact, type ExecutionWithArtifacts, type RunRow } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { contexts } from '../store/schema';
import { builtInArtifactTypes, VALUE_TYPE } from '../artifacts/types';
import {
  datasetName,
  FACET_SCHEMAS,
  OPENLINEAGE_SCHEMA_URL,
  stableUuid,
  type Facet,
  type OpenLineageDataset,
  type OpenLineageRunEvent,
} from './openlineage-model';

export const OpenLineageExportOptionsSchema = z.strictObject({
  /** Only this run (anything `getRun` accepts) and its child runs; every run when omitted. */
  run: z.string().min(1).optional(),
  /** Job namespace, e.g. your Temporal namespace. */
  namespace: z.string().min(1).default('temporal'),
  /** The `producer` URI; defaults to `urn:temporal-lineage:<version>`. */
  producer: z.url().optional(),
});
export type OpenLineageExportOptions = z.input<typeof OpenLineageExportOptionsSchema>;

/** Keeps a facet of a huge argument list readable; the rest is in the lineage store. */
const MAX_PARAMETERS = 100;
const ROOTS_PER_PAGE = 100;
const TYPED_KINDS = new Set(builtInArtifactTypes.map((t) => t.name));

const END_EVENT: Record<string, OpenLineageRunEvent['eventType'] | undefined> = {
  COMPLETED: 'COMPLETE',
  CONTINUED_AS_NEW: 'COMPLETE',
  FAILED: 'FAIL',
  CANCELED: 'ABORT',
  // Recorded by reconciliation: a terminated run was stopped from outside, a timed-out one failed.
  TERMINATED: 'ABORT',
  TIMED_OUT: 'FAIL',
  COMPLETE: 'COMPLETE',
  CACHED: 'COMPLETE',
  ABANDONED: 'FAIL',
};

function defaultProducer(): string {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return `urn:temporal-lineage:${version}`;
}

const compact = (facets: Record<string, Facet | undefined>) =>
  Object.fromEntries(
    Object.entries(facets).filter((entry): entry is [string, Facet] => entry[1] !== undefined),
  );

class EventBuilder {
  constructor(
    private readonly namespace: string,
    private readonly producer: string,
  ) {}

  facet(kind: keyof typeof FACET_SCHEMAS, fields: Record<string, unknown>): Facet {
    return { _producer: this.producer, _schemaURL: FACET_SCHEMAS[kind], ...fields };
  }

  job(name: string, jobType: 'WORKFLOW' | 'ACTIVITY'): OpenLineageRunEvent['job'] {
    const facet = this.facet('jobType', { processingType: 'BATCH', integration: 'TEMPORAL', jobType });
    return { namespace: this.namespace, name, facets: { jobType: facet } };
  }

  parent(parent: RunRow, root: RunRow): Facet {
    const ref = (run: RunRow) => ({
      run: { runId: runUuid(run) },
      job: { namespace: this.namespace, name: run.workflowType ?? 'unknown' },
    });
    return this.facet('parent', { ...ref(parent), root: ref(root) });
  }

  parameters(values: Map<string, unknown>): Facet | undefined {
    if (values.size === 0) return undefined;
    const parameters = [...values]
      .slice(0, MAX_PARAMETERS)
      .map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
    return this.facet('executionParameters', { parameters });
  }

  /** A team's tags on a run or a dataset, as the custom facet `temporalLineage_tags`. */
  tags(kind: 'runTags' | 'datasetTags', tags: Record<string, string>): Facet | undefined {
    return Object.keys(tags).length === 0 ? undefined : this.facet(kind, { tags });
  }

  /** `producedBy`: the execution whose outputs these are; inputs name their own producer. */
  datasets(events: EventArtifact[], annotations: AnnotationIndex, producedBy?: number): OpenLineageDataset[] {
    const byName = new Map<string, OpenLineageDataset>();
    for (const { artifact, producerExecutionId } of events) {
      if (artifact.type === VALUE_TYPE) continue;
      const { namespace, name } = datasetName(
        artifact,
        this.namespace,
        producedBy ?? producerExecutionId ?? null,
      );
      const aliases = annotations.artifactAliases(artifact.id);
      byName.set(`${namespace}\0${name}`, {
        namespace,
        name,
        facets: compact({
          version: this.facet('version', { datasetVersion: artifact.digest }),
          temporalLineage_tags: this.tags('datasetTags', annotations.artifactTags(artifact.id)),
          temporalLineage_aliases: aliases.length > 0 ? this.facet('aliases', { aliases }) : undefined,
        }),
      });
    }
    return [...byName.values()];
  }

  event(
    eventType: OpenLineageRunEvent['eventType'],
    at: Date,
    run: OpenLineageRunEvent['run'],
    job: OpenLineageRunEvent['job'],
    inputs: OpenLineageDataset[] = [],
    outputs: OpenLineageDataset[] = [],
  ): OpenLineageRunEvent {
    const eventTime = at.toISOString();
    return {
      eventType,
      eventTime,
      producer: this.producer,
      schemaURL: OPENLINEAGE_SCHEMA_URL,
      run,
      job,
      inputs,
      outputs,
    };
  }

  error(message: string, stackTrace?: string): Facet {
    return this.facet('errorMessage', {
      message,
      programmingLanguage: 'JavaScript',
      ...(stackTrace ? { stackTrace } : {}),
    });
  }
}

const runUuid = (run: RunRow) => stableUuid(`temporal-run:${run.name}`);
const executionUuid = (e: ExecutionWithArtifacts) =>
  stableUuid(`temporal-activity:${e.workflowId}/${e.runId}/${e.activityId}/${e.attempt}`);

function valueParameters(e: ExecutionWithArtifacts): Map<string, unknown> {
  const typed = new Set(e.inputs.filter((i) => i.artifact.type !== VALUE_TYPE).map((i) => i.path));
  const out = new Map<string, unknown>();
  for (const input of e.inputs.filter((i) => i.artifact.type === VALUE_TYPE && !typed.has(i.path)))
    for (const [path, value] of leaves(input.artifact.value, input.path, (p) => typed.has(p)))
      out.set(path, value);
  return out;
}

async function familyEvents(
  store: LineageStore,
  b: EventBuilder,
  family: FamilyRun[],
): Promise<OpenLineageRunEvent[]> {
  const root = family[0]!.run;
  const executions = new Map<number, ExecutionWithArtifacts[]>();
  for (const { run } of family) executions.set(run.id, await executionsOfContext(store, run.id));
  const artifactIds = [...executions.values()]
    .flat()
    .flatMap((e) => [...e.inputs, ...e.outputs].map((x) => x.artifact.id));
  const annotations = await loadAnnotations(
    store,
    family.map(({ run }) => run.id),
    [...new Set(artifactIds)],
  );
  const out: Array<{ event: OpenLineageRunEvent; order: number }> = [];
  const push = (event: OpenLineageRunEvent, order: number) => out.push({ event, order });
  for (const { run, parent } of family) {
    const runFacets = compact({
      parent: parent ? b.parent(parent, root) : undefined,
      executionParameters: b.parameters(leaves(run.args, 'args', (_, v) => looksTyped(v, TYPED_KINDS))),
      temporalLineage_tags: b.tags('runTags', annotations.runTags(run.id)),
    });
    const job = b.job(run.workflowType ?? 'unknown', 'WORKFLOW');
    const runId = runUuid(run);
    push(b.event('START', run.startedAt ?? run.createdAt, { runId, facets: runFacets }, job), 0);
    const end = run.status ? END_EVENT[run.status] : undefined;
    if (end && run.endedAt) {
      const facets = {
        ...runFacets,
        ...(end === 'FAIL' && run.error ? { errorMessage: b.error(run.error) } : {}),
      };
      push(b.event(end, run.endedAt, { runId, facets }, job), 2);
    }
    for (const e of executions.get(run.id)!) {
      const facets = compact({
        parent: b.parent(run, root),
        executionParameters: b.parameters(valueParameters(e)),
      });
      const activityJob = b.job(e.activityType, 'ACTIVITY');
      const inputs = b.datasets(e.inputs, annotations);
      push(b.event('START', e.startedAt, { runId: executionUuid(e), facets }, activityJob, inputs), 1);
      const endType = END_EVENT[e.state];
      if (!endType) continue;
      const error = e.error as { type?: unknown; message?: unknown; stack?: unknown } | null;
      const message = typeof error?.message === 'string' ? error.message : `activity ${e.state}`;
      const stack = typeof error?.stack === 'string' ? error.stack : undefined;
      const errorFacet = endType === 'FAIL' ? b.error(message, stack) : undefined;
      const endFacets = compact({ ...facets, errorMessage: errorFacet });
      push(
        b.event(
          endType,
          e.endedAt ?? e.startedAt,
          { runId: executionUuid(e), facets: endFacets },
          activityJob,
          inputs,
          b.datasets(e.outputs, annotations, e.id),
        ),
        1,
      );
    }
  }
  // Time order; at equal times a run starts before its activities and ends after them.
  return out
    .map((item, index) => ({ ...item, index }))
    .sort(
      (x, y) => x.event.eventTime.localeCompare(y.event.eventTime) || x.order - y.order || x.index - y.index,
    )
    .map((item) => item.event);
}

/**
 * The store as OpenLineage 2-0-2 RunEvents: a START and a COMPLETE / FAIL / ABORT event for every
 * workflow run (job = workflow type) and every activity attempt (job = activity type, with the
 * parent run facet pointing at its workflow run), typed artifacts as datasets. Run ids are
 * name-based UUIDs of the Temporal identities, so they are the same in every export. Streams one
 * run family at a time, so a large store is never held in memory.
 *
 * @example
 * for await (const event of openLineageEvents(store, { namespace: 'ml-prod' })) {
 *   process.stdout.write(`${JSON.stringify(event)}\n`); // JSON Lines, e.g. for Marquez's /api/v1/lineage
 * }
 */
export async function* openLineageEvents(
  store: LineageStore,
  options: OpenLineageExportOptions = {},
): AsyncGenerator<OpenLineageRunEvent> {
  const o = parseInput('OpenLineage export options', OpenLineageExportOptionsSchema, options);
  const builder = new EventBuilder(o.namespace, o.producer ?? defaultProducer());
  if (o.run) {
    yield* await familyEvents(store, builder, await loadFamily(store, await getRun(store, o.run)));
    return;
  }
  const isRoot = sql`not exists (select 1 from parent_contexts pc join contexts p on p.id = pc.parent_id and p.type = 'run' where pc.child_id = "contexts"."id")`;
  let after = 0;
  for (;;) {
    const roots = await store.db
      .select()
      .from(contexts)
      .where(and(eq(contexts.type, 'run'), gt(contexts.id, after), isRoot))
      .orderBy(asc(contexts.id))
      .limit(ROOTS_PER_PAGE);
    for (const root of roots) yield* await familyEvents(store, builder, await loadFamily(store, root));
    if (roots.length < ROOTS_PER_PAGE) return;
    after = roots.at(-1)!.id;
  }
}
