import { z } from 'zod';
import { LineageOptionsError } from '../errors';
import { RUN_STATUSES } from '../store/schema';

/**
 * Text from a URL: bounded, and free of control characters — Postgres rejects NUL in text, and
 * nothing a person types into a filter needs the others.
 */
const Text = z
  .string()
  .min(1)
  .max(500)
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

/** A whole number in a query string, within bounds. */
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** An id in a path: `12`, or `a12` / `e12` as the CLI prints them. */
export const IdSchema = z
  .string()
  .regex(/^[ae]?\d{1,15}$/, 'a numeric id such as 12 (or a12 / e12)')
  .transform((s) => Number(s.replace(/^[ae]/, '')))
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));

/** A run reference in a path: anything `getRun` accepts. */
export const RunRefSchema = Text;

const Cursor = z.string().min(1).max(2000);
const StatusList = z
  .array(z.string().transform((s) => s.toUpperCase()))
  .transform((list) => list.flatMap((s) => s.split(',')).filter((s) => s !== ''))
  .pipe(z.array(z.enum(RUN_STATUSES)).max(RUN_STATUSES.length));

export const RunsParamsSchema = z.strictObject({
  pipeline: Text.optional(),
  /** Repeat it or separate with commas: any of them. */
  status: StatusList.optional(),
  /** Part of the workflow id. */
  search: Text.optional(),
  roots: z.stringbool().optional(),
  limit: whole(1, 200).default(25),
  cursor: Cursor.optional(),
});

export const RunGraphParamsSchema = z.strictObject({
  maxNodes: whole(1, 2000).default(200),
  cursor: Cursor.optional(),
});

export const ArtifactsParamsSchema = z.strictObject({
  type: Text.optional(),
  uri: Text.optional(),
  uriPrefix: Text.optional(),
  digest: Text.optional(),
  limit: whole(1, 200).default(25),
  cursor: Cursor.optional(),
});

export const LineageParamsSchema = z.strictObject({
  direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
  hops: whole(0, 50).default(2),
  maxNodes: whole(1, 2000).default(150),
  /** Stay inside this run and its child runs. */
  run: Text.optional(),
  cursor: Cursor.optional(),
});

export const CompareParamsSchema = z.strictObject({
  /** Repeat it: `?run=a&run=b`. */
  run: z.array(Text).min(2, 'at least two runs (repeat run=)').max(20),
});

export const DiffParamsSchema = z.strictObject({ a: Text, b: Text });

export const NoParamsSchema = z.strictObject({});

/**
 * The query string as the object a schema validates: the `repeatable` parameters as arrays,
 * others as strings — one given twice is refused rather than half-read. A bad or unknown
 * parameter is a {@link LineageOptionsError} (a 400).
 */
export function parseParams<S extends z.ZodType>(
  schema: S,
  params: URLSearchParams,
  repeatable: readonly string[] = [],
): z.output<S> {
  const raw: Record<string, string | string[]> = {};
  const issues: string[] = [];
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (repeatable.includes(key)) raw[key] = values;
    else if (values.length > 1) issues.push(`${key}: given ${values.length} times; give it once`);
    else raw[key] = values[0]!;
  }
  if (issues.length > 0) throw new LineageOptionsError('query parameters', issues);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw LineageOptionsError.fromZod('query parameters', parsed.error);
  return parsed.data;
}

/** Validates one path segment. */
export function parseSegment<S extends z.ZodType>(what: string, schema: S, value: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw LineageOptionsError.fromZod(what, parsed.error);
  return parsed.data;
}
