import { valueDigest } from '../artifacts/digest';
import { decodeValue, TAG, type EncodedValue } from '../artifacts/encode';
import { builtInArtifactTypes, recogniseType, VALUE_TYPE } from '../artifacts/types';
import type { ExecutionWithArtifacts } from '../query/rows';

/** One recorded output at one path (`result`, `result.model`). */
export interface OutputSnapshot {
  readonly path: string;
  /** Artifact type: `Value`, `Model`, `Dataset`, … */
  readonly type: string;
  /** The content digest of a file-backed typed artifact, else the value digest. */
  readonly digest: string;
  readonly valueDigest: string;
  /** The encoded value; null when only its digest was stored. */
  readonly value: EncodedValue | null;
}

/** How one output path compares between the original and the rerun. */
export interface OutputComparison {
  readonly path: string;
  readonly status: 'same' | 'changed' | 'added' | 'removed';
  readonly before: OutputSnapshot | null;
  readonly after: OutputSnapshot | null;
}

/**
 * The reproducibility verdict: `reproduced` when every output path is present on both sides with
 * equal type, digest and value digest; otherwise `differs`, with the paths that did.
 */
export interface RerunVerdict {
  readonly status: 'reproduced' | 'differs';
  /** Every output path of either side, in path order. */
  readonly outputs: readonly OutputComparison[];
}

/** An execution's outputs, as its OUTPUT events recorded them. */
export function outputsOfExecution(execution: ExecutionWithArtifacts): OutputSnapshot[] {
  return execution.outputs.map(({ path, artifact }) => ({
    path,
    type: artifact.type,
    digest: artifact.digest,
    valueDigest: artifact.valueDigest,
    value: artifact.inline ? ((artifact.value ?? null) as EncodedValue) : null,
  }));
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function snapshot(path: string, encoded: EncodedValue): OutputSnapshot {
  const { digest } = valueDigest(encoded);
  const type = recogniseType(builtInArtifactTypes, decodeValue(encoded))?.name ?? VALUE_TYPE;
  return { path, type, digest, valueDigest: digest, value: encoded };
}

/**
 * A run's outputs from its recorded result: the whole result plus each top-level field or
 * element, so that a verdict says which part of a pipeline's result changed.
 */
export function outputsOfRunResult(result: EncodedValue): OutputSnapshot[] {
  const outputs = [snapshot('result', result)];
  if (Array.isArray(result)) {
    result.forEach((item, i) => outputs.push(snapshot(`result[${i}]`, item)));
  } else if (result !== null && typeof result === 'object' && !(TAG in result)) {
    for (const [key, item] of Object.entries(result)) {
      outputs.push(snapshot(IDENTIFIER.test(key) ? `result.${key}` : `result[${JSON.stringify(key)}]`, item));
    }
  }
  return outputs;
}

const sameOutput = (a: OutputSnapshot, b: OutputSnapshot) =>
  a.type === b.type && a.digest === b.digest && a.valueDigest === b.valueDigest;

/** Compares the original's outputs with the rerun's, path by path. */
export function compareOutputs(
  before: readonly OutputSnapshot[],
  after: readonly OutputSnapshot[],
): RerunVerdict {
  const paths = [...new Set([...before, ...after].map((o) => o.path))].sort();
  const outputs = paths.map((path): OutputComparison => {
    const b = before.find((o) => o.path === path) ?? null;
    const a = after.find((o) => o.path === path) ?? null;
    const status = !b ? 'added' : !a ? 'removed' : sameOutput(b, a) ? 'same' : 'changed';
    return { path, status, before: b, after: a };
  });
  const reproduced = outputs.length > 0 && outputs.every((o) => o.status === 'same');
  return { status: reproduced ? 'reproduced' : 'differs', outputs };
}

const shortDigest = (digest: string) => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');

function preview(output: OutputSnapshot | null): string {
  if (!output) return '(none)';
  if (output.value === null) return '(stored as digest only)';
  // A typed artifact is told apart by where it lives; its other fields rarely fit on the line.
  const uri = (output.value as { uri?: unknown }).uri;
  if (output.type !== VALUE_TYPE && typeof uri === 'string') return uri;
  const text = JSON.stringify(output.value);
  return text.length > 72 ? `${text.slice(0, 71)}…` : text;
}

const MARK = { same: '=', changed: '≠', added: '+', removed: '-' } as const;

/**
 * The verdict as the `lineage rerun` commands print it: a headline, then one line per output
 * path (type, digest, value), with before and after lines for the paths that are not the same.
 *
 * @example
 * verdict: differs (1 of 1 output changed)
 *   ≠ result  Value  changed
 *       before  sha256:5b1c0e9e1a2f  0.7311
 *       after   sha256:0c6a3d7e9b41  0.1405
 */
export function formatVerdict(verdict: RerunVerdict): string {
  const { outputs } = verdict;
  const plural = outputs.length === 1 ? '' : 's';
  const changed = outputs.filter((o) => o.status !== 'same').length;
  const lines = [
    verdict.status === 'reproduced'
      ? `verdict: reproduced (${outputs.length} output${plural}, every digest equal)`
      : `verdict: differs (${changed} of ${outputs.length} output${plural} changed)`,
  ];
  const pathWidth = Math.max(0, ...outputs.map((o) => o.path.length));
  const typeWidth = Math.max(0, ...outputs.map((o) => (o.after ?? o.before)!.type.length));
  for (const o of outputs) {
    const head = `  ${MARK[o.status]} ${o.path.padEnd(pathWidth)}  ${(o.after ?? o.before)!.type.padEnd(typeWidth)}`;
    if (o.status === 'same') {
      lines.push(`${head}  ${shortDigest(o.after!.digest)}  ${preview(o.after)}`);
      continue;
    }
    lines.push(`${head}  ${o.status}`);
    lines.push(`      before  ${o.before ? shortDigest(o.before.digest) : '-'}  ${preview(o.before)}`);
    lines.push(`      after   ${o.after ? shortDigest(o.after.digest) : '-'}  ${preview(o.after)}`);
  }
  return lines.join('\n');
}
