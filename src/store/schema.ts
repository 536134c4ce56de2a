import { eq, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The lineage store's tables, MLMD-aligned (DESIGN.md, "Data model"). Every unique key below is
 * what makes writes idempotent: capture upserts with ON CONFLICT on exactly these keys.
 */

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A workflow run (`run`), a pipeline = workflow type (`pipeline`), or a user grouping (`experiment`). */
export const contexts = pgTable(
  'contexts',
  {
    id: id(),
    type: text('type').notNull(),
    /** `workflowId/runId` for runs, the workflow type for pipelines. */
    name: text('name').notNull(),
    workflowType: text('workflow_type'),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    status: text('status'),
    argsDigest: text('args_digest'),
    args: jsonb('args'),
    result: jsonb('result'),
    error: text('error'),
    taskQueue: text('task_queue'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** The run this run re-executed, and the step it restarted from (set by rerun). */
    rerunOf: text('rerun_of'),
    rerunFrom: text('rerun_from'),
    /**
     * The top-level run of this run's tree (null: the run is its own root). Lineage walks use it
     * to keep links through value-identified artifacts inside one run tree (see lineage-sql.ts).
     */
    rootId: bigint('root_id', { mode: 'number' }),
    /**
     * The run this run continued from (continue-as-new): the previous link of the chain. Walks
     * cross it from a value this run received as an argument to what the previous run produced.
     */
    continuedFrom: bigint('continued_from', { mode: 'number' }),
    properties: jsonb('properties')
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('contexts_type_name_key').on(t.type, t.name),
    // The runs listing's order (newest first, keyset-paged on (started_at, id)), so a page reads
    // only its own rows from the index however many runs there are.
    index('contexts_type_started_idx').on(t.type, t.startedAt.desc().nullsLast(), t.id.desc().nullsFirst()),
    // text_pattern_ops serves `like 'prefix%'` (run references, prefix search) in any collation;
    // the default opclass does so only under the C locale.
    index('contexts_workflow_idx').on(t.workflowId.op('text_pattern_ops'), t.runId),
    index('contexts_run_id_idx').on(t.runId.op('text_pattern_ops')),
  ],
);

/** child run → parent run, run → pipeline. */
export const parentContexts = pgTable(
  'parent_contexts',
  {
    childId: bigint('child_id', { mode: 'number' })
      .notNull()
      .references(() => contexts.id, { onDelete: 'cascade' }),
    parentId: bigint('parent_id', { mode: 'number' })
      .notNull()
      .references(() => contexts.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.childId, t.parentId] }),
    index('parent_contexts_parent_idx').on(t.parentId),
  ],
);

/** One activity attempt. */
export const executions = pgTable(
  'executions',
  {
    id: id(),
    workflowId: text('workflow_id').notNull(),
    runId: text('run_id').notNull(),
    activityId: text('activity_id').notNull(),
    attempt: integer('attempt').notNull(),
    activityType: text('activity_type').notNull(),
    taskQueue: text('task_queue').notNull(),
    isLocal: boolean('is_local').notNull().default(false),
    workerIdentity: text('worker_identity'),
    buildId: text('build_id'),
    state: text('state').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    error: jsonb('error'),
    inputDigest: text('input_digest').notNull(),
    outputDigest: text('output_digest'),
    rerunOf: bigint('rerun_of', { mode: 'number' }),
    /**
     * sha256 of (activity type, input digest, every input artifact's digest): equal keys mean the
     * same computation on the same data, file contents included. Null when an input names a
     * `file://` URI whose bytes could not be hashed; such attempts are never reused.
     */
    cacheKey: text('cache_key'),
    /** The plugin's `cache` version for this activity type when the attempt ran (null: unversioned). */
    cacheVersion: text('cache_version'),
    /** For a CACHED attempt: the execution whose recorded output it returned. */
    cachedFrom: bigint('cached_from', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('executions_attempt_key').on(t.workflowId, t.runId, t.activityId, t.attempt),
    // Partial indexes: only RUNNING attempts (what reconciliation looks for), only COMPLETE ones
    // (what the cache may return, newest first, so a lookup reads one entry however many
    // attempts share the key), only reruns. Every attempt write maintains these indexes, so none
    // is kept that no query reads (migration 0004 dropped one on activity type and input digest).
    index('executions_running_idx')
      .on(t.id)
      .where(sql`${t.state} = 'RUNNING'`),
    index('executions_cache_key_idx')
      .on(t.cacheKey, t.endedAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`${t.state} = 'COMPLETE'`),
    index('executions_rerun_of_idx')
      .on(t.rerunOf)
      .where(sql`${t.rerunOf} is not null`),
  ],
);

/** A value or a thing at a URI. Deduplicated across runs by `identity`. */
export const artifacts = pgTable(
  'artifacts',
  {
    id: id(),
    identity: text('identity').notNull(),
    type: text('type').notNull(),
    uri: text('uri'),
    digest: text('digest').notNull(),
    valueDigest: text('value_digest').notNull(),
    value: jsonb('value'),
    inline: boolean('inline').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    properties: jsonb('properties')
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('artifacts_identity_key').on(t.identity),
    // URI and digest lookups are exact or by prefix (`--uri s3://bucket/models/`, a short digest).
    index('artifacts_uri_idx').on(t.uri.op('text_pattern_ops')),
    index('artifacts_digest_idx').on(t.digest.op('text_pattern_ops')),
  ],
);

/** execution ⟷ artifact edge. Indexed from both ends for graph walks. */
export const events = pgTable(
  'events',
  {
    id: id(),
    executionId: bigint('execution_id', { mode: 'number' })
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    artifactId: bigint('artifact_id', { mode: 'number' })
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    path: text('path').notNull(),
    /**
     * For an INPUT edge: the execution that produced the value consumed (null: an external input
     * of the run — a workflow argument, a literal, or a value no execution of the run tree output).
     * Content identifies the artifact; this names the occurrence, so walks follow it rather than
     * every producer of equal content.
     */
    producerExecutionId: bigint('producer_execution_id', { mode: 'number' }).references(
      (): AnyPgColumn => executions.id,
      { onDelete: 'set null' },
    ),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('events_edge_key').on(t.executionId, t.artifactId, t.type, t.path),
    // Downstream walks step from a producer to its consumers' edges; most edges have none.
    index('events_producer_idx')
      .on(t.producerExecutionId)
      .where(sql`${t.producerExecutionId} is not null`),
    // execution_id included: a walk step from an artifact is then an index-only scan.
    index('events_artifact_idx').on(t.artifactId, t.type, t.executionId),
  ],
);

/** execution ∈ context. */
export const associations = pgTable(
  'associations',
  {
    contextId: bigint('context_id', { mode: 'number' })
      .notNull()
      .references(() => contexts.id, { onDelete: 'cascade' }),
    executionId: bigint('execution_id', { mode: 'number' })
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.contextId, t.executionId] }),
    index('associations_execution_idx').on(t.executionId),
  ],
);

/**
 * artifact ∈ context: every artifact an execution of the run read or wrote. A view over
 * associations and events rather than a table of its own: it is exactly what they already say,
 * and as a table it cost each attempt two or three more rows, their index entries and foreign-key
 * checks (about a sixth of an attempt's write) to store it a second time.
 */
export const attributions = pgView('attributions').as((qb) =>
  qb
    .selectDistinct({ contextId: associations.contextId, artifactId: events.artifactId })
    .from(associations)
    .innerJoin(events, eq(events.executionId, associations.executionId)),
);

/**
 * A team's `key=value` label on a run or an artifact: one value per key and subject (setting a key
 * again replaces it). Exactly one of `contextId` / `artifactId` is set.
 */
export const tags = pgTable(
  'tags',
  {
    id: id(),
    contextId: bigint('context_id', { mode: 'number' }).references(() => contexts.id, {
      onDelete: 'cascade',
    }),
    artifactId: bigint('artifact_id', { mode: 'number' }).references(() => artifacts.id, {
      onDelete: 'cascade',
    }),
    key: text('key').notNull(),
    value: text('value').notNull(),
    author: text('author').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('tags_run_key')
      .on(t.contextId, t.key)
      .where(sql`${t.contextId} is not null`),
    uniqueIndex('tags_artifact_key')
      .on(t.artifactId, t.key)
      .where(sql`${t.artifactId} is not null`),
    // `--where tag.<key>=<value>` looks runs up by key and value.
    index('tags_key_value_idx').on(t.key, t.value),
    check('tags_one_subject', sql`(${t.contextId} is null) <> (${t.artifactId} is null)`),
  ],
);

/** Markdown text a person wrote about a run, an execution or an artifact; notes are never edited, only added. */
export const notes = pgTable(
  'notes',
  {
    id: id(),
    contextId: bigint('context_id', { mode: 'number' }).references(() => contexts.id, {
      onDelete: 'cascade',
    }),
    executionId: bigint('execution_id', { mode: 'number' }).references(() => executions.id, {
      onDelete: 'cascade',
    }),
    artifactId: bigint('artifact_id', { mode: 'number' }).references(() => artifacts.id, {
      onDelete: 'cascade',
    }),
    body: text('body').notNull(),
    author: text('author').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('notes_context_idx')
      .on(t.contextId)
      .where(sql`${t.contextId} is not null`),
    index('notes_execution_idx')
      .on(t.executionId)
      .where(sql`${t.executionId} is not null`),
    index('notes_artifact_idx')
      .on(t.artifactId)
      .where(sql`${t.artifactId} is not null`),
    check('notes_one_subject', sql`num_nonnulls(${t.contextId}, ${t.executionId}, ${t.artifactId}) = 1`),
  ],
);

/**
 * A name (`production`, `candidate`) pointing at one artifact at a time. The row exists from the
 * alias's first use; `artifactId` is null while the alias is removed. Every move is kept in
 * {@link aliasMoves}.
 */
export const aliases = pgTable('aliases', {
  name: text('name').primaryKey(),
  artifactId: bigint('artifact_id', { mode: 'number' }).references(() => artifacts.id, {
    onDelete: 'set null',
  }),
  author: text('author').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One change of an alias: who moved it, when, from which artifact to which (null: unset). */
export const aliasMoves = pgTable(
  'alias_moves',
  {
    id: id(),
    name: text('name')
      .notNull()
      .references(() => aliases.name, { onDelete: 'cascade' }),
    fromArtifactId: bigint('from_artifact_id', { mode: 'number' }),
    toArtifactId: bigint('to_artifact_id', { mode: 'number' }),
    author: text('author').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('alias_moves_name_idx').on(t.name, t.id)],
);

/** Execution states (DESIGN.md). */
export const EXECUTION_STATES = ['RUNNING', 'COMPLETE', 'FAILED', 'CANCELED', 'CACHED', 'ABANDONED'] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/**
 * Run statuses, as Temporal reports a workflow's end. TERMINATED and TIMED_OUT end a run without
 * running its code, so only reconciliation (`lineage reconcile`) records them.
 */
export const RUN_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELED',
  'CONTINUED_AS_NEW',
  'TERMINATED',
  'TIMED_OUT',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Every lineage table, for whole-store checks (row counts, sizes, scans for leaked text). */
export const LINEAGE_TABLES = [
  'contexts',
  'parent_contexts',
  'executions',
  'artifacts',
  'events',
  'associations',
] as const;

/** The tables of what a team wrote about its runs (tags, notes, aliases), apart from what capture records. */
export const ANNOTATION_TABLES = ['tags', 'notes', 'aliases', 'alias_moves'] as const;
