/** What a bench section hands back: its full figures (printed as JSON) and its summary tables. */
export interface SectionResult {
  readonly report: unknown;
  readonly tables: readonly Table[];
  /** Its figures that issue 13 sets a target for: bench/run.ts prints them all in one table. */
  readonly targets?: readonly TargetCheck[];
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

/** One DynamoDB capacity row (bench/aws-meter.ts capacityLines()). */
export interface CapacityRow {
  readonly table: string;
  readonly operation: string;
  readonly kind: string;
  readonly calls: number;
  readonly writeUnits: number;
  readonly readUnits: number;
}

/** The capacity breakdown, each figure scaled (e.g. to 10,000 deliveries), with a total row. */
export function capacityTable(title: string, rows: readonly CapacityRow[], scale = 1): Table {
  const total = rows.reduce(
    (sum, row) => ({
      calls: sum.calls + row.calls,
      writeUnits: sum.writeUnits + row.writeUnits,
      readUnits: sum.readUnits + row.readUnits,
    }),
    { calls: 0, writeUnits: 0, readUnits: 0 },
  );
  const scaled = (row: { calls: number; writeUnits: number; readUnits: number }) => [
    row.calls * scale,
    row.writeUnits * scale,
    row.readUnits * scale,
  ];
  return {
    title,
    columns: ['table', 'operation', 'item kind', 'calls', 'WCU', 'RCU'],
    rows: [
      ...rows.map((row) => [row.table, row.operation, row.kind, ...scaled(row)]),
      ['total', '', '', ...scaled(total)],
    ],
  };
}

/** One of issue 13's targets next to its measured figure (docs/cost.md). */
export interface TargetCheck {
  readonly figure: string;
  readonly value: number;
  /** Each figure is "at most the target": met when value ≤ target. */
  readonly target: number;
  readonly unit: string;
  /** Decimals shown: whole numbers unless the target itself is a fraction (1.5 WCU, $1.50). */
  readonly digits?: number;
}

/** The targets table: figure, measured, target, met, the unit in each cell. */
export function targetsTable(checks: readonly TargetCheck[]): Table {
  const amount = (value: number, { unit, digits = 0 }: TargetCheck) => {
    const number = value.toLocaleString('en-US', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    return unit === '$' ? `$${number}` : `${number} ${unit}`;
  };
  return {
    title: 'Targets (issue 13, docs/cost.md): each figure at most its target',
    columns: ['figure', 'measured', 'target', 'met'],
    rows: checks.map((check) => [
      check.figure,
      amount(check.value, check),
      `≤ ${amount(check.target, check)}`,
      check.value <= check.target ? 'yes' : 'no',
    ]),
  };
}
