import { RerunOverrideError } from '../errors';

/** One step of an override path: an object key or an array index. */
type Segment = string | number;

/** `.name`, `[3]` or `["any key"]` — the path syntax capture records events with. */
const SEGMENT = /^(?:\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/**
 * Parses `args[0].params.nEstimators` (or `args[1]["odd key"]`, as capture writes paths) into
 * the argument index and the segments below it.
 */
export function parseOverridePath(path: string): { arg: number; segments: Segment[] } {
  const root = /^args\[(\d+)\]/.exec(path);
  if (!root) throw new RerunOverrideError(path, 'a path starts with args[<index>], e.g. args[0].seed');
  const segments: Segment[] = [];
  for (let rest = path.slice(root[0].length); rest !== '';) {
    const match = SEGMENT.exec(rest);
    if (!match) throw new RerunOverrideError(path, `cannot read the path at '${rest}'`);
    const [whole, name, index, quoted] = match;
    segments.push(name ?? (index !== undefined ? Number(index) : (JSON.parse(quoted!) as string)));
    rest = rest.slice(whole.length);
  }
  return { arg: Number(root[1]), segments };
}

/**
 * Splits `path=value` as given on the command line. The value is JSON when it parses as JSON
 * (`5`, `true`, `{"a":1}`, `"07"`), else the text itself, so `--set args[0].name=iris` works
 * without shell-quoted JSON.
 */
export function parseOverride(text: string): [path: string, value: unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new RerunOverrideError(text, 'expected path=value, e.g. args[1].nEstimators=50');
  const raw = text.slice(eq + 1);
  try {
    return [text.slice(0, eq), JSON.parse(raw) as unknown];
  } catch {
    return [text.slice(0, eq), raw];
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return isPlainObject(value)
    ? 'an object'
    : `a ${typeof value === 'object' ? value.constructor.name : typeof value}`;
}

/**
 * Replaces the value at `segments` inside `container`. Only existing places can be set: a typo
 * must fail loudly instead of adding a field the activity ignores.
 */
function setAt(path: string, container: unknown, segments: readonly Segment[], value: unknown): void {
  let node = container;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const at = typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
    if (Array.isArray(node) && typeof segment === 'number') {
      if (segment >= node.length)
        throw new RerunOverrideError(path, `index ${segment} is past the end (length ${node.length})`);
    } else if (isPlainObject(node) && typeof segment === 'string') {
      if (!Object.hasOwn(node, segment)) {
        const keys = Object.keys(node).join(', ');
        throw new RerunOverrideError(path, `the recorded value has no field '${segment}' (it has: ${keys})`);
      }
    } else {
      throw new RerunOverrideError(path, `cannot step into ${describe(node)} with ${at}`);
    }
    const holder = node as Record<string | number, unknown>;
    if (last) holder[segment] = value;
    else node = holder[segment];
  });
}

/**
 * Applies overrides (path → value) to decoded arguments, in place. A whole argument may be
 * replaced (`args[1]`), which also stands in for an argument that was not stored.
 */
export function applyOverrides(args: unknown[], overrides: Readonly<Record<string, unknown>>): void {
  for (const [path, value] of Object.entries(overrides)) {
    const { arg, segments } = parseOverridePath(path);
    if (arg >= args.length)
      throw new RerunOverrideError(path, `the recorded input has ${args.length} argument(s)`);
    if (segments.length === 0) args[arg] = value;
    else setAt(path, args[arg], segments, value);
  }
}
