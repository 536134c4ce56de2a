/**
 * Fills a lineage store with a large, realistically shaped history, fast: for the query benchmarks
 * (`npm run bench -- --only queries`) and for trying the CLI and the web page at scale.
 *
 *   tsx scripts/seed-store.ts --db postgres://…/lineage --runs 100000
 *   tsx scripts/seed-store.ts --db ./big-store --runs 20000      # embedded PGlite folder
 *
 * `--runs` counts run contexts (a root run and its child run per family); each family has a chain
 * of 20 executions, so 100,000 runs make 1,000,000+ executions and 2,000,000+ artifacts. The shape
 * is described in `seed-store-sql.ts`. Seeding adds to whatever the store holds (names carry a
 * fresh tag), and ends with VACUUM ANALYZE so that the planner sees the new sizes.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { LineageOptionsError } from '../src/errors';
import { openStore, type LineageStore } from '../src/store/open-store';
import { formatMs } from './format-table';
import {
  batchRows,
  PARAM_CONFIGS,
  SHARED_DATASETS,
  sharedRows,
  SLOTS,
  STEPS,
  type Batch,
} from './seed-store-sql';
import { LINEAGE_TABLES } from '../src/store/schema';

export const SeedOptionsSchema = z.strictObject({
  /** Run contexts to add (two per family: a root run and its child run). */
  runs: z.number().int().min(2).max(10_000_000).default(100_000),
  /** Families per transaction. */
  batchFamilies: z.number().int().min(1).max(100_000).default(2500),
  /** Goes into every name, so that seeding twice never collides; random by default. */
  tag: z
    .string()
    .regex(/^[a-z0-9]{1,16}$/)
    .optional(),
});
export type SeedOptions = z.input<typeof SeedOptionsSchema>;

/** What the seeding added, and a few rows worth querying. */
export interface SeedSummary {
  readonly tag: string;
  readonly families: number;
  readonly ms: number;
  readonly counts: { runs: number; executions: number; artifacts: number; events: number };
  readonly samples: {
    /** The newest family's root run (`workflowId/runId`), and a run of the same pipeline 20 families older. */
    readonly newestRun: string;
    readonly olderRunSamePipeline: string;
    /** The newest family's last output (a Model): 20 producer steps (40 edges) from a shared source dataset. */
    readonly tipArtifactId: number;
    /** A shared source dataset read by `families / 100` families. */
    readonly sharedDatasetId: number;
    /** The cache key of the newest family's first step: shared by `families / 100` executions. */
    readonly cacheKey: string;
    readonly cacheActivityType: string;
  };
}

async function maxId(store: LineageStore, table: 'contexts' | 'executions' | 'artifacts'): Promise<number> {
  const [row] = await store.rows<{ max: string | number | null }>(
    sql`select max(id) as max from ${sql.identifier(table)}`,
  );
  return Number(row?.max ?? 0);
}

const TABLES = LINEAGE_TABLES;

/**
 * Runs `body` with the secondary indexes of the store's tables dropped, and rebuilds them from their
 * exact definitions afterwards (also when `body` fails): one sorted build per index is several
 * times cheaper than maintaining it through millions of random-order inserts. Constraint-backed
 * indexes (primary keys) stay.
 */
async function withoutSecondaryIndexes(store: LineageStore, body: () => Promise<void>): Promise<void> {
  const indexes = await store.rows<{ name: string; def: string }>(sql`
    select quote_ident(c.relname) as name, pg_get_indexdef(i.indexrelid) as def
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
    where t.relnamespace = 'public'::regnamespace and t.relname in (${sql.raw(TABLES.map((t) => `'${t}'`).join(', '))})
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)`);
  for (const { name } of indexes) await store.rows(sql.raw(`drop index ${name}`));
  try {
    await body();
  } finally {
    await store.rows(sql`set maintenance_work_mem = '128MB'`);
    for (const { def } of indexes) await store.rows(sql.raw(def));
  }
}

async function count(store: LineageStore, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await store.rows<{ n: string | number }>(query);
  return Number(row?.n ?? 0);
}

/**
 * Adds `runs` runs (half of them child runs) with their executions, artifacts and edges.
 * `progress` hears about each batch.
 */
export async function seedStore(
  store: LineageStore,
  options: SeedOptions = {},
  progress: (done: number, total: number) => void = () => {},
): Promise<SeedSummary> {
  const parsed = SeedOptionsSchema.safeParse(options);
  if (!parsed.success) throw LineageOptionsError.fromZod('seed options', parsed.error);
  const { runs, batchFamilies } = parsed.data;
  const tag = parsed.data.tag ?? randomBytes(3).toString('hex');
  const families = Math.floor(runs / 2);
  const started = performance.now();

  const artifactBase = (await maxId(store, 'artifacts')) + 1;
  const params = artifactBase;
  const datasets = params + STEPS * PARAM_CONFIGS;
  await store.db.transaction(async (tx) => {
    for (const statement of sharedRows(tag, params, datasets)) await tx.execute(statement);
  });
  const contexts = (await maxId(store, 'contexts')) + 1;
  const executions = (await maxId(store, 'executions')) + 1;
  const artifacts = datasets + SHARED_DATASETS;
  const batchOf = (from: number, to: number): Batch => ({
    tag,
    families,
    from,
    to,
    contexts: contexts + 2 * from,
    executions: executions + SLOTS * from,
    artifacts: artifacts + 2 * STEPS * from,
    params,
    datasets,
  });
  const [role] = await store.rows<{ super: boolean }>(
    sql`select rolsuper as super from pg_roles where rolname = current_user`,
  );
  const insertAll = async () => {
    for (let from = 0; from < families; from += batchFamilies) {
      const batch = batchOf(from, Math.min(families, from + batchFamilies));
      await store.db.transaction(async (tx) => {
        // Losing a seeding batch to a crash costs nothing; waiting for the disk on each commit does.
        await tx.execute(sql`set local synchronous_commit = off`);
        // The rows are consistent by construction: skip the per-row foreign-key triggers (superuser only).
        if (role?.super) await tx.execute(sql`set local session_replication_role = replica`);
        for (const statement of batchRows(batch)) await tx.execute(statement);
      });
      progress(batch.to, families);
    }
  };
  // Only an empty store loses its indexes for the duration: queries against a store in use must not.
  if (executions === 1) await withoutSecondaryIndexes(store, insertAll);
  else await insertAll();
  // Explicit ids bypassed the identity sequences: move them past the rows, or the next write collides.
  for (const table of ['contexts', 'executions', 'artifacts'] as const) {
    await store.rows(
      sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.identifier(table)}))`,
    );
  }
  for (const table of TABLES) {
    await store.rows(sql.raw(`vacuum analyze ${table}`));
  }

  const newest = batchOf(families - 1, families);
  const older = families > 20 ? families - 21 : 0;
  const rootName = async (f: number) => {
    const [row] = await store.rows<{ name: string }>(
      sql`select name from contexts where id = ${contexts + 2 * f}`,
    );
    return row!.name;
  };
  const [first] = await store.rows<{ cache_key: string; activity_type: string }>(
    sql`select cache_key, activity_type from executions where id = ${newest.executions}`,
  );
  const inSeed = sql`like ${`train-${tag}-%`}`;
  return {
    tag,
    families,
    ms: performance.now() - started,
    counts: {
      runs: await count(
        store,
        sql`select count(*) as n from contexts where type = 'run' and workflow_id ${inSeed}`,
      ),
      executions: await count(store, sql`select count(*) as n from executions where workflow_id ${inSeed}`),
      artifacts: await count(store, sql`select count(*) as n from artifacts where id >= ${artifactBase}`),
      events: await count(store, sql`select count(*) as n from events where execution_id >= ${executions}`),
    },
    samples: {
      newestRun: await rootName(families - 1),
      olderRunSamePipeline: await rootName(older),
      tipArtifactId: newest.artifacts + 2 * (STEPS - 1) + 1,
      sharedDatasetId: datasets + ((families - 1) % SHARED_DATASETS),
      cacheKey: first!.cache_key,
      cacheActivityType: first!.activity_type,
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      runs: { type: 'string', default: '100000' },
      'batch-families': { type: 'string', default: '2500' },
    },
  });
  const db = values.db ?? process.env['DATABASE_URL'];
  if (!db) throw new Error('usage: tsx scripts/seed-store.ts --db <postgres URL | PGlite folder> [--runs N]');
  const store = await openStore(/^postgres(ql)?:\/\//i.test(db) ? { url: db, poolSize: 1 } : { dir: db });
  try {
    const summary = await seedStore(
      store,
      { runs: Number(values.runs), batchFamilies: Number(values['batch-families']) },
      (done, total) => process.stderr.write(`\r  ${done}/${total} families`),
    );
    process.stderr.write('\n');
    const { counts } = summary;
    console.log(
      `seeded ${store.target} in ${formatMs(summary.ms)}: ${counts.runs} runs, ${counts.executions} executions, ` +
        `${counts.artifacts} artifacts, ${counts.events} events (tag ${summary.tag})`,
    );
    console.log(JSON.stringify(summary.samples));
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
