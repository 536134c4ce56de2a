import type { LineageGraph, LineageNode } from '../query/lineage';
import { groupByRun, isStart, nodeLines } from './graph-format';

const ARTIFACT_SHAPES: Record<string, string> = {
  Dataset: 'cylinder',
  Model: 'box3d',
  Metrics: 'note',
  Value: 'ellipse',
};

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function nodeStatement(node: LineageNode, indent: string): string {
  const attrs: string[] = [`label=${quote(nodeLines(node).join('\n'))}`];
  if (node.kind === 'artifact') {
    attrs.push(`shape=${ARTIFACT_SHAPES[node.type] ?? 'component'}`);
    if (node.uri) attrs.push(`tooltip=${quote(node.uri)}`);
  } else {
    attrs.push('shape=box', 'style="rounded"');
    if (node.state === 'FAILED' || node.state === 'ABANDONED') attrs.push('color=red3', 'fontcolor=red3');
  }
  if (isStart(node)) attrs.push('penwidth=2.5');
  return `${indent}${quote(node.key)} [${attrs.join(', ')}];`;
}

/**
 * The graph in Graphviz DOT: data flows left to right, each run's executions in a cluster,
 * artifact shapes by type (Dataset cylinder, Model box3d, Metrics note), start nodes bold.
 *
 * @example
 * writeFileSync('lineage.dot', toDot(await traceLineage(store, { run: 'iris-training-…' }, { direction: 'both', maxHops: 1 })));
 * // dot -Tsvg lineage.dot > lineage.svg
 */
export function toDot(graph: LineageGraph): string {
  const { runs, artifacts } = groupByRun(graph);
  const lines = [
    'digraph lineage {',
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color=gray40];',
  ];
  runs.forEach(({ run, executions }, i) => {
    lines.push(
      `  subgraph cluster_${i} {`,
      `    label=${quote(`run ${run}`)};`,
      '    style=rounded; color=gray70;',
    );
    for (const node of executions) lines.push(nodeStatement(node, '    '));
    lines.push('  }');
  });
  for (const node of artifacts) lines.push(nodeStatement(node, '  '));
  for (const edge of graph.edges)
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)} [label=${quote(edge.path)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
