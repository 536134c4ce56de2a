import { valueDigest } from '../artifacts/digest';
import { decodeValue, encodeValue, isLossyKind, TAG, type EncodedValue } from '../artifacts/encode';
import { DIGEST_ONLY_NOTE } from '../artifacts/capture';
import { RerunInputNotReplayableError } from '../errors';
import type { ExecutionWithArtifacts, RunRow } from '../query/rows';
import { applyOverrides } from './overrides';

/** A recorded argument: its decoded value (lossy markers left in place), or why it cannot be given back. */
export type RecordedArg = { readonly value: unknown } | { readonly missing: string };

const UNREPLAYABLE = (at: string) =>
  `holds a value capture could only mark (a cycle, nesting too deep, a function or symbol, a value that threw ` +
  `when read); supply it with --set ${at}=<value>`;

/**
 * Redacted values (a key that looks secret, or the `redact` hook) never reach the store, and the
 * recorded digests are those of the redacted form, so they cannot be replayed: say so and how to
 * supply exactly that place.
 */
const REDACTED = (at: string) =>
  `holds a redacted value (its key looks secret, or the LineagePlugin redact hook chose it): the store never ` +
  `holds it, so it cannot be replayed; supply it with --set ${at}=<value>`;

/**
 * The decoded value with any lossy marker left where it was, so that overrides can fill the
 * marked places one by one; {@link replayArgs} refuses whatever stays marked.
 */
function fromEncoded(encoded: EncodedValue): RecordedArg {
  return { value: decodeValue(encoded) };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function isMarker(value: object): value is Record<string, unknown> {
  const kind = (value as Record<string, unknown>)[TAG];
  return typeof kind === 'string' && isLossyKind(kind);
}

/**
 * The first place in a decoded argument that still holds a lossy marker, as an override path
 * (`args[0].db.password`), with the marker's kind. Inside a Map or Set, overrides cannot step, so
 * the container's own path is given.
 */
function firstMarker(value: unknown, at: string): { at: string; kind: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (isMarker(value)) return { at, kind: value[TAG] as string };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = firstMarker(item, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value instanceof Map || value instanceof Set) {
    for (const item of value.values()) if (firstMarker(item, at)) return { at, kind: 'redacted' };
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = firstMarker(item, IDENTIFIER.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`);
    if (found) return found;
  }
  return undefined;
}

/**
 * An execution's arguments from its INPUT events at `args[i]` (the whole argument, whether
 * stored as a plain Value or as a typed artifact whose `value` is the argument).
 */
export function argsOfExecution(execution: ExecutionWithArtifacts): RecordedArg[] {
  const byIndex = new Map<number, ExecutionWithArtifacts['inputs'][number]['artifact']>();
  for (const { path, artifact } of execution.inputs) {
    const match = /^args\[(\d+)\]$/.exec(path);
    if (match) byIndex.set(Number(match[1]), artifact);
  }
  const count = byIndex.size === 0 ? 0 : Math.max(...byIndex.keys()) + 1;
  return Array.from({ length: count }, (_, i): RecordedArg => {
    const artifact = byIndex.get(i);
    if (!artifact) return { missing: 'was not recorded' };
    if (!artifact.inline) {
      const why = (artifact.properties as { notInline?: string }).notInline ?? `${artifact.sizeBytes} bytes`;
      if (why === DIGEST_ONLY_NOTE) return { missing: `was stored as a digest only (values ${why})` };
      return {
        missing:
          `was stored as digest only (${why}); raise the LineagePlugin option maxInlineBytes to record ` +
          `inputs this large, or replace the whole input with --set ${`args[${i}]`}=<value>`,
      };
    }
    return fromEncoded((artifact.value ?? null) as EncodedValue);
  });
}

/** A run's workflow arguments, as its run-start record stored them (always inline). */
export function argsOfRun(target: string, run: RunRow): RecordedArg[] {
  if (run.args === null && run.argsDigest !== null) {
    throw new RerunInputNotReplayableError(
      target,
      'args',
      'were stored as a digest only (the worker encodes payloads with a payload codec; LineagePlugin option captureValuesWithCodec: true stores them)',
    );
  }
  if (!Array.isArray(run.args)) {
    throw new RerunInputNotReplayableError(
      target,
      'args',
      'were not recorded (the run-start record is missing; was the worker running LineagePlugin?)',
    );
  }
  return (run.args as EncodedValue[]).map((arg) => fromEncoded(arg));
}

/**
 * The arguments to rerun with: recorded values with the overrides applied. A redacted or
 * otherwise lossy place must be filled by an override of that place (or of anything above it).
 * Without overrides the result must re-encode to the recorded digest — a replay that is not
 * exact is refused rather than reported as a reproducibility verdict about different inputs.
 */
export function replayArgs(
  target: string,
  recorded: readonly RecordedArg[],
  overrides: Readonly<Record<string, unknown>>,
  recordedDigest: string | null,
): unknown[] {
  recorded.forEach((arg, i) => {
    if ('missing' in arg && !Object.hasOwn(overrides, `args[${i}]`))
      throw new RerunInputNotReplayableError(target, `args[${i}]`, arg.missing);
  });
  // A copy: overrides are applied in place, and the recorded values may be replayed again.
  const args = recorded.map((arg) => ('value' in arg ? structuredClone(arg.value) : undefined));
  applyOverrides(args, overrides);
  args.forEach((arg, i) => {
    const marker = firstMarker(arg, `args[${i}]`);
    if (!marker) return;
    const reason = marker.kind === 'redacted' ? REDACTED(marker.at) : UNREPLAYABLE(marker.at);
    throw new RerunInputNotReplayableError(target, marker.at, reason);
  });
  if (Object.keys(overrides).length === 0 && recordedDigest !== null) {
    const replayed = valueDigest(encodeValue(args)).digest;
    if (replayed !== recordedDigest) {
      throw new RerunInputNotReplayableError(
        target,
        'args',
        `decodes to ${replayed}, not the recorded input digest ${recordedDigest}`,
      );
    }
  }
  return args;
}
