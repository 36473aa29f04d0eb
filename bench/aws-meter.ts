import type { ClientInstrument, InstrumentableClient } from '../lambdas/config.js';
import { CONFIG_TABLE, DELIVERIES_TABLE, type TableSchema } from '../lib/storage-schema.js';

/**
 * Counts AWS API calls by service and operation through SDK middleware, and DynamoDB capacity
 * units: it asks every DynamoDB call for ReturnConsumedCapacity and adds up what comes back.
 */

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

type Step = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** The tables' names, so that each write is checked against its own table's indexes. */
export interface MeteredTables {
  readonly config: string;
  readonly deliveries: string;
}

/** An index's two key attributes (lib/storage-schema.ts): an item is in it when it has both. */
type IndexKeys = readonly [partitionKey: string, sortKey: string];
const indexKeys = (schema: TableSchema): IndexKeys[] =>
  schema.globalSecondaryIndexes.map((index) => [index.partitionKey, index.sortKey] as const);

type AttributeValue = { S?: string };
type WriteInput = {
  TableName?: string;
  Key?: Record<string, AttributeValue | string>;
  Item?: Record<string, AttributeValue | string>;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
};

/** Top-level comma split (function calls like if_not_exists(a, :b) hold commas of their own). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current);
  return parts;
}

/** Attribute names an UpdateExpression SETs and REMOVEs (placeholders resolved). */
export function updatedAttributes(
  expression: string,
  names: Record<string, string> = {},
): { set: string[]; removed: string[] } {
  const resolve = (path: string) => {
    const name = path.trim().split(/[.[]/)[0] ?? '';
    return names[name] ?? name;
  };
  const set: string[] = [];
  const removed: string[] = [];
  for (const clause of expression.split(/\b(?=SET\b|REMOVE\b|ADD\b|DELETE\b)/i)) {
    const [, keyword = '', body = ''] = /^\s*(\w+)\s+([\s\S]*)$/.exec(clause) ?? [];
    const parts = splitTopLevel(body);
    if (/^set$/i.test(keyword)) set.push(...parts.map((part) => resolve(part.split('=')[0] ?? '')));
    if (/^remove$/i.test(keyword)) removed.push(...parts.map(resolve));
  }
  return { set, removed };
}

export class AwsMeter {
  readonly calls = new Map<string, number>();
  writeUnits = 0;
  readUnits = 0;
  /**
   * Global secondary index writes. DynamoDB bills them (at least 1 WCU per index entry written or
   * deleted; moving an entry is both) but dynalite leaves them out of ConsumedCapacity, so the
   * meter follows which items are in which index from the writes it sees, from an empty database:
   * an item is in an index when it has both of the index's key attributes (its table's keys count:
   * the config table's `account_items` index is keyed on `sk`).
   */
  indexWriteUnits = 0;
  private readonly indexed = new Map<string, Set<string>>();
  private readonly indexesOf: ReadonlyMap<string, readonly IndexKeys[]>;

  constructor(tables: MeteredTables) {
    this.indexesOf = new Map([
      [tables.config, indexKeys(CONFIG_TABLE)],
      [tables.deliveries, indexKeys(DELIVERIES_TABLE)],
    ]);
  }

  reset(): void {
    this.calls.clear();
    this.writeUnits = 0;
    this.readUnits = 0;
    this.indexWriteUnits = 0;
  }

  private countIndexWrites(operation: string, input: WriteInput): void {
    const indexes = this.indexesOf.get(input.TableName ?? '') ?? [];
    const source = input.Item ?? input.Key;
    if (!source || indexes.length === 0) return;
    const indexAttributes = new Set(indexes.flat());
    // Marshalled ({S: …}) or not, depending on where the document client's middleware ran.
    const text = (value: AttributeValue | string | undefined) =>
      typeof value === 'object' ? value.S : value;
    const itemKey = `${input.TableName}|${text(source.pk)}|${text(source.sk)}`;
    const keyAttributes = (item: object) => Object.keys(item).filter((name) => indexAttributes.has(name));
    // The index key attributes the item has, before and after this write, and those it writes.
    const before = this.indexed.get(itemKey) ?? new Set<string>();
    let after = new Set(before);
    let written = new Set<string>();
    if (operation === 'PutItemCommand' && input.Item) {
      after = new Set(keyAttributes(input.Item));
      written = after;
    } else if (operation === 'DeleteItemCommand') {
      after = new Set();
    } else if (operation === 'UpdateItemCommand' && input.UpdateExpression) {
      const { set, removed } = updatedAttributes(input.UpdateExpression, input.ExpressionAttributeNames);
      for (const name of keyAttributes(input.Key ?? {})) after.add(name);
      for (const name of set) if (indexAttributes.has(name)) after.add(name);
      for (const name of removed) after.delete(name);
      written = new Set(set.filter((name) => indexAttributes.has(name)));
    }
    for (const [partitionKey, sortKey] of indexes) {
      const was = before.has(partitionKey) && before.has(sortKey);
      const is = after.has(partitionKey) && after.has(sortKey);
      // Moved (an entry out, one in) when a key is written anew; in or out once otherwise.
      if (was && is) this.indexWriteUnits += written.has(partitionKey) || written.has(sortKey) ? 2 : 0;
      else if (was !== is) this.indexWriteUnits += 1;
    }
    this.indexed.set(itemKey, after);
  }

  count(service: string): number {
    let total = 0;
    for (const [key, value] of this.calls) if (key.startsWith(`${service}:`)) total += value;
    return total;
  }

  readonly instrument: ClientInstrument = (service, client: InstrumentableClient) => {
    const middleware =
      (next: Step, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
        const operation = context.commandName ?? 'unknown';
        const key = `${service}:${operation.replace(/Command$/, '')}`;
        this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
        if (service === 'dynamodb') args.input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        // Counted once the write succeeded (a failed condition writes no index entry).
        if (service === 'dynamodb' && WRITES.has(operation))
          this.countIndexWrites(operation, args.input as WriteInput);
        if (service === 'dynamodb') this.addCapacity(operation, result.output.ConsumedCapacity);
        return result;
      };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchAwsMeter' });
  };

  private addCapacity(operation: string, consumed: unknown): void {
    const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
    for (const entry of entries) {
      const units = entry.CapacityUnits ?? (entry.WriteCapacityUnits ?? 0) + (entry.ReadCapacityUnits ?? 0);
      if (WRITES.has(operation)) this.writeUnits += units;
      else this.readUnits += units;
    }
  }
}
