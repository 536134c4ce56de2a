import type { Command } from 'commander';
import { listNotes } from '../../annotations/notes';
import { listTags } from '../../annotations/tags';
import { compactJson, formatDuration, numericFields, previewValue, uriBasename } from '../../query/preview';
import { describeRun } from '../../query/run-detail';
import { durationMs, type EventArtifact } from '../../query/rows';
import type { CliContext } from '../context';
import { executionJson, runJson } from '../json';
import { formatTime, paintState, shortDigest, type Output } from '../output';

/** One artifact on one line: `args[0] Dataset iris-raw.json a2`. */
function describeEvent(out: Output, { path, artifact }: EventArtifact): string {
  const what = artifact.uri
    ? uriBasename(artifact.uri)
    : artifact.inline
      ? numericFields(artifact.value) || previewValue(artifact.value, 40)
      : `(${artifact.sizeBytes} bytes, not inline)`;
  return `${path} ${out.c.cyan(artifact.type)} ${what} ${out.c.dim(`a${artifact.id}`)}`;
}

const duration = (from: Date | null, to: Date | null) => {
  const ms = durationMs(from, to);
  return ms === null ? '—' : formatDuration(ms);
};

/** `lineage show <run>`: a run, its child runs, and every activity attempt with inputs and outputs. */
export function registerShow(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('show a run: its activity attempts in order, with inputs, outputs and child runs')
    .argument('<run>', 'workflowId (latest run), workflowId/runId, or a unique prefix of either')
    .action(async (ref: string, _options: unknown, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const detail = await describeRun(store, ref);
        const { run, childRuns, executions } = detail;
        const [tags, notes] = await Promise.all([
          listTags(store, { run: run.name }),
          listNotes(store, { run: run.name }),
        ]);
        if (out.json) {
          return out.data({
            run: runJson({ ...run, parentRun: detail.parentRun?.name ?? null }),
            pipeline: detail.pipeline,
            args: run.args,
            result: run.result,
            error: run.error,
            childRuns: childRuns.map((child) => runJson({ ...child, parentRun: run.name })),
            chain: detail.chain.map((link) => link.name),
            executions: executions.map(executionJson),
            tags,
            notes,
          });
        }
        const { c } = out;
        const field = (label: string, text: string) => out.line(`  ${label.padEnd(9)} ${text}`);
        out.line(`${c.bold('Run')} ${run.name}`);
        field(
          'pipeline',
          `${run.workflowType ?? '—'}   status ${paintState(c, run.status)}   ` +
            `started ${formatTime(run.startedAt)}   duration ${duration(run.startedAt, run.endedAt)}`,
        );
        if (detail.parentRun) field('parent', detail.parentRun.name);
        // Continue-as-new: every run of the chain, first first, this one in bold.
        if (detail.chain.length > 0)
          field(
            'chain',
            detail.chain.map((link) => (link.id === run.id ? c.bold(link.name) : link.name)).join(' → '),
          );
        if (tags.length > 0) field('tags', tags.map((t) => `${t.key}=${t.value}`).join('  '));
        // Workflow args are an array; its elements are what a person passed, shown as compact JSON.
        const args = Array.isArray(run.args) ? run.args : [];
        args.forEach((arg, i) => {
          const text = compactJson(arg);
          field(`args[${i}]`, text.length > 100 ? `${text.slice(0, 99)}…` : text);
        });
        if (run.error) field('error', c.red(run.error));
        for (const child of childRuns) {
          field(
            'child',
            `${child.name}   ${child.workflowType ?? ''} ${paintState(c, child.status)} ` +
              `in ${duration(child.startedAt, child.endedAt)}`,
          );
        }
        out.line();
        for (const note of notes) {
          out.line(`  ${c.bold('note')} ${c.dim(`${note.author}, ${formatTime(note.createdAt)}`)}`);
          for (const line of note.body.split('\n')) out.line(`    ${line}`);
        }
        if (notes.length > 0) out.line();
        if (executions.length === 0) {
          out.line(c.dim('  (no activity attempts recorded for this run itself)'));
          return;
        }
        out.table(
          ['ID', 'ACTIVITY', 'ATTEMPT', 'STATE', 'DURATION', 'INPUTS', 'OUTPUTS'],
          executions.map((e) => {
            const error = e.error as { message?: string } | null;
            const outputs = e.outputs.map((o) => describeEvent(out, o));
            if (error?.message) outputs.push(c.red(error.message));
            return [
              `e${e.id}`,
              e.activityType,
              String(e.attempt),
              paintState(c, e.state),
              duration(e.startedAt, e.endedAt),
              e.inputs.map((i) => describeEvent(out, i)).join('\n'),
              outputs.join('\n'),
            ];
          }),
          ['left', 'left', 'right', 'left', 'right', 'left', 'left'],
        );
        const atUris = new Map(
          executions
            .flatMap((e) => e.outputs)
            .flatMap((o) => (o.artifact.uri ? [[o.artifact.id, o.artifact]] : [])),
        );
        if (atUris.size > 0) {
          out.line();
          out.table(
            ['OUTPUT', 'DIGEST', 'URI'],
            [...atUris.values()].map((a) => [`a${a.id}`, `sha256:${shortDigest(a.digest)}`, a.uri ?? '']),
          );
        }
      });
    });
}
