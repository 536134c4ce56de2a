import { TAG } from '../artifacts/encode';

/** A value with more leaves than this is compared as one leaf (by its whole JSON). */
const MAX_LEAVES = 1000;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Same path syntax as capture's event paths: `args[0].params.seed`, `x["not an id"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && !(TAG in value) && Object.keys(value).length > 0;
}

/**
 * The leaves of a stored (encoded) value by path — the unit in which parameters are compared.
 * Tagged values (`{"$lineage": …}`), empty containers and primitives are leaves; `skip` says
 * which subtrees to leave out (typed artifacts, which are compared as artifacts instead).
 */
export function leaves(
  root: unknown,
  rootPath: string,
  skip: (path: string, value: unknown) => boolean = () => false,
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const stack: Array<[string, unknown]> = [[rootPath, root]];
  while (stack.length > 0) {
    const [path, value] = stack.pop()!;
    if (path !== rootPath && skip(path, value)) continue;
    if (!isContainer(value)) {
      out.set(path, value);
    } else {
      const entries: Array<[string | number, unknown]> = Array.isArray(value)
        ? [...value.entries()]
        : Object.entries(value);
      for (const [key, child] of entries.reverse()) stack.push([childPath(path, key), child]);
    }
    if (out.size > MAX_LEAVES) return new Map([[rootPath, root]]);
  }
  return out;
}

/** Equality of two stored values, as JSON (stored values are canonical enough: jsonb sorts keys). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether a stored value is a typed artifact by its shape: a `kind` naming a known artifact type.
 * Workflow arguments have no events saying which parts are artifacts, so this is how diff and
 * export keep datasets and models out of the parameter lists.
 */
export function looksTyped(value: unknown, kinds: ReadonlySet<string>): boolean {
  return value !== null && typeof value === 'object' && kinds.has(String((value as { kind?: unknown }).kind));
}
