/** What a bench section hands back: its full figures (printed as JSON) and its summary tables. */
export interface SectionResult {
  readonly report: unknown;
  readonly tables: readonly Table[];
}

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** Whole numbers with thousands separators; text as it is. */
const cell = (value: string | number): string =>
  typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : value;

/** A plain-text table: columns holding any number right-aligned, text-only columns left-aligned. */
export function formatTable(table: Table): string {
  const cells = table.rows.map((row) => row.map(cell));
  const numeric = table.columns.map((_, column) => table.rows.some((row) => typeof row[column] === 'number'));
  const widths = table.columns.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        numeric[column] ? value.padStart(widths[column]!) : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(table.columns),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(line),
  ].join('\n');
}
