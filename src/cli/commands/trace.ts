import type { Command } from 'commander';
import { traceLineage, type LineageGraph, type LineageNode, type LineageOptions } from '../../query/lineage';
import { formatDuration } from '../../query/preview';
import { wholeNumber, type CliContext } from '../context';
import { paintState, shortDigest, shortRunName, type Output } from '../output';
import { resolveStart } from '../targets';

/** Node ids as the CLI prints and accepts them: `a12`, `e34`. */
const shortKey = (key: string) => key.replace(/^artifact:/, 'a').replace(/^execution:/, 'e');

export interface WalkFlags {
  downstream?: boolean;
  both?: boolean;
  depth?: number;
  limit: number;
  cursor?: string;
  run?: string;
}

/** Adds the walk flags shared by `trace` and `graph`. */
export function walkOptions(command: Command, defaults: { limit: number }): Command {
  return command
    .option('--downstream', 'follow what was made from it instead of what it was made from')
    .option('--both', 'follow both directions')
    .option('--depth <n>', 'edges to follow from the start', wholeNumber('--depth'))
    .option('--run <run>', 'stay inside this run and its child runs (artifacts are shared across runs)')
    .option('--limit <n>', 'nodes per page', wholeNumber('--limit'), defaults.limit)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one');
}

export function walkOptionsOf(flags: WalkFlags, defaultDepth: number): LineageOptions {
  return {
    direction: flags.both ? 'both' : flags.downstream ? 'downstream' : 'upstream',
    maxHops: flags.depth ?? defaultDepth,
    maxNodes: Math.max(1, flags.limit),
    ...(flags.cursor ? { cursor: flags.cursor } : {}),
    ...(flags.run ? { withinRun: flags.run } : {}),
  };
}

function what(out: Output, node: LineageNode): string {
  if (node.kind === 'artifact') return `${out.c.cyan(node.type)} ${node.label}`;
  return node.label;
}

function detail(out: Output, node: LineageNode): string {
  if (node.kind === 'artifact') return `sha256:${shortDigest(node.digest)}`;
  const took = node.durationMs === null ? '' : ` ${formatDuration(node.durationMs)}`;
  return `${paintState(out.c, node.state)}${took}  run ${shortRunName(node.run)}`;
}

/**
 * How a node hangs off the previous hop: `→ e9 args[0].model` (it feeds e9) or `← e3 result` (e3
 * wrote it). Links along the walk's direction come first: upstream, a node is there because it
 * fed the one before it.
 */
function via(graph: LineageGraph, node: LineageNode, hopsByKey: Map<string, number>): string {
  const forward: string[] = [];
  const backward: string[] = [];
  for (const edge of graph.edges) {
    if (edge.from === node.key && hopsByKey.get(edge.to) === node.hops - 1)
      forward.push(`→ ${shortKey(edge.to)} ${edge.path}`);
    if (edge.to === node.key && hopsByKey.get(edge.from) === node.hops - 1)
      backward.push(`← ${shortKey(edge.from)} ${edge.path}`);
  }
  const links = graph.direction === 'downstream' ? [...backward, ...forward] : [...forward, ...backward];
  return links.length > 1 ? `${links[0]} (+${links.length - 1})` : (links[0] ?? '');
}

/** `lineage trace`: what an artifact, execution or run was made from (or what was made from it). */
export function registerTrace(program: Command, ctx: CliContext): void {
  walkOptions(
    program
      .command('trace')
      .description('walk lineage from an artifact, an execution or a run (upstream unless told otherwise)')
      .argument('<target>', 'a12 / artifact:12 / 12, e34 / execution:34, an artifact URI, or a run'),
    { limit: 200 },
  ).action(async (target: string, flags: WalkFlags, command: Command) => {
    await ctx.withStore(command, async (store, out) => {
      const graph = await traceLineage(
        store,
        await resolveStart(store, target, out),
        walkOptionsOf(flags, 20),
      );
      if (out.json) return out.data(graph);
      const hopsByKey = new Map(graph.nodes.map((n) => [n.key, n.hops]));
      out.line(
        `${out.c.bold(graph.direction[0]!.toUpperCase() + graph.direction.slice(1))} of ${shortKey(graph.start)}: ` +
          `${graph.nodes.length} nodes within ${graph.maxHops} hops`,
      );
      out.table(
        ['HOP', 'NODE', 'WHAT', 'DETAIL', 'VIA'],
        graph.nodes.map((node) => [
          String(node.hops),
          shortKey(node.key),
          what(out, node),
          detail(out, node),
          via(graph, node, hopsByKey),
        ]),
        ['right'],
      );
      if (graph.nextCursor)
        out.note(out.c.dim(`more: lineage trace ${target} … --cursor ${graph.nextCursor}`));
      if (graph.hopLimited)
        out.note(out.c.dim(`the graph goes on past ${graph.maxHops} hops; raise --depth to see more`));
    });
  });
}
