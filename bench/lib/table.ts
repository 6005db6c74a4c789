export type Cell = string | number;

/** Prints rows as an aligned text table (numbers right-aligned) to stdout. */
export function printTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = rows.map(row => row.map(cell => String(cell)));
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map(row => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const isNumber = (i: number) => rows.length > 0 && rows.every(row => typeof row[i] === 'number');
  const numeric = headers.map((_, i) => isNumber(i));
  console.log(line(headers, numeric));
  console.log(widths.map(w => '-'.repeat(w)).join('  '));
  for (const row of text) console.log(line(row, numeric));
}
