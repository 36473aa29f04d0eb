import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { AwsJsonClient, type LeanHandler, type LeanMiddleware, LeanMiddlewareStack } from './json-client.js';

/**
 * A DynamoDB document client on the lean JSON client: the `send(new GetCommand(input))` shape and
 * the input and output types of @aws-sdk/lib-dynamodb (types only: nothing of the SDK is bundled),
 * marshalled as lib-dynamodb does with `removeUndefinedValues: true, convertClassInstanceToMap:
 * false`. Only the commands and fields this service uses; the SDK stays for table management.
 */

/** An attribute value on the wire (JSON protocol: binaries are base64 strings). */
export type WireValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: WireValue[] }
  | { M: Record<string, WireValue> };

export type WireItem = Record<string, WireValue>;
type Native = Record<string, unknown>;

const isBinary = (value: unknown): value is Uint8Array | ArrayBuffer =>
  value instanceof Uint8Array || value instanceof ArrayBuffer;
const base64 = (value: Uint8Array | ArrayBuffer): string =>
  (value instanceof ArrayBuffer
    ? Buffer.from(value)
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  ).toString('base64');

function numberText(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`Special numeric value ${value} is not allowed`);
  }
  // As util-dynamodb: a number past 2^53 would be stored rounded; a bigint carries it exactly.
  if (typeof value === 'number' && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new Error(`Number ${value} is beyond Number.MAX_SAFE_INTEGER. Use BigInt.`);
  }
  return String(value);
}

/** One JS value as an attribute value; undefined when it is to be left out (undefined, a function). */
export function marshallValue(value: unknown): WireValue | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: numberText(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (isBinary(value)) return { B: base64(value) };
  if (Array.isArray(value)) {
    const list: WireValue[] = [];
    for (const member of value) {
      const marshalled = marshallValue(member);
      if (marshalled !== undefined) list.push(marshalled);
    }
    return { L: list };
  }
  if (value instanceof Set) return marshallSet(value);
  if (typeof value === 'object') {
    // convertClassInstanceToMap: false: only plain objects are maps (a Date must be converted first).
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new Error(
        `Unsupported type passed: ${String(value)}. Pass options.convertClassInstanceToMap=true to marshall typeof object as map attribute.`,
      );
    }
    return { M: marshallItem(value as Native) };
  }
  throw new Error(`Unsupported type passed: ${String(value)}`);
}

function marshallSet(set: Set<unknown>): WireValue {
  const members = [...set].filter((member) => member !== undefined);
  if (members.length === 0) throw new Error('Pass a non-empty set, or options.convertEmptyValues=true.');
  const first = members[0];
  if (typeof first === 'string') return { SS: members.map((member) => String(member)) };
  if (typeof first === 'number' || typeof first === 'bigint') {
    return { NS: members.map((member) => numberText(member as number | bigint)) };
  }
  if (isBinary(first)) return { BS: members.map((member) => base64(member as Uint8Array)) };
  throw new Error('Only Set of numbers, strings or binaries is supported');
}

/** A JS object as an item: undefined members left out (removeUndefinedValues). */
export function marshallItem(item: Native): WireItem {
  const wire: WireItem = {};
  for (const name in item) {
    const marshalled = marshallValue(item[name]);
    if (marshalled !== undefined) wire[name] = marshalled;
  }
  return wire;
}

function toNumber(text: string): number | bigint {
  const value = Number(text);
  // As util-dynamodb: an integer beyond 2^53 is a bigint rather than a silently rounded number.
  if (Number.isFinite(value) && !Number.isSafeInteger(value) && /^-?\d+$/.test(text)) return BigInt(text);
  return value;
}

export function unmarshallValue(value: WireValue): unknown {
  if ('S' in value) return value.S;
  if ('N' in value) return toNumber(value.N);
  if ('BOOL' in value) return value.BOOL;
  if ('NULL' in value) return null;
  if ('M' in value) return unmarshallItem(value.M);
  if ('L' in value) return value.L.map(unmarshallValue);
  if ('SS' in value) return new Set(value.SS);
  if ('NS' in value) return new Set(value.NS.map(toNumber));
  if ('B' in value) return new Uint8Array(Buffer.from(value.B, 'base64'));
  if ('BS' in value) return new Set(value.BS.map((member) => new Uint8Array(Buffer.from(member, 'base64'))));
  throw new Error(`Unsupported attribute value: ${JSON.stringify(value)}`);
}

export function unmarshallItem(item: WireItem): Native {
  const native: Native = {};
  for (const name in item) native[name] = unmarshallValue(item[name]!);
  return native;
}

// What each operation marshals on the way in and unmarshals on the way out.
type Wire = Record<string, unknown>;
const items = (value: unknown): Native | undefined => (value ? marshallItem(value as Native) : undefined);
const natives = (value: unknown): Native | undefined =>
  value ? unmarshallItem(value as WireItem) : undefined;

/** Copies `input`, with the named members mapped (and dropped when they map to undefined). */
function mapped(input: object, members: Record<string, (value: unknown) => unknown>): Wire {
  const out: Wire = { ...input };
  for (const name in members) {
    if (out[name] === undefined) continue;
    const value = members[name]!(out[name]);
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}

const perTable = (map: (value: unknown) => unknown) => (tables: unknown) =>
  Object.fromEntries(
    Object.entries(tables as Record<string, unknown>).map(([table, value]) => [table, map(value)]),
  );

type WriteRequests = { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[];
const writeRequests = (item: (value: unknown) => Native | undefined) => (requests: unknown) =>
  (requests as WriteRequests).map((request) => ({
    ...(request.PutRequest
      ? { PutRequest: { ...request.PutRequest, Item: item(request.PutRequest.Item) } }
      : {}),
    ...(request.DeleteRequest
      ? { DeleteRequest: { ...request.DeleteRequest, Key: item(request.DeleteRequest.Key) } }
      : {}),
  }));
const keysAndAttributes = (item: (value: unknown) => Native | undefined) => (entry: unknown) =>
  mapped(entry as object, { Keys: (keys) => (keys as unknown[]).map(item) });
const itemList = (item: (value: unknown) => Native | undefined) => (list: unknown) =>
  (list as unknown[]).map(item);

interface Operation {
  /** The low-level operation, and the SDK's command name for it (what the bench's meter counts). */
  readonly name: string;
  readonly commandName: string;
  readonly input: Record<string, (value: unknown) => unknown>;
  readonly output: Record<string, (value: unknown) => unknown>;
}

const operation = (name: string, input: Operation['input'], output: Operation['output']): Operation => ({
  name,
  commandName: `${name}Command`,
  input,
  output,
});

const GET_ITEM = operation('GetItem', { Key: items }, { Item: natives });
const PUT_ITEM = operation(
  'PutItem',
  { Item: items, ExpressionAttributeValues: items },
  { Attributes: natives },
);
const UPDATE_ITEM = operation(
  'UpdateItem',
  { Key: items, ExpressionAttributeValues: items },
  { Attributes: natives },
);
const DELETE_ITEM = operation(
  'DeleteItem',
  { Key: items, ExpressionAttributeValues: items },
  { Attributes: natives },
);
const QUERY = operation(
  'Query',
  { ExpressionAttributeValues: items, ExclusiveStartKey: items },
  { Items: itemList(natives), LastEvaluatedKey: natives },
);
const SCAN = operation(
  'Scan',
  { ExpressionAttributeValues: items, ExclusiveStartKey: items },
  { Items: itemList(natives), LastEvaluatedKey: natives },
);
const BATCH_GET = operation(
  'BatchGetItem',
  { RequestItems: perTable(keysAndAttributes(items)) },
  { Responses: perTable(itemList(natives)), UnprocessedKeys: perTable(keysAndAttributes(natives)) },
);
const BATCH_WRITE = operation(
  'BatchWriteItem',
  { RequestItems: perTable(writeRequests(items)) },
  { UnprocessedItems: perTable(writeRequests(natives)) },
);

/** A command: its input, and the operation that carries it. */
export abstract class LeanCommand<Input extends object, Output> {
  /** Only for typing `send`'s result. */
  declare readonly outputType?: Output;
  abstract readonly operation: Operation;
  constructor(readonly input: Input) {}
}

export class GetCommand extends LeanCommand<GetCommandInput, GetCommandOutput> {
  readonly operation = GET_ITEM;
}
export class PutCommand extends LeanCommand<PutCommandInput, PutCommandOutput> {
  readonly operation = PUT_ITEM;
}
export class UpdateCommand extends LeanCommand<UpdateCommandInput, UpdateCommandOutput> {
  readonly operation = UPDATE_ITEM;
}
export class DeleteCommand extends LeanCommand<DeleteCommandInput, DeleteCommandOutput> {
  readonly operation = DELETE_ITEM;
}
export class QueryCommand extends LeanCommand<QueryCommandInput, QueryCommandOutput> {
  readonly operation = QUERY;
}
export class ScanCommand extends LeanCommand<ScanCommandInput, ScanCommandOutput> {
  readonly operation = SCAN;
}
export class BatchGetCommand extends LeanCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  readonly operation = BATCH_GET;
}
export class BatchWriteCommand extends LeanCommand<BatchWriteCommandInput, BatchWriteCommandOutput> {
  readonly operation = BATCH_WRITE;
}

export type {
  BatchGetCommandInput,
  BatchWriteCommandInput,
  DeleteCommandInput,
  GetCommandInput,
  LeanHandler,
  LeanMiddleware,
  PutCommandInput,
  QueryCommandInput,
  ScanCommandInput,
  UpdateCommandInput,
};

export interface LeanDynamoOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly maxAttempts?: number;
}

export class LeanDocumentClient {
  private readonly http: AwsJsonClient;
  /** Sees the marshalled input and output, as the SDK's 'initialize' step of the low-level client. */
  readonly middlewareStack = new LeanMiddlewareStack();

  constructor(options: LeanDynamoOptions = {}) {
    this.http = new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      jsonVersion: '1.0',
      ...options,
    });
  }

  async send<Input extends object, Output>(command: LeanCommand<Input, Output>): Promise<Output> {
    const op = command.operation;
    const input = mapped(command.input, op.input);
    const { output } = await this.middlewareStack.run(op.commandName, input, async (args) => ({
      output: await this.http.call(op.name, args.input),
    }));
    return { ...mapped(output, op.output), $metadata: { httpStatusCode: 200 } } as Output;
  }

  destroy(): void {
    this.http.destroy();
  }
}
