import type { ArtifactNode, ExecutionNode, LineageGraph, LineageNode } from '../query/lineage';
import { formatDuration } from '../query/preview';

/** Display lines of a node, shared by the DOT and Mermaid renderings. */
export function nodeLines(node: LineageNode): string[] {
  if (node.kind === 'artifact') return [node.type, node.label];
  const timing = node.durationMs === null ? node.state : `${node.state} · ${formatDuration(node.durationMs)}`;
  return [node.label, timing];
}

/** Executions grouped by run (drawn as clusters), and the artifacts, which belong to no run. */
export function groupByRun(graph: LineageGraph): {
  runs: Array<{ run: string; executions: ExecutionNode[] }>;
  artifacts: ArtifactNode[];
} {
  const runs = new Map<string, ExecutionNode[]>();
  const artifacts: ArtifactNode[] = [];
  for (const node of graph.nodes) {
    if (node.kind === 'artifact') {
      artifacts.push(node);
    } else {
      const list = runs.get(node.run);
      if (list) list.push(node);
      else runs.set(node.run, [node]);
    }
  }
  return { runs: [...runs].map(([run, executions]) => ({ run, executions })), artifacts };
}

/** Whether a node is where the walk started (hop 0). */
export const isStart = (node: LineageNode): boolean => node.hops === 0;
