import { z } from 'zod';
import { DEFAULT_REDACT_KEYS, type RedactHook } from './artifacts/redact';
import type { ArtifactResolver } from './artifacts/file-digest';
import type { ArtifactType } from './artifacts/types';
import { LineageOptionsError } from './errors';
import type { LineageStore } from './store/open-store';

/** Whether a value is a store returned by `openStore()` (structurally: zod cannot instanceof an interface). */
export const isLineageStore = (value: unknown): value is LineageStore =>
  typeof value === 'object' && value !== null && 'db' in value && 'rows' in value && 'close' in value;

const ArtifactTypeSchema = z.custom<ArtifactType>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ArtifactType).name === 'string' &&
    (value as ArtifactType).schema instanceof z.ZodType,
  {
    message:
      'expected { name: string, schema: a zod schema, kind?: string, uri?: (value) => string | undefined }',
  },
);

/** `true` caches an activity type unversioned; `{ version }` keys its cache entries by a code version too. */
const CacheSettingSchema = z.union([z.literal(true), z.strictObject({ version: z.string().min(1) })]);

/** The single source of truth for {@link LineagePlugin}'s options; the README's table mirrors it. */
export const LineagePluginOptionsSchema = z.strictObject({
  /** Postgres connection URL. Without it (and without `store`) the embedded PGlite store in `dataDir` is used. */
  databaseUrl: z.string().min(1).optional(),
  /** Folder of the embedded PGlite store. */
  dataDir: z.string().min(1).default('.lineage'),
  /** An already open store; the plugin then neither opens nor closes one. */
  store: z
    .custom<LineageStore>(isLineageStore, { message: 'expected a store returned by openStore()' })
    .optional(),
  /** Connections in the Postgres pool. */
  poolSize: z.number().int().positive().default(10),
  /**
   * How long opening a Postgres connection may take (TCP connect and the server's greeting)
   * before the store counts as unreachable and `onStoreError` applies.
   */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * How long a Postgres write may go unanswered before the store counts as unreachable and
   * `onStoreError` applies; the plugin then drops its connections and reconnects. A connection that
   * stops answering without being reset (a partition, a frozen server) is otherwise noticed only
   * when TCP keepalive gives up, many minutes later. Lock waits count too: keep it above the longest
   * a write may legitimately wait. Not applied to a `store` passed in (the plugin does not own its pool).
   */
  writeTimeoutMs: z.number().int().positive().default(60_000),
  /** Values whose canonical JSON is larger are stored as digest + size only (the row says so). */
  maxInlineBytes: z
    .number()
    .int()
    .nonnegative()
    .default(256 * 1024),
  /** Files behind `file://` URIs larger than this are not hashed (the artifact row says so). */
  maxFileDigestBytes: z
    .number()
    .int()
    .nonnegative()
    .default(1024 ** 3),
  /**
   * Environment variables recorded in each Worker's `Environment` artifact (none by default), e.g.
   * `['CUDA_VISIBLE_DEVICES']`. Values pass through redaction: a name that `redactKeys` matches, or
   * a value the `redact` hook picks (path `env.NAME`), is stored as `[redacted]`.
   */
  captureEnv: z.array(z.string().min(1)).default([]),
  /**
   * Content digests for URIs of other schemes, by scheme without the colon (`s3`, `gs`, `https`):
   * called with the URI, returns its digest (an ETag, a version id) or undefined when unknown.
   * Without one, such URIs are stored as they are and nothing goes over the network.
   */
  artifactResolvers: z
    .record(
      z.string().regex(/^[a-z][a-z0-9+.-]*$/, 'expected a URI scheme such as s3 (lower case, no colon)'),
      z.custom<ArtifactResolver>((value) => typeof value === 'function', {
        message: 'expected (uri) => string | undefined | Promise<string | undefined>',
      }),
    )
    .default({}),
  /** Extra typed artifact kinds, tried before the built-in Dataset, Model and Metrics. */
  artifactTypes: z.array(ArtifactTypeSchema).default([]),
  /**
   * When the store cannot be reached: `fail` fails the attempt with a retryable
   * `LineageStoreUnavailable` error so Temporal retries it and nothing completes unrecorded (the
   * failed attempts are recorded once the store is back); `outbox` lets the activity proceed and
   * writes its records to a durable local outbox (`outboxDir`) that is applied, in order, when the
   * store is back; `continue` logs the lost record and lets the activity proceed.
   */
  onStoreError: z.enum(['fail', 'outbox', 'continue']).default('fail'),
  /**
   * When an attempt's record is committed. `before-result` (the default): before the attempt's
   * result goes back to Temporal, so nothing completes unrecorded even if the worker dies at
   * once. `batched`: records are written in the background, many attempts per statement, within
   * about `batchWindowMs`; the activity does not wait for the store, so capture costs next to no
   * latency, but a worker that dies loses the records of its last window, and `onStoreError:
   * 'fail'` can no longer fail an attempt that already returned (its records wait in the retry
   * queue instead). `LineagePlugin.flush()` waits until everything captured so far is written.
   */
  commit: z.enum(['before-result', 'batched']).default('before-result'),
  /** With `commit: 'batched'`: how long a record may wait for others to share its statement. */
  batchWindowMs: z.number().int().positive().max(60_000).default(100),
  /**
   * With `commit: 'batched'`: when this many writes are behind (a slow or locked store), an
   * attempt that ends waits for its own record, as with `before-result`, instead of adding to a
   * backlog in memory without bound.
   */
  batchMaxPending: z.number().int().positive().default(10_000),
  /** Folder of the durable outbox used by `onStoreError: 'outbox'`. */
  outboxDir: z.string().min(1).default('.lineage-outbox'),
  /**
   * Keys whose values are never stored: a string matches every key whose normalised form (lower
   * case, letters and digits only) ends with it, a RegExp is tested on the key as written. The
   * default is `DEFAULT_REDACT_KEYS` (password, token, secret, apiKey, authorization, …); spread it
   * to extend it.
   */
  redactKeys: z.array(z.union([z.string().min(1), z.instanceof(RegExp)])).default([...DEFAULT_REDACT_KEYS]),
  /**
   * Keys never redacted for their name, though `redactKeys` matches them (a counter named
   * `session`, a flag named `auth`): a string is compared with the whole key, normalised as for
   * `redactKeys`; a RegExp is tested on the key as written. Their values are still checked for
   * the shapes of secrets (a `Bearer …` value is redacted under any key).
   */
  redactAllowKeys: z.array(z.union([z.string().min(1), z.instanceof(RegExp)])).default([]),
  /** Called with every captured value and its path (`args[0].db`, `result`); returning true redacts it. */
  redact: z
    .custom<RedactHook>((value) => typeof value === 'function', {
      message: 'expected (value, path) => boolean',
    })
    .optional(),
  /**
   * When the Worker's data converter has payload codecs (e.g. encryption), the store keeps only
   * digests, sizes and types (no values, URIs or error messages) unless this is true.
   */
  captureValuesWithCodec: z.boolean().default(false),
  /**
   * Execution cache, opt-in per activity type (like Flyte's `cache=True` + `cache_version`): an
   * attempt whose type, inputs (file contents included) and version match a COMPLETE execution
   * returns that output without running its body, recorded as CACHED.
   */
  cache: z.record(z.string().min(1), CacheSettingSchema).default({}),
  /**
   * Run cached activity types for real even on a hit (`true`: all of them; or the listed types);
   * the fresh result becomes the newest entry later hits return.
   */
  overwriteCache: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
});

/** One activity type's entry in the `cache` option. */
export type CacheSetting = z.infer<typeof CacheSettingSchema>;

/** Options as users write them (everything optional). */
export type LineagePluginOptions = z.input<typeof LineagePluginOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedLineageOptions = z.output<typeof LineagePluginOptionsSchema>;

/** Validates plugin options and applies their defaults. @throws {@link LineageOptionsError} */
export function parsePluginOptions(options: LineagePluginOptions): ResolvedLineageOptions {
  const parsed = LineagePluginOptionsSchema.safeParse(options);
  if (!parsed.success) throw LineageOptionsError.fromZod('LineagePlugin options', parsed.error);
  return parsed.data;
}
