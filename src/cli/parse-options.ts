import { InvalidArgumentError } from 'commander';

const RELATIVE = /^(\d+)\s*(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `--since`/`--until`: an ISO 8601 time (`2025-01-31`, `2025-01-31T12:00:00Z`) or an age (`30m`, `2h`, `7d`, `1w`). */
export function parseInstant(now: () => Date): (text: string) => Date {
  return (text) => {
    const relative = RELATIVE.exec(text.trim());
    if (relative)
      return new Date(now().getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
    const date = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) {
      throw new InvalidArgumentError(
        `'${text}' is not a time; use ISO 8601 (2025-01-31T12:00:00Z) or an age (30m, 2h, 7d)`,
      );
    }
    return date;
  };
}

/** Collects a repeatable option's values. */
export function collect<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}
