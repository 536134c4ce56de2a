import { z } from 'zod';
import { LineageOptionsError } from '../errors';

const AGE = /^(\d+)\s*(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `90d`, `12h`, `30m`, `2w` in milliseconds; undefined for anything else. */
export function parseAge(text: string): number | undefined {
  const match = AGE.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

const AgeSchema = z.union([
  z.number().int().nonnegative(),
  z.string().refine((text) => parseAge(text) !== undefined, 'an age such as 90d, 12h, 30m or 2w'),
]);

/** What {@link collectGarbage} removes and what it must keep. */
export const GcOptionsSchema = z
  .strictObject({
    /**
     * Remove runs that ended this long ago: `90d`, `12h`, `2w`, or milliseconds. A run and its
     * child runs go together, and only when every one of them has ended (RUNNING runs never go).
     */
    olderThan: AgeSchema.optional(),
    /** Or: remove runs that ended before this instant. */
    before: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
    /** Keep every artifact of these types and everything upstream of them, e.g. `['Model']`. */
    keepTypes: z.array(z.string().min(1)).default([]),
    /** Keep these artifacts (by id) and everything upstream of them. */
    pinArtifactIds: z.array(z.number().int().positive()).default([]),
    /**
     * Keep the artifacts at these URIs and everything upstream of them; a URI ending in `*` is a
     * prefix (`s3://registry/models/*`). A pin that matches no artifact is an error, so that a
     * typo cannot silently let a registered model's provenance go.
     */
    pinUris: z.array(z.string().min(1)).default([]),
    /** Report what would be removed without removing anything. */
    dryRun: z.boolean().default(false),
    /** Run trees removed per transaction: short transactions keep live workers unblocked. */
    batchSize: z.number().int().min(1).max(10_000).default(200),
  })
  .refine((o) => (o.olderThan === undefined) !== (o.before === undefined), {
    message: 'give exactly one of olderThan and before',
    path: ['olderThan'],
  });
export type GcOptions = z.input<typeof GcOptionsSchema>;

/** The options with the cutoff resolved to an instant. */
export interface ResolvedGcOptions {
  readonly cutoff: Date;
  readonly keepTypes: readonly string[];
  readonly pinArtifactIds: readonly number[];
  /** Exact URIs and URI prefixes (the `*` removed). */
  readonly pinUris: readonly string[];
  readonly pinUriPrefixes: readonly string[];
  readonly dryRun: boolean;
  readonly batchSize: number;
}

export function resolveGcOptions(options: GcOptions, now: Date = new Date()): ResolvedGcOptions {
  const parsed = GcOptionsSchema.safeParse(options);
  if (!parsed.success) throw LineageOptionsError.fromZod('gc options', parsed.error);
  const o = parsed.data;
  const age = typeof o.olderThan === 'string' ? parseAge(o.olderThan)! : o.olderThan;
  const cutoff = age === undefined ? new Date(o.before!) : new Date(now.getTime() - age);
  return {
    cutoff,
    keepTypes: o.keepTypes,
    pinArtifactIds: o.pinArtifactIds,
    pinUris: o.pinUris.filter((uri) => !uri.endsWith('*')),
    pinUriPrefixes: o.pinUris.filter((uri) => uri.endsWith('*')).map((uri) => uri.slice(0, -1)),
    dryRun: o.dryRun,
    batchSize: o.batchSize,
  };
}
