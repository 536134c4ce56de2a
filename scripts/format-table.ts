/**
 * A plain aligned text table for the demo and the bench: columns padded to their widest cell,
 * numbers right-aligned. Small enough not to warrant a dependency.
 */
export type Align = 'left' | 'right';

export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  options: { align?: readonly Align[]; indent?: string } = {},
): string {
  const { align = [], indent = '  ' } = options;
  const widths = header.map((title, col) =>
    Math.max(title.length, ...rows.map((row) => (row[col] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, col) => (align[col] === 'right' ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((width) => '─'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** `1234` ms as `1.23 s`, smaller values as `85 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
