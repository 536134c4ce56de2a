import { createHash } from 'node:crypto';
import { VALUE_TYPE } from '../artifacts/types';
import { lastAttempts } from './activity-attempts';
import { leaves } from './flatten';
import type { ExecutionWithArtifacts } from './rows';

/** The last attempt of one activity, with where it ran: `''` for the root run, `search` for a child run. */
export interface StepInput {
  readonly path: string;
  readonly execution: ExecutionWithArtifacts;
  readonly attempts: number;
  /** When the first attempt started: the step's place in time when attempts were retried. */
  readonly firstStartedAt: Date | null;
}

/** A step with the label that names the same step in every run it was paired across. */
export interface Step extends StepInput {
  /**
   * `splitDataset`; `trainModel[args[1].nEstimators=5]` when the inputs tell same-type steps
   * apart; `evaluateModel ← trainModel[args[1].nEstimators=5]` when only the producer does;
   * `random #2 by position` when nothing but schedule order does.
   */
  readonly label: string;
  /** `identity` (type, inputs, producers) or `position` (the last resort, named in the label). */
  readonly pairedBy: 'identity' | 'position';
}

/** Appends to the list under `key`, creating it (linear, where spreading into a new array each time is quadratic). */
function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** How a label shows a value: compact JSON, or a head and a hash when long (the hash keeps labels exact). */
function show(value: unknown): string {
  if (value === MISSING_LEAF) return 'missing';
  const json = JSON.stringify(value) ?? 'undefined';
  if (json.length <= 40) return json;
  return `${json.slice(0, 24)}…${createHash('sha256').update(json).digest('hex').slice(0, 8)}`;
}

const MISSING_LEAF = Symbol('missing');
const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

interface Node {
  readonly side: number;
  readonly step: StepInput;
  readonly group: string;
  /** Input leaves that identify it: plain values, and typed inputs no step of its run produced. */
  readonly identity: Map<string, unknown>;
  producers: Node[];
  depth: number;
  label?: string;
  pairedBy?: Step['pairedBy'];
}

/** The step of the same run that produced an input artifact: the latest to output it before this step started. */
function producerOf(node: Node, artifactId: number, outputsOf: Map<number, Node[]>): Node | undefined {
  const started = node.step.execution.startedAt?.getTime() ?? Infinity;
  const candidates = (outputsOf.get(artifactId) ?? []).filter(
    (p) => p !== node && (p.step.execution.endedAt?.getTime() ?? Infinity) <= started,
  );
  return candidates.sort(
    (a, b) => (b.step.execution.endedAt?.getTime() ?? 0) - (a.step.execution.endedAt?.getTime() ?? 0),
  )[0];
}

function buildNodes(sides: readonly StepInput[][]): Node[][] {
  return sides.map((steps, side) => {
    const nodes: Node[] = steps.map((step) => ({
      side,
      step,
      group: `${step.path ? `${step.path}/` : ''}${step.execution.activityType}`,
      identity: new Map(),
      producers: [],
      depth: 0,
    }));
    const outputsOf = new Map<number, Node[]>();
    for (const node of nodes)
      for (const { artifact } of node.step.execution.outputs) push(outputsOf, artifact.id, node);
    for (const node of nodes) {
      const { inputs } = node.step.execution;
      const typedPaths = new Set(inputs.filter((i) => i.artifact.type !== VALUE_TYPE).map((i) => i.path));
      const producers = new Set<Node>();
      for (const input of inputs) {
        const producer = producerOf(node, input.artifact.id, outputsOf);
        if (producer) producers.add(producer);
        if (input.artifact.type !== VALUE_TYPE) {
          if (!producer) node.identity.set(input.path, input.artifact.uri ?? input.artifact.digest);
        } else if (!typedPaths.has(input.path)) {
          for (const [p, v] of leaves(input.artifact.value, input.path, (p) => typedPaths.has(p)))
            node.identity.set(p, v);
        }
      }
      node.producers = [...producers];
    }
    const known = new Map<Node, number>();
    const depthOf = (node: Node, visiting: Set<Node>): number => {
      const seen = known.get(node);
      if (seen !== undefined) return seen;
      // Producers ended before their consumers started, so a cycle takes a hand-edited store.
      if (visiting.has(node)) return 0;
      visiting.add(node);
      const d = Math.max(-1, ...node.producers.map((p) => depthOf(p, visiting))) + 1;
      visiting.delete(node);
      known.set(node, d);
      return d;
    };
    for (const node of nodes) node.depth = depthOf(node, new Set());
    return nodes;
  });
}

/** Leaves whose value is not the same for every step of the group within one run. */
function distinguishing(nodes: readonly Node[], sides: number): string[] {
  const out = new Set<string>();
  for (let side = 0; side < sides; side++) {
    const mine = nodes.filter((n) => n.side === side);
    if (mine.length < 2) continue;
    const paths = new Set(mine.flatMap((n) => [...n.identity.keys()]));
    for (const path of paths) {
      const values = new Set(
        mine.map((n) => JSON.stringify(n.identity.get(path) ?? null) + n.identity.has(path)),
      );
      if (values.size > 1) out.add(path);
    }
  }
  return [...out].sort(natural);
}

/** Compares steps of schedule order: Temporal numbers activities as the workflow schedules them. */
const scheduleOrder = (a: Node, b: Node) =>
  natural(a.step.execution.activityId, b.step.execution.activityId) ||
  (a.step.execution.startedAt?.getTime() ?? 0) - (b.step.execution.startedAt?.getTime() ?? 0);

/**
 * Labels the steps of several runs so that the same step gets the same label in each: a step is
 * what it is — activity type (and child-run path), plus the inputs that tell same-type steps of
 * a run apart (a grid entry's parameters), plus, when those do not, the steps that produced its
 * inputs. Only steps that nothing else tells apart are numbered by schedule order, and their
 * labels say so. Every run's labels are unique within the run.
 */
export function pairSteps(sides: readonly StepInput[][]): Step[][] {
  const nodes = buildNodes(sides);
  const all = nodes.flat();
  const groups = new Map<string, Node[]>();
  for (const node of all) push(groups, node.group, node);

  const stage1 = new Map<Node, string>();
  const needsProducers = new Set<string>();
  for (const [group, members] of groups) {
    const keys = distinguishing(members, sides.length);
    for (const node of members) {
      const parts = keys.map(
        (k) => `${k}=${show(node.identity.has(k) ? node.identity.get(k) : MISSING_LEAF)}`,
      );
      stage1.set(node, parts.length ? `${group}[${parts.join(', ')}]` : group);
    }
    for (let side = 0; side < sides.length; side++) {
      const labels = members.filter((n) => n.side === side).map((n) => stage1.get(n)!);
      if (new Set(labels).size < labels.length) needsProducers.add(group);
    }
  }

  // By depth: a step's producers are labelled before it, and steps that share a label share their producers, hence a depth.
  const depths = [...new Set(all.map((n) => n.depth))].sort((a, b) => a - b);
  for (const depth of depths) {
    const level = all.filter((n) => n.depth === depth);
    const stage2 = new Map<Node, string>();
    for (const node of level) {
      let label = stage1.get(node)!;
      if (needsProducers.has(node.group)) {
        const names = [...new Set(node.producers.map((p) => p.label ?? stage1.get(p)!))].sort(natural);
        label += names.length ? ` ← ${names.join(', ')}` : ' ← (no producer)';
      }
      stage2.set(node, label);
    }
    const same = new Map<string, Node[]>();
    for (const node of level) {
      push(same, `${node.side}\0${stage2.get(node)!}`, node);
    }
    for (const twins of same.values()) {
      if (twins.length === 1) {
        twins[0]!.label = stage2.get(twins[0]!)!;
        twins[0]!.pairedBy = 'identity';
        continue;
      }
      twins.sort(scheduleOrder).forEach((node, i) => {
        node.label = `${stage2.get(node)!} #${i + 1} by position`;
        node.pairedBy = 'position';
      });
    }
  }
  return nodes.map((side) =>
    side
      .map((n) => ({ ...n.step, label: n.label!, pairedBy: n.pairedBy! }))
      .sort((a, b) => natural(a.label, b.label)),
  );
}

/** The steps of a list of attempts: each activity's last attempt and its attempt count. */
export function stepsOf(
  items: ReadonlyArray<{ path: string; execution: ExecutionWithArtifacts }>,
): StepInput[] {
  const paths = new Map(items.map((i) => [i.execution, i.path]));
  return lastAttempts(items.map((i) => i.execution)).map(({ last, first, attempts }) => ({
    path: paths.get(last)!,
    execution: last,
    attempts,
    firstStartedAt: first.startedAt,
  }));
}
