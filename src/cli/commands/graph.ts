import { InvalidArgumentError, type Command } from 'commander';
import { toDot } from '../../export/dot';
import { toMermaid } from '../../export/mermaid';
import { traceLineage } from '../../query/lineage';
import type { CliContext } from '../context';
import { resolveStart } from '../targets';
import { walkOptions, walkOptionsOf, type WalkFlags } from './trace';

const FORMATS = ['dot', 'mermaid', 'json'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(text: string): Format {
  if (!(FORMATS as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`'${text}' is not a graph format (${FORMATS.join(', ')})`);
  }
  return text as Format;
}

/**
 * `lineage graph`: a run's executions with their inputs and outputs (or an artifact's lineage) as
 * Graphviz DOT, Mermaid or JSON. For a run the walk goes both ways, one hop, unless told otherwise.
 */
export function registerGraph(program: Command, ctx: CliContext): void {
  walkOptions(
    program
      .command('graph')
      .description('draw a run or an artifact lineage as Graphviz DOT, Mermaid or JSON')
      .argument('<target>', 'a run, a12 / artifact:12, e34 / execution:34, or an artifact URI')
      .option('--format <format>', `${FORMATS.join(' | ')}`, parseFormat, 'dot'),
    { limit: 1000 },
  ).action(async (target: string, flags: WalkFlags & { format: Format }, command: Command) => {
    await ctx.withStore(command, async (store, out) => {
      const start = await resolveStart(store, target, out);
      const isRun = 'run' in start;
      const both = isRun && !flags.downstream && !flags.both ? { both: true } : {};
      const graph = await traceLineage(store, start, walkOptionsOf({ ...flags, ...both }, isRun ? 1 : 20));
      const format = out.json ? 'json' : flags.format;
      if (format === 'json') out.data(graph);
      else out.stdout.write(format === 'dot' ? toDot(graph) : toMermaid(graph));
      if (graph.truncated) {
        out.note(
          `graph cut at ${graph.nodes.length} nodes; raise --limit (or page with --cursor ${graph.nextCursor})`,
        );
      }
    });
  });
}
