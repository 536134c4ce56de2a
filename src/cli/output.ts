import Table from 'cli-table3';
import picocolors from 'picocolors';

/** picocolors' formatter set (its typings export the type only through a sub-path). */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** A stream the CLI writes to; `isTTY` decides colour. */
export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Colour only when a person is watching: the stream is a terminal, `NO_COLOR` is unset and TERM
 * is not `dumb` — or `FORCE_COLOR` asks for it. (picocolors' own detection also turns colour on
 * whenever `CI` is set, which would put escape codes into piped output on CI.)
 */
export function wantsColor(stream: OutStream, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  return stream.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

export type Align = 'left' | 'right';

/** What every command writes through: results to stdout, notes and errors to stderr. */
export class Output {
  readonly c: Colors;
  constructor(
    readonly stdout: OutStream,
    readonly stderr: OutStream,
    readonly json: boolean,
    env: NodeJS.ProcessEnv,
  ) {
    this.c = picocolors.createColors(!json && wantsColor(stdout, env));
  }

  /** A line of human output. */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** The `--json` result: one document, two-space indented, Dates as ISO strings. */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A hint or warning for the person, kept out of stdout so pipes get only results. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** An aligned, borderless table; cells may hold several lines. */
  table(head: string[], rows: string[][], align: Align[] = [], indent = ''): void {
    const none = '';
    const table = new Table({
      head: head.map((h) => this.c.bold(h)),
      chars: {
        top: none,
        'top-mid': none,
        'top-left': none,
        'top-right': none,
        bottom: none,
        'bottom-mid': none,
        'bottom-left': none,
        'bottom-right': none,
        left: none,
        'left-mid': none,
        mid: none,
        'mid-mid': none,
        right: none,
        'right-mid': none,
        middle: '  ',
      },
      style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
      colAligns: head.map((_, i) => align[i] ?? 'left'),
    });
    table.push(...rows);
    const text = table
      .toString()
      .split('\n')
      .map((line) => `${indent}${line}`.trimEnd())
      .join('\n');
    this.line(text);
  }
}

/** `2026-01-31 14:05:09` in local time: a table cell, not an interchange format (that is --json). */
export function formatTime(date: Date | null): string {
  if (!date) return '—';
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `sha256:0123456789ab` → `0123456789ab`: enough to tell digests apart on screen. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * `workflowId/runId` with the run id cut to 13 characters — a prefix the CLI accepts back. Not 8:
 * Temporal's run ids are UUIDv7, whose first 12 hex digits are the start time in milliseconds,
 * so runs started close together share their first 8.
 */
export function shortRunName(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? name : `${name.slice(0, slash)}/${name.slice(slash + 1, slash + 14)}`;
}

/** Colours a run status or execution state: green done, red failed, yellow in between. */
export function paintState(c: Colors, state: string | null): string {
  if (state === null) return '—';
  if (state === 'COMPLETED' || state === 'COMPLETE' || state === 'CACHED') return c.green(state);
  if (state === 'FAILED' || state === 'ABANDONED') return c.red(state);
  return c.yellow(state);
}
