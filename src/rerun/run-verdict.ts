import { loadRun, pairRuns } from '../query/diff';
import type { RunRow } from '../query/rows';
import type { Step } from '../query/step-pairing';
import type { LineageStore } from '../store/open-store';
import {
  compareOutputs,
  formatVerdict,
  outputsOfExecution,
  type OutputComparison,
  type RerunVerdict,
} from './verdict';

/** How one step of the original run compares with the same step of the rerun. */
export interface StepVerdict {
  /** The step's label, as `lineage diff` names it (see `pairSteps`). */
  readonly step: string;
  /** `same`: every output artifact equal, file contents included; `added` / `removed`: one run only. */
  readonly status: 'same' | 'differs' | 'added' | 'removed';
  /** Execution ids of the step's last attempt in the original run and in the rerun. */
  readonly original: number | null;
  readonly rerun: number | null;
  /** The step's output paths that are not the same (all of them for an added or removed step). */
  readonly outputs: readonly OutputComparison[];
}

/**
 * A run rerun's verdict: `reproduced` only when the run's result and every step's output
 * artifacts are equal — a file rewritten at the same path with other bytes has another content
 * digest, so it differs even when the step returned the same URI.
 */
export interface RunVerdict extends RerunVerdict {
  /** Every step of either run, in label order. */
  readonly steps: readonly StepVerdict[];
}

function stepVerdict(label: string, before: Step | undefined, after: Step | undefined): StepVerdict {
  const verdict = compareOutputs(
    before ? outputsOfExecution(before.execution) : [],
    after ? outputsOfExecution(after.execution) : [],
  );
  const status = !before
    ? 'added'
    : !after
      ? 'removed'
      : verdict.status === 'reproduced'
        ? 'same'
        : 'differs';
  return {
    step: label,
    status,
    original: before?.execution.id ?? null,
    rerun: after?.execution.id ?? null,
    outputs: verdict.outputs.filter((o) => o.status !== 'same'),
  };
}

/**
 * Compares a rerun with its original step by step — each step's outputs as `rerun execution`
 * compares them — and by the runs' results. Steps are paired as `lineage diff` pairs them.
 */
export async function runVerdict(
  store: LineageStore,
  original: RunRow,
  rerun: RunRow,
  result: RerunVerdict,
): Promise<RunVerdict> {
  const [before, after] = pairRuns([await loadRun(store, original.name), await loadRun(store, rerun.name)]);
  const labels = [...new Set([...before!.steps.keys(), ...after!.steps.keys()])].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const steps = labels.map((label) => stepVerdict(label, before!.steps.get(label), after!.steps.get(label)));
  const reproduced = result.status === 'reproduced' && steps.every((s) => s.status === 'same');
  return { status: reproduced ? 'reproduced' : 'differs', outputs: result.outputs, steps };
}

const shortDigest = (digest: string) => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');

/**
 * The run verdict as `lineage rerun run` prints it: the result's lines (see `formatVerdict`),
 * then every step that did not reproduce, with each output path that differs.
 *
 * @example
 * verdict: differs (1 of 3 steps differs; result same)
 *   step writeModel: differs
 *     ≠ result.uri  Model  file:///tmp/model.bin  sha256:5b1c0e9e1a2f → sha256:0c6a3d7e9b41
 */
export function formatRunVerdict(verdict: RunVerdict): string {
  const [, ...resultLines] = formatVerdict(verdict).split('\n');
  const off = verdict.steps.filter((s) => s.status !== 'same');
  const resultSame = verdict.outputs.length > 0 && verdict.outputs.every((o) => o.status === 'same');
  const headline =
    verdict.status === 'reproduced'
      ? `verdict: reproduced (${verdict.steps.length} step${verdict.steps.length === 1 ? '' : 's'} and the result, every digest equal)`
      : `verdict: differs (${off.length} of ${verdict.steps.length} steps differ; result ${resultSame ? 'same' : 'differs'})`;
  const lines = [headline, ...resultLines];
  for (const step of off) {
    lines.push(`  step ${step.step}: ${step.status}`);
    for (const o of step.outputs) {
      const mark = { same: '=', changed: '≠', added: '+', removed: '-' }[o.status];
      const side = o.after ?? o.before!;
      const uri = (side.value as { uri?: unknown } | null)?.uri;
      const where = typeof uri === 'string' ? `  ${uri}` : '';
      const digests = `${o.before ? shortDigest(o.before.digest) : 'absent'} → ${o.after ? shortDigest(o.after.digest) : 'absent'}`;
      lines.push(`    ${mark} ${o.path}  ${side.type}${where}  ${digests}`);
    }
  }
  return lines.join('\n');
}
