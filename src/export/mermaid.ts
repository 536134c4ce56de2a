import type { LineageGraph, LineageNode } from '../query/lineage';
import { groupByRun, isStart, nodeLines } from './graph-format';

/** Mermaid ids must be plain words: `artifact:12` becomes `a12`, `execution:34` `e34`. */
function id(key: string): string {
  return key.replace(/^artifact:/, 'a').replace(/^execution:/, 'e');
}

/** Quoted Mermaid text: entities for the characters its parser would take as syntax or HTML. */
function text(value: string): string {
  const escaped = value.replace(/[#"<>]/g, (c) => `#${{ '#': 35, '"': 34, '<': 60, '>': 62 }[c]};`);
  return `"${escaped}"`;
}

function shape(node: LineageNode): [string, string] {
  if (node.kind === 'execution') return ['[', ']'];
  switch (node.type) {
    case 'Dataset':
      return ['[(', ')]'];
    case 'Model':
      return ['[[', ']]'];
    case 'Metrics':
      return ['{{', '}}'];
    default:
      return ['(', ')'];
  }
}

function nodeStatement(node: LineageNode, indent: string): string {
  const [open, close] = shape(node);
  const label = nodeLines(node)
    .map((line) => text(line).slice(1, -1))
    .join('<br/>');
  return `${indent}${id(node.key)}${open}"${label}"${close}`;
}

/**
 * The graph as a Mermaid flowchart (renders in GitHub Markdown): each run's executions in a
 * subgraph, Dataset as a cylinder, Model as a subroutine box, Metrics as a hexagon; failed
 * executions and start nodes get their own classes.
 *
 * @example
 * const md = '```mermaid\n' + toMermaid(await traceLineage(store, { artifactId: model.id })) + '```\n';
 */
export function toMermaid(graph: LineageGraph): string {
  const { runs, artifacts } = groupByRun(graph);
  const lines = ['flowchart LR'];
  runs.forEach(({ run, executions }, i) => {
    lines.push(`  subgraph run${i}[${text(`run ${run}`)}]`);
    for (const node of executions) lines.push(nodeStatement(node, '    '));
    lines.push('  end');
  });
  for (const node of artifacts) lines.push(nodeStatement(node, '  '));
  for (const edge of graph.edges) lines.push(`  ${id(edge.from)} -->|${text(edge.path)}| ${id(edge.to)}`);
  const failed = graph.nodes.filter(
    (n) => n.kind === 'execution' && (n.state === 'FAILED' || n.state === 'ABANDONED'),
  );
  const starts = graph.nodes.filter(isStart);
  lines.push('  classDef failed stroke:#c00,color:#c00;', '  classDef start stroke-width:3px;');
  if (failed.length > 0) lines.push(`  class ${failed.map((n) => id(n.key)).join(',')} failed;`);
  if (starts.length > 0) lines.push(`  class ${starts.map((n) => id(n.key)).join(',')} start;`);
  return `${lines.join('\n')}\n`;
}
