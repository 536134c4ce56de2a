// Turns one or more pages of a lineage walk (GET /api/…/graph or …/lineage) into what the graph
// view draws: child runs collapsed into one node each unless expanded (then drawn as a cluster),
// artifacts that only live inside a collapsed child hidden with it, and retries linked attempt
// to attempt.

const clusterKey = (path) => `cluster:${path}`;
const childKey = (path) => `child:${path}`;
const parentPath = (path) => path.split('/').slice(0, -1).join('/');

/** Merges walk pages: nodes and edges once each, flags from the last page. */
export function mergePages(pages) {
  const nodes = new Map();
  const edges = new Map();
  for (const page of pages) {
    for (const node of page.nodes) if (!nodes.has(node.key)) nodes.set(node.key, node);
    for (const edge of page.edges) edges.set(`${edge.from}|${edge.to}|${edge.path}`, edge);
  }
  const last = pages.at(-1);
  return { ...last, nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** The deepest cluster path containing both (paths are `a/b`; '' is the top level). */
function commonPath(a, b) {
  const x = a.split('/');
  const y = b.split('/');
  const out = [];
  for (let i = 0; i < Math.min(x.length, y.length) && x[i] === y[i]; i++) out.push(x[i]);
  return out.join('/');
}

/**
 * @param graph a merged walk: `{ nodes, edges }`
 * @param options.family descendant runs `[{ path, run }]` of the run drawn (empty for an artifact walk)
 * @param options.rootName the run drawn (its executions are at the top level)
 * @param options.expanded a Set of family paths drawn open, or 'all'
 */
export function buildGraphModel(graph, { family = [], expanded = 'all' } = {}) {
  const pathOfRun = new Map(family.map((f) => [f.run.name, f.path]));
  const runOfPath = new Map(family.map((f) => [f.path, f.run]));
  const isOpen = (path) => expanded === 'all' || expanded.has(path);
  const nodes = new Map();
  const clusters = new Map();
  const visibleKey = new Map();
  /** The cluster path a visible node sits in ('' = top level). */
  const placeOf = new Map();

  const addCluster = (path) => {
    for (let p = path; p !== '' && !clusters.has(clusterKey(p)); p = parentPath(p)) {
      const parent = parentPath(p);
      clusters.set(clusterKey(p), {
        key: clusterKey(p),
        path: p,
        run: runOfPath.get(p) ?? null,
        parent: parent === '' ? null : clusterKey(parent),
      });
    }
  };

  for (const node of graph.nodes) {
    if (node.kind !== 'execution') continue;
    const path = pathOfRun.get(node.run) ?? '';
    const parts = path === '' ? [] : path.split('/');
    let collapsed = null;
    for (let i = 1; i <= parts.length && collapsed === null; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (!isOpen(prefix)) collapsed = prefix;
    }
    if (collapsed !== null) {
      const key = childKey(collapsed);
      const place = parentPath(collapsed);
      const child = nodes.get(key) ?? {
        key,
        kind: 'child',
        path: collapsed,
        run: runOfPath.get(collapsed) ?? null,
        steps: 0,
        failed: 0,
        parent: place === '' ? null : clusterKey(place),
      };
      child.steps += 1;
      if (node.state === 'FAILED') child.failed += 1;
      nodes.set(key, child);
      if (place !== '') addCluster(place);
      visibleKey.set(node.key, key);
      placeOf.set(key, place);
    } else {
      if (path !== '') addCluster(path);
      nodes.set(node.key, {
        key: node.key,
        kind: 'execution',
        data: node,
        parent: path === '' ? null : clusterKey(path),
      });
      visibleKey.set(node.key, node.key);
      placeOf.set(node.key, path);
    }
  }

  const neighbours = new Map();
  for (const edge of graph.edges) {
    const [artifact, execution] = edge.type === 'INPUT' ? [edge.from, edge.to] : [edge.to, edge.from];
    const mapped = visibleKey.get(execution);
    if (!mapped) continue;
    if (!neighbours.has(artifact)) neighbours.set(artifact, new Set());
    neighbours.get(artifact).add(mapped);
  }
  for (const node of graph.nodes) {
    if (node.kind !== 'artifact') continue;
    const around = [...(neighbours.get(node.key) ?? [])];
    // Made and used only inside one collapsed child run: it is part of what collapsing hides.
    if (around.length === 1 && around[0].startsWith('child:')) continue;
    const place = around.length === 0 ? '' : around.map((k) => placeOf.get(k) ?? '').reduce(commonPath);
    nodes.set(node.key, {
      key: node.key,
      kind: 'artifact',
      data: node,
      parent: place === '' ? null : clusterKey(place),
    });
    visibleKey.set(node.key, node.key);
  }

  const edges = new Map();
  for (const edge of graph.edges) {
    const from = visibleKey.get(edge.from);
    const to = visibleKey.get(edge.to);
    if (!from || !to || from === to || !nodes.has(from) || !nodes.has(to)) continue;
    const key = `${from}|${to}`;
    const seen = edges.get(key);
    if (seen) seen.paths.push(edge.path);
    else edges.set(key, { from, to, kind: 'data', paths: [edge.path] });
  }
  const attempts = new Map();
  for (const node of nodes.values()) {
    if (node.kind !== 'execution') continue;
    const key = `${node.data.run}|${node.data.activityId}`;
    attempts.set(key, [...(attempts.get(key) ?? []), node]);
  }
  for (const list of attempts.values()) {
    list.sort((a, b) => a.data.attempt - b.data.attempt);
    for (let i = 1; i < list.length; i++) {
      const [from, to] = [list[i - 1].key, list[i].key];
      edges.set(`${from}|${to}`, {
        from,
        to,
        kind: 'retry',
        paths: [`retry: attempt ${list[i].data.attempt}`],
      });
    }
  }
  return { nodes, edges: [...edges.values()], clusters };
}
