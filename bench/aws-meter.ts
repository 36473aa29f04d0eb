import type { ClientInstrument, InstrumentableClient } from '../lambdas/config.js';
import { CONFIG_TABLE, DELIVERIES_TABLE, type TableSchema } from '../lib/storage-schema.js';

/**
 * Counts AWS API calls by service and operation through SDK middleware, and DynamoDB capacity
 * units: it asks every DynamoDB call for ReturnConsumedCapacity and adds up what comes back, in
 * total and by table, operation and item kind (what the item's key says it is).
 */

interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

type Step = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

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

/** Marshalled ({S: …}) or not, depending on where the document client's middleware ran. */
const keyText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'S' in value && typeof value.S === 'string') return value.S;
  return undefined;
};

/**
 * What an item is, from its key (lambdas/adapters/dynamodb/keys.ts and delivery-keys.ts, the
 * event log's and stats' stores): the unit of the capacity breakdown. A key of no known shape is
 * named by its prefixes, so a new item kind shows up in the table instead of vanishing.
 */
export function itemKind(pk = '', sk = ''): string {
  const prefix = (text: string) => /^#?[A-Z_]+/.exec(text)?.[0] ?? '?';
  if (sk.startsWith('DELIVERY#')) return 'delivery';
  if (sk === 'STATS') return 'stats';
  if (pk.startsWith('EVENT#')) return sk.startsWith('FANOUT#') ? 'event-log overflow page' : 'event';
  if (pk.startsWith('EVENTLOG#')) return 'event-log entry';
  if (pk.startsWith('IDEMPOTENCY#')) return 'idempotency claim';
  if (pk.startsWith('SUB#')) return 'subscription';
  if (pk === 'EVENTTYPE') return 'event type';
  if (pk.startsWith('APIKEY#')) return 'api key';
  if (pk.startsWith('ACCOUNT#')) {
    if (sk === '#ACCOUNT') return 'account';
    if (sk.startsWith('USAGE#')) return 'usage day';
    if (sk.startsWith('WEBHOOK#')) return 'webhook';
    return `account ${prefix(sk)}`;
  }
  return sk ? `${prefix(pk)} ${prefix(sk)}` : prefix(pk);
}

/** One row of the capacity breakdown. */
export interface CapacityLine {
  readonly table: string;
  readonly operation: string;
  readonly kind: string;
  /** Calls that touched at least one item of this kind in this table. */
  calls: number;
  /** Table writes as ConsumedCapacity reports them, plus the index writes the meter follows. */
  writeUnits: number;
  readUnits: number;
}

/** A call's items: the table and kind of each key it names (one entry per key). */
type Touched = { table: string; kind: string }[];

type CommandInput = Record<string, unknown>;
const keyOf = (item: unknown): { pk?: string; sk?: string } => {
  const attributes = (item ?? {}) as Record<string, unknown>;
  return { pk: keyText(attributes.pk), sk: keyText(attributes.sk) };
};
const kindOf = (item: unknown): string => {
  const { pk, sk } = keyOf(item);
  return itemKind(pk, sk);
};

/** The partition key value a Query names (`pk = :v`, placeholders resolved), and its sk prefix. */
function queriedKind(input: CommandInput): string {
  if (typeof input.IndexName === 'string') return `${input.IndexName} index`;
  const condition = String(input.KeyConditionExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  let pk: string | undefined;
  let sk: string | undefined;
  for (const [, name = '', value = ''] of condition.matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
    if ((names[name] ?? name) === 'pk') pk = keyText(values[value]);
  }
  const beginsWith = /begins_with\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)/.exec(condition);
  if (beginsWith && (names[beginsWith[1] ?? ''] ?? beginsWith[1]) === 'sk')
    sk = keyText(values[beginsWith[2] ?? '']);
  return itemKind(pk, sk);
}

/** The items a DynamoDB call names, by table and kind. */
export function touchedItems(operation: string, input: CommandInput): Touched {
  const table = String(input.TableName ?? '?');
  switch (operation) {
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [{ table, kind: kindOf(input.Key) }];
    case 'PutItemCommand':
      return [{ table, kind: kindOf(input.Item) }];
    case 'QueryCommand':
      return [{ table, kind: queriedKind(input) }];
    case 'ScanCommand':
      return [{ table, kind: 'scan' }];
    case 'BatchGetItemCommand':
      return Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).flatMap(
        ([name, request]) => (request.Keys ?? []).map((key) => ({ table: name, kind: kindOf(key) })),
      );
    case 'BatchWriteItemCommand':
      return Object.entries(
        (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]
        >,
      ).flatMap(([name, requests]) =>
        requests.map((request) => ({
          table: name,
          kind: kindOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key),
        })),
      );
    case 'TransactWriteItemsCommand':
    case 'TransactGetItemsCommand':
      return (
        (input.TransactItems ?? []) as Record<string, { TableName?: string; Key?: unknown; Item?: unknown }>[]
      ).flatMap((entry) =>
        Object.values(entry).map((part) => ({
          table: String(part.TableName ?? '?'),
          kind: kindOf(part.Key ?? part.Item),
        })),
      );
    default:
      return [{ table, kind: '?' }];
  }
}

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

const distinct = (touched: Touched): Touched => {
  const seen = new Map(touched.map((item) => [`${item.table}|${item.kind}`, item]));
  return [...seen.values()];
};

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
  /** By `table|operation|kind`: see capacityLines(). */
  private readonly lines = new Map<string, CapacityLine>();
  private readonly indexed = new Map<string, Set<string>>();
  private readonly indexesOf: ReadonlyMap<string, readonly IndexKeys[]>;
  /** Short names (config, deliveries) for the tables' deployed or local names. */
  private readonly tableNames: ReadonlyMap<string, string>;

  constructor(tables: MeteredTables) {
    this.indexesOf = new Map([
      [tables.config, indexKeys(CONFIG_TABLE)],
      [tables.deliveries, indexKeys(DELIVERIES_TABLE)],
    ]);
    this.tableNames = new Map([
      [tables.config, 'config'],
      [tables.deliveries, 'deliveries'],
    ]);
  }

  reset(): void {
    this.calls.clear();
    this.writeUnits = 0;
    this.readUnits = 0;
    this.indexWriteUnits = 0;
    this.lines.clear();
  }

  /** Capacity by table, operation and item kind, most units first. */
  capacityLines(): CapacityLine[] {
    return [...this.lines.values()]
      .map((line) => ({ ...line }))
      .sort((a, b) => b.writeUnits + b.readUnits - (a.writeUnits + a.readUnits) || b.calls - a.calls);
  }

  private line(table: string, operation: string, kind: string): CapacityLine {
    const name = this.tableNames.get(table) ?? table;
    const op = operation.replace(/Command$/, '');
    const key = `${name}|${op}|${kind}`;
    let line = this.lines.get(key);
    if (!line) {
      line = { table: name, operation: op, kind, calls: 0, writeUnits: 0, readUnits: 0 };
      this.lines.set(key, line);
    }
    return line;
  }

  /** Index write units this write adds (0 when the item's index entries do not change). */
  private countIndexWrites(operation: string, input: WriteInput): number {
    const indexes = this.indexesOf.get(input.TableName ?? '') ?? [];
    const source = input.Item ?? input.Key;
    if (!source || indexes.length === 0) return 0;
    const unitsBefore = this.indexWriteUnits;
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
    return this.indexWriteUnits - unitsBefore;
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
        if (service !== 'dynamodb') return next(args);
        // TOTAL gives each table's units (dynalite's INDEXES adds nothing: it bills no index writes).
        args.input.ReturnConsumedCapacity ??= 'TOTAL';
        const touched = touchedItems(operation, args.input);
        for (const { table, kind } of distinct(touched)) this.line(table, operation, kind).calls += 1;
        let result: { output: Record<string, unknown> };
        try {
          result = await next(args);
        } catch (error) {
          // DynamoDB bills a write refused by its condition as a write (1 WCU for an item up to 1 KB);
          // the error carries no ConsumedCapacity, so the minimum is counted.
          if (
            WRITES.has(operation) &&
            (error as { name?: string }).name === 'ConditionalCheckFailedException'
          ) {
            this.writeUnits += 1;
            const first = touched[0];
            if (first) this.line(first.table, operation, first.kind).writeUnits += 1;
          }
          throw error;
        }
        // Counted once the write succeeded (a failed condition writes no index entry).
        if (WRITES.has(operation)) {
          const units = this.countIndexWrites(operation, args.input as WriteInput);
          const first = touched[0];
          if (units > 0 && first) this.line(first.table, operation, first.kind).writeUnits += units;
        }
        this.addCapacity(operation, result.output.ConsumedCapacity, touched);
        return result;
      };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchAwsMeter' });
  };

  /**
   * ConsumedCapacity comes per table: a call of one item (or one kind) is exact; a batch mixing
   * kinds in one table is split by key count, an approximation (the adapters batch one kind).
   */
  private addCapacity(operation: string, consumed: unknown, touched: Touched): void {
    const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
    const isWrite = WRITES.has(operation);
    for (const entry of entries) {
      const units = entry.CapacityUnits ?? (entry.WriteCapacityUnits ?? 0) + (entry.ReadCapacityUnits ?? 0);
      if (isWrite) this.writeUnits += units;
      else this.readUnits += units;
      const table = entry.TableName ?? touched[0]?.table ?? '?';
      const ofTable = touched.filter((item) => item.table === table);
      const shares = ofTable.length > 0 ? ofTable : [{ table, kind: '?' }];
      for (const { kind } of shares) {
        const line = this.line(table, operation, kind);
        if (isWrite) line.writeUnits += units / shares.length;
        else line.readUnits += units / shares.length;
      }
    }
  }
}
