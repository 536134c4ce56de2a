import { z } from 'zod';
import type { ArtifactType } from './artifacts/types';
import { LineageOptionsError } from './errors';
import type { LineageStore } from './store/open-store';

const isStore = (value: unknown): value is LineageStore =>
  typeof value === 'object' && value !== null && 'db' in value && 'rows' in value && 'close' in value;

const ArtifactTypeSchema = z.custom<ArtifactType>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ArtifactType).name === 'string' &&
    (value as ArtifactType).schema instanceof z.ZodType,
  { message: 'expected { name: string, schema: a zod schema, uri?: (value) => string | undefined }' },
);

/** The single source of truth for {@link LineagePlugin}'s options; the README's table mirrors it. */
export const LineagePluginOptionsSchema = z.strictObject({
  /** Postgres connection URL. Without it (and without `store`) the embedded PGlite store in `dataDir` is used. */
  databaseUrl: z.string().min(1).optional(),
  /** Folder of the embedded PGlite store. */
  dataDir: z.string().min(1).default('.lineage'),
  /** An already open store; the plugin then neither opens nor closes one. */
  store: z.custom<LineageStore>(isStore, { message: 'expected a store returned by openStore()' }).optional(),
  /** Connections in the Postgres pool. */
  poolSize: z.number().int().positive().default(10),
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
  /** Extra typed artifact kinds, tried before the built-in Dataset, Model and Metrics. */
  artifactTypes: z.array(ArtifactTypeSchema).default([]),
  /**
   * When the store cannot be written: `fail` fails the attempt with a retryable
   * `LineageStoreUnavailable` error so Temporal retries it and nothing completes unrecorded;
   * `continue` logs the lost record and lets the activity proceed.
   */
  onStoreError: z.enum(['fail', 'continue']).default('fail'),
});

/** Options as users write them (everything optional). */
export type LineagePluginOptions = z.input<typeof LineagePluginOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedLineageOptions = z.output<typeof LineagePluginOptionsSchema>;

export function parsePluginOptions(options: LineagePluginOptions): ResolvedLineageOptions {
  const parsed = LineagePluginOptionsSchema.safeParse(options);
  if (!parsed.success) throw LineageOptionsError.fromZod('LineagePlugin options', parsed.error);
  return parsed.data;
}
