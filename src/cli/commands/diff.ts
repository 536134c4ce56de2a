import type { Command } from 'commander';
import {
  diffRuns,
  MISSING,
  type ArtifactChange,
  type ArtifactRef,
  type DiffRun,
  type Missing,
  type ParameterChange,
  type RunDiff,
  type StepEnd,
} from '../../query/diff';
import { formatDuration, previewValue } from '../../query/preview';
import type { CliContext } from '../context';
import { shortDigest, type Output } from '../output';

const side = (run: DiffRun) =>
  `${run.name} (${run.workflowType ?? '?'}, ${run.status ?? '?'}` +
  `${run.durationMs === null ? '' : `, ${formatDuration(run.durationMs)}`})`;

/** A side that lacks the leaf, artifact or step prints as "absent", never as another side's value. */
const ABSENT = 'absent';

function value(v: unknown, absent: boolean): string {
  return absent ? ABSENT : previewValue(v, 40);
}

function artifact(ref: ArtifactRef | Missing): string {
  if (ref === MISSING) return ABSENT;
  return ref.uri ? `${ref.label} (${shortDigest(ref.digest)})` : ref.label;
}

function number(n: number | Missing): string {
  return n === MISSING ? ABSENT : String(Number(n.toPrecision(6)));
}

const end = (e: StepEnd | Missing) => (e === MISSING ? ABSENT : `${e.state} ×${e.attempts}`);

function leafRows(changes: ParameterChange[]): string[][] {
  return changes.map((p) => [
    p.step,
    p.path,
    value(p.a, p.change === 'added'),
    value(p.b, p.change === 'removed'),
    p.change,
  ]);
}

function section(
  out: Output,
  title: string,
  empty: string,
  rows: string[][],
  head: string[],
  align: Array<'left' | 'right'> = [],
): void {
  out.line(out.c.bold(title));
  if (rows.length === 0) out.line(out.c.dim(`  ${empty}`));
  else out.table(head, rows, align, '  ');
  out.line();
}

function artifactRows(changes: ArtifactChange[]): string[][] {
  return changes.map((ch) => [
    ch.step,
    ch.path,
    [ch.a, ch.b].find((r): r is ArtifactRef => r !== MISSING)?.type ?? '',
    artifact(ch.a),
    artifact(ch.b),
    ch.change === 'data' ? 'data changed (same URI)' : ch.change,
  ]);
}

function render(out: Output, diff: RunDiff): void {
  const { c } = out;
  out.line(`${c.bold('A')} ${side(diff.a)}`);
  out.line(`${c.bold('B')} ${side(diff.b)}`);
  out.line();
  if (diff.identical) {
    out.line(c.green('Same steps, parameters, inputs, code and outputs.'));
    out.line();
  }
  section(
    out,
    'Steps',
    'same steps, same outcomes',
    diff.steps.map((s) => [
      s.pairedBy === 'position' ? `${s.step} (paired by position)` : s.step,
      s.change,
      end(s.a),
      end(s.b),
    ]),
    ['STEP', 'CHANGE', 'A', 'B'],
  );
  section(out, 'Parameters', 'no parameter differs', leafRows(diff.parameters), [
    'STEP',
    'PATH',
    'A',
    'B',
    'CHANGE',
  ]);
  section(out, 'Input data', 'same input artifacts', artifactRows(diff.inputs), [
    'STEP',
    'PATH',
    'TYPE',
    'A',
    'B',
    'CHANGE',
  ]);
  section(
    out,
    'Code',
    'same workflow and activity types, build ids and task queues',
    diff.code.map((ch) => [ch.what, ch.a.join('\n'), ch.b.join('\n')]),
    ['WHAT', 'A', 'B'],
  );
  section(
    out,
    'Code changed, per step',
    'same activity functions, commits and workflow bundles',
    diff.stepCode.map((ch) => [ch.step, ch.what, ch.a ?? '—', ch.b ?? '—']),
    ['STEP', 'WHAT', 'A', 'B'],
  );
  section(
    out,
    'Environment',
    'same environments (Node, OS, CPU, memory, dependencies, captured variables)',
    diff.environment.map((ch) => [ch.field, ch.a ?? '—', ch.b ?? '—']),
    ['FIELD', 'A', 'B'],
  );
  section(out, 'Outputs', 'same output artifacts', artifactRows(diff.outputs), [
    'STEP',
    'PATH',
    'TYPE',
    'A',
    'B',
    'CHANGE',
  ]);
  section(out, 'Output values', 'same output values', leafRows(diff.outputValues), [
    'STEP',
    'PATH',
    'A',
    'B',
    'CHANGE',
  ]);
  section(
    out,
    'Metrics',
    'no Metrics artifacts on either side',
    diff.metrics.map((m) => {
      const delta = m.delta === null ? '—' : `${m.delta > 0 ? '+' : ''}${number(m.delta)}`;
      const painted = m.delta === null || m.delta === 0 ? delta : m.delta > 0 ? c.green(delta) : c.red(delta);
      return [m.step, m.field, number(m.a), number(m.b), painted];
    }),
    ['STEP', 'FIELD', 'A', 'B', 'Δ'],
    ['left', 'left', 'right', 'right', 'right'],
  );
}

/** `lineage diff <a> <b>`: what changed between two runs, child runs included. */
export function registerDiff(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .description('compare two runs: steps, parameters, input data, code, outputs and metrics')
    .argument('<runA>', 'the baseline run')
    .argument('<runB>', 'the run to compare with it')
    .action(async (refA: string, refB: string, _options: unknown, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const diff = await diffRuns(store, refA, refB);
        if (out.json) out.data(diff);
        else render(out, diff);
      });
    });
}
