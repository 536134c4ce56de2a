import { valueDigest } from '../artifacts/digest';
import { decodeValue, encodeValue, lossyMarker, type EncodedValue } from '../artifacts/encode';
import { DIGEST_ONLY_NOTE } from '../artifacts/capture';
import { RerunInputNotReplayableError } from '../errors';
import type { ExecutionWithArtifacts, RunRow } from '../query/rows';
import { applyOverrides } from './overrides';

/** A recorded argument: its decoded value, or why it cannot be given back. */
export type RecordedArg = { readonly value: unknown } | { readonly missing: string };

const UNREPLAYABLE =
  'holds a value capture could only mark (a cycle, nesting too deep, a function or symbol, a value that threw when read)';

/**
 * Redacted values (a key that looks secret, or the `redact` hook) never reach the store, and the
 * recorded digests are those of the redacted form, so they cannot be replayed: say so and how to
 * supply them.
 */
const REDACTED = (at: string) =>
  `holds a redacted value (its key looks secret, or the LineagePlugin redact hook chose it): the store never ` +
  `holds it, so it cannot be replayed; supply it with --set ${at}.<field>=<value> (or the whole input with --set ${at}=…)`;

function fromEncoded(encoded: EncodedValue, at: string): RecordedArg {
  const marker = lossyMarker(encoded);
  if (marker === undefined) return { value: decodeValue(encoded) };
  return { missing: marker === 'redacted' ? REDACTED(at) : UNREPLAYABLE };
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
    return fromEncoded((artifact.value ?? null) as EncodedValue, `args[${i}]`);
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
  return (run.args as EncodedValue[]).map((arg, i) => fromEncoded(arg, `args[${i}]`));
}

/**
 * The arguments to rerun with: recorded values with the overrides applied. Without overrides the
 * result must re-encode to the recorded digest — a replay that is not exact is refused rather
 * than reported as a reproducibility verdict about different inputs.
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
  const args = recorded.map((arg) => ('value' in arg ? arg.value : undefined));
  applyOverrides(args, overrides);
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
