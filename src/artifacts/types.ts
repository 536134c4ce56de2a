import { z } from 'zod';

/**
 * A kind of typed artifact, recognised from the shape of a value (never declared per call).
 * The first type whose schema accepts a value wins, so user types are tried before built-ins.
 */
export interface ArtifactType {
  /** Stored in `artifacts.type`, e.g. `Dataset`. */
  readonly name: string;
  /** Accepts the values that are artifacts of this type. */
  readonly schema: z.ZodType;
  /** Where the thing lives; defaults to the value's `uri` field when it is a string. */
  readonly uri?: (value: unknown) => string | undefined;
  /**
   * When set, only objects whose `kind` field equals it are given to `schema`: most values are
   * not artifacts, and a string comparison is far cheaper than a zod parse of every node.
   */
  readonly kind?: string;
}

/** Plain (untyped) values are artifacts of this type. */
export const VALUE_TYPE = 'Value';

/**
 * The built-in ML artifact types: a `kind` discriminator plus a `uri` where the bytes live.
 * Metrics usually live inline, so their `uri` is optional.
 */
export const builtInArtifactTypes: readonly ArtifactType[] = [
  // `kind` repeats the schema's literal so that every other object skips the schema: a failed
  // zod parse builds its issues, which costs more than the rest of capturing a small value.
  {
    name: 'Dataset',
    kind: 'Dataset',
    schema: z.looseObject({ kind: z.literal('Dataset'), uri: z.string().min(1) }),
  },
  {
    name: 'Model',
    kind: 'Model',
    schema: z.looseObject({ kind: z.literal('Model'), uri: z.string().min(1) }),
  },
  {
    name: 'Metrics',
    kind: 'Metrics',
    schema: z.looseObject({ kind: z.literal('Metrics'), uri: z.string().min(1).optional() }),
  },
];

export function uriOf(type: ArtifactType, value: unknown): string | undefined {
  if (type.uri) return type.uri(value);
  const uri = (value as { uri?: unknown }).uri;
  return typeof uri === 'string' ? uri : undefined;
}

/** The first type that accepts `value`, or undefined for a plain value. */
export function recogniseType(types: readonly ArtifactType[], value: unknown): ArtifactType | undefined {
  const kind = value !== null && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
  return types.find(
    (type) => (type.kind === undefined || type.kind === kind) && type.schema.safeParse(value).success,
  );
}
