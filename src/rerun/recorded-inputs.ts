import { valueDigest } from '../artifacts/digest';
import { decodeValue, encodeValue, isReplayable, type EncodedValue } from '../artifacts/encode';
import { RerunInputNotReplayableError } from '../errors';
import type { ExecutionWithArtifacts, RunRow } from '../query/rows';
import { applyOverrides } from './overrides';

/** A recorded argument: its decoded value, or why it cannot be given back. */
export type RecordedArg = { readonly value: unknown } | { readonly missing: string };

const UNREPLAYABLE =
  'holds a value capture could only mark (a cycle, nesting too deep, a function or symbol)';

function fromEncoded(encoded: EncodedValue): RecordedArg {
  return isReplayable(encoded) ? { value: decodeValue(encoded) } : { missing: UNREPLAYABLE };
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
  if (!Array.isArray(run.args)) {
    throw new RerunInputNotReplayableError(
      target,
      'args',
      'were not recorded (the run-start record is missing; was the worker running LineagePlugin?)',
    );
  }
  return (run.args as EncodedValue[]).map(fromEncoded);
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
