import { aliasHistory, listAliases } from '../annotations/aliases';
import { listNotes } from '../annotations/notes';
import type { Subject } from '../annotations/subjects';
import { listTags } from '../annotations/tags';
import { executionJson, artifactJson, artifactSummaryJson, runJson } from '../cli/json';
import { hasRuns } from '../cli/store';
import { findArtifacts, getArtifact, getArtifactUsage } from '../query/artifacts';
import { compareRuns } from '../query/compare';
import { diffRuns } from '../query/diff';
import { loadFamily } from '../query/diff-steps';
import { getRun } from '../query/get-run';
import { traceLineage } from '../query/lineage';
import { listPipelines } from '../query/pipelines';
import { provenanceOf } from '../query/provenance';
import { continueAsNewChain, getExecution, getParents } from '../query/run-detail';
import { runMetricSummaries } from '../query/run-metrics';
import { durationMs, type ExecutionRow } from '../query/rows';
import { listRuns } from '../query/runs';
import type { LineageStore } from '../store/open-store';
import {
  ArtifactsParamsSchema,
  CompareParamsSchema,
  DiffParamsSchema,
  IdSchema,
  LineageParamsSchema,
  NoParamsSchema,
  parseParams,
  parseSegment,
  RunGraphParamsSchema,
  RunRefSchema,
  RunsParamsSchema,
} from './api-params';

/** Producers and consumers listed per artifact; the counts say how many there are in all. */
const USAGE_SHOWN = 100;

type Handler = (store: LineageStore, segments: string[], params: URLSearchParams) => Promise<unknown>;

/** A route: a path pattern (`:name` is one segment) and its handler. */
interface Route {
  readonly pattern: string[];
  readonly handler: Handler;
}

const executionBrief = (e: ExecutionRow) => ({
  id: e.id,
  activityType: e.activityType,
  activityId: e.activityId,
  attempt: e.attempt,
  state: e.state,
  run: `${e.workflowId}/${e.runId}`,
  startedAt: e.startedAt.toISOString(),
  durationMs: durationMs(e.startedAt, e.endedAt),
});

const runRef = (segment: string) => parseSegment('run reference', RunRefSchema, segment);
const id = (what: string, segment: string) => parseSegment(what, IdSchema, segment);

const routes: Route[] = [
  {
    pattern: ['store'],
    handler: async (store, _, params) => {
      parseParams(NoParamsSchema, params);
      return { target: store.target, driver: store.driver, empty: !(await hasRuns(store)) };
    },
  },
  {
    pattern: ['pipelines'],
    handler: async (store, _, params) => {
      parseParams(NoParamsSchema, params);
      return { pipelines: await listPipelines(store) };
    },
  },
  {
    pattern: ['runs'],
    handler: async (store, _, params) => {
      const p = parseParams(RunsParamsSchema, params, ['status']);
      const { runs, nextCursor } = await listRuns(store, {
        limit: p.limit,
        ...(p.pipeline ? { workflowType: p.pipeline } : {}),
        ...(p.status && p.status.length > 0 ? { status: p.status } : {}),
        ...(p.search ? { workflowIdContains: p.search } : {}),
        ...(p.roots ? { rootsOnly: true } : {}),
        ...(p.cursor ? { cursor: p.cursor } : {}),
      });
      const metrics = await runMetricSummaries(
        store,
        runs.map((r) => r.id),
      );
      return { runs: runs.map((r) => ({ ...runJson(r), metrics: metrics.get(r.id) ?? [] })), nextCursor };
    },
  },
  {
    pattern: ['runs', ':run'],
    handler: async (store, [ref], params) => {
      parseParams(NoParamsSchema, params);
      const run = await getRun(store, runRef(ref!));
      const [parents, family, chain] = await Promise.all([
        getParents(store, run.id),
        loadFamily(store, run),
        continueAsNewChain(store, run),
      ]);
      const parent = parents.find((p) => p.type === 'run') ?? null;
      const metrics = await runMetricSummaries(store, [run.id]);
      return {
        run: runJson({ ...run, parentRun: parent?.name ?? null }),
        pipeline: parents.find((p) => p.type === 'pipeline')?.name ?? null,
        args: run.args,
        result: run.result,
        error: run.error,
        rerunOf: run.rerunOf,
        // The continue-as-new chain, first run first (empty for a run that is not part of one).
        chain: chain.map((link) => link.name),
        metrics: metrics.get(run.id) ?? [],
        // Descendant runs with their place (`hyperparameterSearch`, `a/b`), parents before children.
        family: family
          .slice(1)
          .map((f) => ({ path: f.path, run: runJson({ ...f.run, parentRun: f.parent?.name ?? null }) })),
      };
    },
  },
  {
    pattern: ['runs', ':run', 'graph'],
    handler: async (store, [ref], params) => {
      const p = parseParams(RunGraphParamsSchema, params);
      // What `lineage graph <run>` draws: every attempt of the run tree and what each read and wrote.
      return traceLineage(
        store,
        { run: runRef(ref!) },
        { direction: 'both', maxHops: 1, maxNodes: p.maxNodes, ...(p.cursor ? { cursor: p.cursor } : {}) },
      );
    },
  },
  {
    pattern: ['executions', ':id'],
    handler: async (store, [segment], params) => {
      parseParams(NoParamsSchema, params);
      const e = await getExecution(store, id('execution id', segment!));
      return {
        execution: {
          ...executionJson(e),
          run: `${e.workflowId}/${e.runId}`,
          isLocal: e.isLocal,
          inputDigest: e.inputDigest,
          outputDigest: e.outputDigest,
          rerunOf: e.rerunOf,
          cachedFrom: e.cachedFrom,
          cacheKey: e.cacheKey,
        },
      };
    },
  },
  {
    pattern: ['artifacts'],
    handler: async (store, _, params) => {
      const { type, uri, uriPrefix, digest, limit, cursor } = parseParams(ArtifactsParamsSchema, params);
      const page = await findArtifacts(store, {
        limit,
        ...(type ? { type } : {}),
        ...(uri ? { uri } : {}),
        ...(uriPrefix ? { uriPrefix } : {}),
        ...(digest ? { digest } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { artifacts: page.artifacts.map(artifactSummaryJson), nextCursor: page.nextCursor };
    },
  },
  {
    pattern: ['artifacts', ':id'],
    handler: async (store, [segment], params) => {
      parseParams(NoParamsSchema, params);
      const artifact = await getArtifact(store, id('artifact id', segment!));
      const { producers, consumers } = await getArtifactUsage(store, artifact.id);
      // "Which data and parameters produced this model?" answered up front, as the page's summary.
      const provenance = artifact.type === 'Model' ? await provenanceOf(store, artifact.id) : null;
      return {
        artifact: artifactJson(artifact),
        producerCount: producers.length,
        consumerCount: consumers.length,
        producers: producers.slice(0, USAGE_SHOWN).map(executionBrief),
        consumers: consumers.slice(0, USAGE_SHOWN).map(executionBrief),
        provenance: provenance && {
          datasets: provenance.datasets.map((d) => ({ ...d, artifact: artifactJson(d.artifact) })),
          parameters: provenance.parameters,
          runs: provenance.runs,
        },
      };
    },
  },
  {
    pattern: ['artifacts', ':id', 'lineage'],
    handler: async (store, [segment], params) => {
      const p = parseParams(LineageParamsSchema, params);
      return traceLineage(
        store,
        { artifactId: id('artifact id', segment!) },
        {
          direction: p.direction,
          maxHops: p.hops,
          maxNodes: p.maxNodes,
          ...(p.run ? { withinRun: p.run } : {}),
          ...(p.cursor ? { cursor: p.cursor } : {}),
        },
      );
    },
  },
  ...(['runs', 'executions', 'artifacts'] as const).map((kind): Route => ({
    pattern: [kind, ':subject', 'annotations'],
    handler: async (store, [segment], params) => {
      parseParams(NoParamsSchema, params);
      const subject: Subject =
        kind === 'runs'
          ? { run: runRef(segment!) }
          : kind === 'executions'
            ? { executionId: id('execution id', segment!) }
            : { artifactId: id('artifact id', segment!) };
      const [tags, notes, aliases] = await Promise.all([
        kind === 'executions' ? [] : listTags(store, subject),
        listNotes(store, subject),
        'artifactId' in subject ? listAliases(store, { artifactId: subject.artifactId }) : [],
      ]);
      return { tags, notes, aliases: aliases.map((a) => a.name) };
    },
  })),
  {
    pattern: ['aliases'],
    handler: async (store, _, params) => {
      parseParams(NoParamsSchema, params);
      return { aliases: await listAliases(store) };
    },
  },
  {
    pattern: ['aliases', ':name', 'history'],
    handler: async (store, [name], params) => {
      parseParams(NoParamsSchema, params);
      return { moves: await aliasHistory(store, name!) };
    },
  },
  {
    pattern: ['compare'],
    handler: async (store, _, params) =>
      compareRuns(store, parseParams(CompareParamsSchema, params, ['run']).run),
  },
  {
    pattern: ['diff'],
    handler: async (store, _, params) => {
      const { a, b } = parseParams(DiffParamsSchema, params);
      return diffRuns(store, a, b);
    },
  },
];

/** The `:name` segments of `segments` when they fit `pattern` (`['runs', ':run']`), else undefined. */
export function matchPattern(pattern: readonly string[], segments: readonly string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const args: string[] = [];
  for (const [i, part] of pattern.entries()) {
    if (part.startsWith(':')) args.push(segments[i]!);
    else if (part !== segments[i]) return undefined;
  }
  return args;
}

/** The handler for `segments` (the decoded path after `/api/`), with its `:name` segments. */
export function matchRoute(segments: string[]): { handler: Handler; args: string[] } | undefined {
  for (const { pattern, handler } of routes) {
    const args = matchPattern(pattern, segments);
    if (args) return { handler, args };
  }
  return undefined;
}
