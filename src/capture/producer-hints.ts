/**
 * Which execution produced each value a run hands to its next step. Runs inside Temporal's
 * deterministic workflow sandbox (imported by workflow-interceptors.ts): no I/O, no Node
 * built-ins, nothing that differs between a first run and a replay.
 *
 * Artifacts are identified by content, so equal values from different steps (two evaluations
 * with equal accuracy) share one artifact row; only the workflow sees which step's result object
 * is passed on. Each result object is remembered by identity (a WeakMap: no growth with history
 * length, nothing kept alive), and when a step is scheduled its arguments are looked up and the
 * producers travel in the lineage header, per argument path. The store checks every hint against
 * what it recorded (see write-attempts.ts), so a wrong hint can only be dropped, never invent lineage.
 */
import type { ProducerHint, ProducerRef } from './lineage-header';

/** Result objects nested deeper than this are not remembered (typed artifacts sit near the top). */
const RESULT_DEPTH = 4;
/** Argument values nested deeper than this are not looked up. */
const ARGS_DEPTH = 4;
/** Objects visited per result or argument list, so a huge result costs a bounded walk. */
const MAX_VISITS = 200;
/** Distinct primitive results remembered per run (the oldest is forgotten first). */
const MAX_PRIMITIVES = 256;
/** Producers remembered per primitive value. */
const MAX_PRIMITIVE_PRODUCERS = 8;
/** Steps whose input producers are remembered, for telling equal primitives apart. */
const MAX_STEPS = 1024;
/** Strings longer than this are not remembered as primitives. */
const MAX_STRING_CHARS = 256;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path of `key` inside the value at `parent`, as capture names it (artifacts/paths.ts). */
function childPath(parent: string, key: string | number): string | undefined {
  if (typeof key === 'number') return `${parent}[${key}]`;
  // Capture abbreviates long keys with a digest that the sandbox cannot compute: no hint there.
  if (key.length > 128) return undefined;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function isWalkable(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The key a primitive is remembered by, or undefined when it is not worth remembering. */
function primitiveKey(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value}:${String(value)}`;
  if (typeof value === 'string' && value.length <= MAX_STRING_CHARS) return `string:${value}`;
  return undefined;
}

function refKey(ref: ProducerRef): string {
  return `${ref.workflowId}\u0000${ref.runId ?? ''}\u0000${ref.activityId ?? ''}`;
}

/** Sets `key` as the newest entry of a map used as a bounded, insertion-ordered cache. */
function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

/** One run's memory of which step produced which value. */
export class ProducerHints {
  private readonly objects = new WeakMap<object, ProducerRef>();
  private readonly primitives = new Map<string, ProducerRef[]>();
  /** Per step (ref key): the producers of the values it was given. */
  private readonly stepInputs = new Map<string, Set<string>>();

  /** Remembers `value` (and the objects inside it, a few levels deep) as produced by `ref`. */
  remember(value: unknown, ref: ProducerRef): void {
    const key = primitiveKey(value);
    if (key !== undefined) {
      const known = (this.primitives.get(key) ?? []).filter((r) => refKey(r) !== refKey(ref));
      known.push(ref);
      setNewest(this.primitives, key, known.slice(-MAX_PRIMITIVE_PRODUCERS), MAX_PRIMITIVES);
      return;
    }
    const queue: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
    for (let next = 0; next < queue.length && next < MAX_VISITS; next++) {
      const item = queue[next]!;
      if (!isWalkable(item.value)) continue;
      // A value already known keeps its first producer: a step that hands back an argument it was
      // given (same object, as a local activity may) did not produce it.
      if (!this.objects.has(item.value)) this.objects.set(item.value, ref);
      if (item.depth >= RESULT_DEPTH) continue;
      const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
      for (const child of children)
        if (child !== null && typeof child === 'object') queue.push({ value: child, depth: item.depth + 1 });
    }
  }

  /**
   * Remembers the values a run received (its arguments) as the header's hints name them: a child
   * run's arguments as produced by the parent's steps, a continued run's as the previous run's.
   */
  rememberReceived(args: readonly unknown[], hints: readonly ProducerHint[] | undefined): void {
    if (!hints?.length) return;
    const byPath = new Map(hints.map((h) => [h.path, h]));
    this.visitArgs(args, (value, path) => {
      const hint = byPath.get(path);
      if (hint) this.remember(value, definedRef(hint));
    });
  }

  /**
   * The producer hints for the arguments of a step about to be scheduled, and a note of them as
   * that step's inputs. `step` is the scheduled step itself, when it is an activity of this run.
   */
  hintsFor(args: readonly unknown[], step?: ProducerRef): ProducerHint[] {
    const hints: ProducerHint[] = [];
    const primitives: Array<{ path: string; candidates: ProducerRef[] }> = [];
    this.visitArgs(args, (value, path, depth) => {
      if (value !== null && typeof value === 'object') {
        const ref = this.objects.get(value);
        if (ref) hints.push({ path, ...definedRef(ref) });
        return;
      }
      // A primitive is an artifact of its own only as a whole argument.
      if (depth > 0) return;
      const key = primitiveKey(value);
      const candidates = key === undefined ? undefined : this.primitives.get(key);
      if (candidates?.length) primitives.push({ path, candidates });
    });
    const objectProducers = new Set(hints.map((h) => refKey(h)));
    for (const { path, candidates } of primitives) {
      hints.push({ path, ...definedRef(this.choose(candidates, objectProducers)) });
    }
    if (step) setNewest(this.stepInputs, refKey(step), new Set(hints.map((h) => refKey(h))), MAX_STEPS);
    return hints;
  }

  /**
   * Equal primitives (two scores of 7) cannot be told apart by identity. Prefer the producer that
   * was fed by the same steps as the consumer's other arguments (the score of the model being
   * registered); otherwise the latest one, as the store's own fallback would.
   */
  private choose(candidates: readonly ProducerRef[], objectProducers: ReadonlySet<string>): ProducerRef {
    if (candidates.length > 1 && objectProducers.size > 0) {
      const related = candidates.filter((c) => {
        const inputs = this.stepInputs.get(refKey(c));
        return inputs !== undefined && [...inputs].some((k) => objectProducers.has(k));
      });
      if (related.length === 1) return related[0]!;
    }
    return candidates[candidates.length - 1]!;
  }

  /** Calls `visit` for each argument and the objects and values inside it, a few levels deep. */
  private visitArgs(
    args: readonly unknown[],
    visit: (value: unknown, path: string, depth: number) => void,
  ): void {
    const queue: Array<{ value: unknown; path: string; depth: number }> = args.map((value, i) => ({
      value,
      path: `args[${i}]`,
      depth: 0,
    }));
    for (let next = 0; next < queue.length && next < MAX_VISITS; next++) {
      const { value, path, depth } = queue[next]!;
      visit(value, path, depth);
      if (depth >= ARGS_DEPTH || !isWalkable(value)) continue;
      const entries: Array<[string | number, unknown]> = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : Object.entries(value);
      for (const [key, child] of entries) {
        if (child === null || typeof child !== 'object') continue;
        const at = childPath(path, key);
        if (at !== undefined) queue.push({ value: child, path: at, depth: depth + 1 });
      }
    }
  }
}

/** A ref without undefined fields (the header is JSON; exactOptionalPropertyTypes). */
function definedRef(ref: ProducerRef): ProducerRef {
  return {
    workflowId: ref.workflowId,
    ...(ref.runId === undefined ? {} : { runId: ref.runId }),
    ...(ref.activityId === undefined ? {} : { activityId: ref.activityId }),
  };
}
