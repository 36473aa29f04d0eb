import { describe, expect, it } from 'vitest';
import { capacityTable, targetsTable } from '../../bench/summary.js';

/** The bench's tables of issue 13: each target next to its figure, and the capacity breakdown. */

describe('targetsTable', () => {
  it('shows figure, target and whether it is met, in the unit and decimals of the target', () => {
    // Act
    const table = targetsTable([
      { figure: 'bill', value: 1.234, target: 1.5, unit: '$', digits: 2 },
      { figure: 'write units', value: 3.27, target: 1.5, unit: 'WCU', digits: 2 },
      { figure: 'fan-out writes', value: 10_000, target: 10_000, unit: 'WCU' },
      { figure: 'handler CPU', value: 2178.6, target: 500, unit: 'µs' },
    ]);

    // Assess
    expect(table.rows).toEqual([
      ['bill', '$1.23', '≤ $1.50', 'yes'],
      ['write units', '3.27 WCU', '≤ 1.50 WCU', 'no'],
      ['fan-out writes', '10,000 WCU', '≤ 10,000 WCU', 'yes'],
      ['handler CPU', '2,179 µs', '≤ 500 µs', 'no'],
    ]);
  });
});

describe('capacityTable', () => {
  it('scales every row and adds a total', () => {
    // Act
    const table = capacityTable(
      'per 10,000',
      [
        {
          table: 'deliveries',
          operation: 'PutItem',
          kind: 'delivery',
          calls: 500,
          writeUnits: 500,
          readUnits: 0,
        },
        { table: 'config', operation: 'GetItem', kind: 'account', calls: 100, writeUnits: 0, readUnits: 100 },
      ],
      20,
    );

    // Assess
    expect(table.rows).toEqual([
      ['deliveries', 'PutItem', 'delivery', 10_000, 10_000, 0],
      ['config', 'GetItem', 'account', 2_000, 0, 2_000],
      ['total', '', '', 12_000, 10_000, 2_000],
    ]);
  });
});
