import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, GetCommand as SdkGetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConditionalCheckFailed } from '../../lambdas/adapters/dynamodb/client.js';
import { oldItemOf } from '../../lambdas/adapters/dynamodb/deliveries-table.js';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  LeanDocumentClient,
  type LeanMiddleware,
  marshallItem,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  unmarshallItem,
} from '../../lambdas/aws/lean/dynamodb.js';
import { AwsJsonClient } from '../../lambdas/aws/lean/json-client.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';

/**
 * The lean DynamoDB document client (lambdas/aws/lean) against dynalite, next to the SDK's document
 * client on the same tables; its retries and errors against a local HTTP server that answers what
 * DynamoDB answers when it throttles or fails.
 */

let dynamo: TestDynamo;
let lean: LeanDocumentClient;
let table: string;

beforeAll(async () => {
  dynamo = await startDynamo();
  lean = new LeanDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  table = dynamo.tables.deliveries;
});
afterAll(async () => {
  lean.destroy();
  await dynamo.stop();
});

const anItem = (pk: string, sk = 'A') => ({
  pk,
  sk,
  text: 'héllo',
  count: 42,
  ratio: 0.25,
  flag: true,
  nothing: null,
  tags: new Set(['a', 'b']),
  bytes: new Uint8Array([0, 1, 254, 255]),
  list: ['x', 1, { deep: [true] }],
  map: { nested: { n: -7 }, empty: {} },
});

describe('marshalling', () => {
  it('marshals as util-dynamodb does with removeUndefinedValues (binaries base64 on the wire)', () => {
    const item = { ...anItem('P'), gone: undefined, inList: [1, undefined, 2] };
    const sdk = JSON.parse(
      JSON.stringify(
        marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }),
        (_, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value),
      ),
    );
    expect(marshallItem(item)).toEqual(sdk);
    expect(unmarshallItem(marshallItem(item))).toEqual({ ...anItem('P'), inList: [1, 2] });
  });

  it('refuses what lib-dynamodb refuses: class instances, empty sets, NaN, imprecise numbers', () => {
    expect(() => marshallItem({ at: new Date() })).toThrow(/Unsupported type/);
    expect(() => marshallItem({ tags: new Set() })).toThrow(/non-empty set/);
    expect(() => marshallItem({ n: Number.NaN })).toThrow(/Special numeric value/);
    expect(() => marshallItem({ n: 2 ** 60 })).toThrow(/MAX_SAFE_INTEGER/);
    expect(unmarshallItem(marshallItem({ n: 2n ** 60n }))).toEqual({ n: 2n ** 60n });
  });
});

describe('LeanDocumentClient against dynalite', () => {
  it('puts and gets an item, read back by the SDK document client the same', async () => {
    await lean.send(new PutCommand({ TableName: table, Item: anItem('LEAN#1') }));
    const { Item } = await lean.send(new GetCommand({ TableName: table, Key: { pk: 'LEAN#1', sk: 'A' } }));
    const sdk = DynamoDBDocumentClient.from(dynamo.client);
    const { Item: viaSdk } = await sdk.send(
      new SdkGetCommand({ TableName: table, Key: { pk: 'LEAN#1', sk: 'A' } }),
    );
    expect(Item).toEqual(anItem('LEAN#1'));
    expect(Item).toEqual(viaSdk);
    const missing = await lean.send(new GetCommand({ TableName: table, Key: { pk: 'LEAN#none', sk: 'A' } }));
    expect(missing.Item).toBeUndefined();
  });

  it('updates with expression values, returns Attributes, and deletes', async () => {
    await lean.send(new PutCommand({ TableName: table, Item: { pk: 'LEAN#2', sk: 'A', n: 1 } }));
    const { Attributes } = await lean.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: 'LEAN#2', sk: 'A' },
        UpdateExpression: 'ADD #n :one, #s :tags SET #m = :map',
        ExpressionAttributeNames: { '#n': 'n', '#s': 'tags', '#m': 'map' },
        ExpressionAttributeValues: { ':one': 1, ':tags': new Set(['t']), ':map': { a: [1] } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(Attributes).toEqual({ pk: 'LEAN#2', sk: 'A', n: 2, tags: new Set(['t']), map: { a: [1] } });
    const deleted = await lean.send(
      new DeleteCommand({ TableName: table, Key: { pk: 'LEAN#2', sk: 'A' }, ReturnValues: 'ALL_OLD' }),
    );
    expect(deleted.Attributes?.n).toBe(2);
  });

  it('throws a failed condition as the SDK does: named by its code, with its status', async () => {
    await lean.send(new PutCommand({ TableName: table, Item: { pk: 'LEAN#3', sk: 'A' } }));
    const error: unknown = await lean
      .send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'LEAN#3', sk: 'A' },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(isConditionalCheckFailed(error)).toBe(true);
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    // dynalite returns no Item; real DynamoDB does, and oldItemOf reads it when there.
    expect(oldItemOf(error)).toBeUndefined();
  });

  it('queries in pages with LastEvaluatedKey and ExclusiveStartKey, scans, and counts', async () => {
    for (const sk of ['1', '2', '3']) {
      await lean.send(new PutCommand({ TableName: table, Item: { pk: 'LEAN#Q', sk, n: Number(sk) } }));
    }
    const query = {
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'LEAN#Q' },
      Limit: 2,
    };
    const first = await lean.send(new QueryCommand(query));
    expect(first.Items?.map((item) => item.n)).toEqual([1, 2]);
    expect(first.LastEvaluatedKey).toEqual({ pk: 'LEAN#Q', sk: '2' });
    const second = await lean.send(new QueryCommand({ ...query, ExclusiveStartKey: first.LastEvaluatedKey }));
    expect(second.Items?.map((item) => item.n)).toEqual([3]);
    const counted = await lean.send(new QueryCommand({ ...query, Limit: undefined, Select: 'COUNT' }));
    expect(counted.Count).toBe(3);
    const scanned = await lean.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'LEAN#Q' },
      }),
    );
    expect(scanned.Items).toHaveLength(3);
  });

  it('batch-writes and batch-gets, unmarshalling Responses per table', async () => {
    await lean.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: [
            { PutRequest: { Item: { pk: 'LEAN#B', sk: '1', tags: new Set(['x']) } } },
            { PutRequest: { Item: { pk: 'LEAN#B', sk: '2' } } },
            { DeleteRequest: { Key: { pk: 'LEAN#Q', sk: '1' } } },
          ],
        },
      }),
    );
    const result = await lean.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: [
              { pk: 'LEAN#B', sk: '1' },
              { pk: 'LEAN#B', sk: '2' },
              { pk: 'LEAN#Q', sk: '1' },
            ],
            ConsistentRead: true,
          },
        },
      }),
    );
    const found = (result.Responses?.[table] ?? []).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    expect(found).toEqual([
      { pk: 'LEAN#B', sk: '1', tags: new Set(['x']) },
      { pk: 'LEAN#B', sk: '2' },
    ]);
  });

  it('runs middleware as the SDK initialize step: command name, marshalled input, raw output', async () => {
    const client = new LeanDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    const seen: { commandName: string; input: unknown; units: unknown }[] = [];
    const meter: LeanMiddleware = (next, context) => async (args) => {
      args.input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      seen.push({
        commandName: context.commandName,
        input: args.input.Key,
        units: (result.output.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits,
      });
      return result;
    };
    client.middlewareStack.add(meter, { step: 'initialize', name: 'test' });
    const { ConsumedCapacity } = await client.send(
      new GetCommand({ TableName: table, Key: { pk: 'LEAN#1', sk: 'A' }, ConsistentRead: true }),
    );
    client.destroy();
    expect(seen).toEqual([
      { commandName: 'GetItemCommand', input: { pk: { S: 'LEAN#1' }, sk: { S: 'A' } }, units: 1 },
    ]);
    expect(ConsumedCapacity?.CapacityUnits).toBe(1);
  });
});

describe('AwsJsonClient retries and errors', () => {
  let server: Server;
  let endpoint: string;
  let answers: ((request: IncomingMessage) => { status: number; body: string } | 'hang')[] = [];
  const received: { target?: string; authorization?: string; token?: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push({
          target: request.headers['x-amz-target'] as string | undefined,
          authorization: request.headers.authorization,
          token: request.headers['x-amz-security-token'] as string | undefined,
        });
        const answer = answers.shift()?.(request) ?? { status: 200, body: '{}' };
        if (answer === 'hang') return;
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (options: { timeoutMs?: number } = {}) =>
    new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      jsonVersion: '1.0',
      endpoint,
      ...options,
    });
  const throttled = () => ({
    status: 400,
    body: '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}',
  });

  it('retries throttling and 5xx, then answers; signs with the session token when one is set', async () => {
    received.length = 0;
    answers = [throttled, () => ({ status: 503, body: '' }), () => ({ status: 200, body: '{"Item":{}}' })];
    process.env.AWS_SESSION_TOKEN = 'session-token';
    const lean = client();
    try {
      expect(await lean.call('GetItem', { TableName: 't' })).toEqual({ Item: {} });
    } finally {
      delete process.env.AWS_SESSION_TOKEN;
      lean.destroy();
    }
    expect(received).toHaveLength(3);
    expect(received[0]?.target).toBe('DynamoDB_20120810.GetItem');
    expect(received[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/dynamodb\/aws4_request/,
    );
    expect(received[0]?.token).toBe('session-token');
  });

  it('gives up after 3 attempts with the last error, named and with its status and body fields', async () => {
    answers = [throttled, throttled, throttled, () => ({ status: 200, body: '{}' })];
    const lean = client();
    const error = (await lean.call('GetItem', {}).catch((caught: unknown) => caught)) as Record<
      string,
      unknown
    >;
    lean.destroy();
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.message).toBe('slow down');
    expect(error.$metadata).toEqual({ httpStatusCode: 400, attempts: 3 });
    answers = [];
  });

  it('does not retry a client error, and copies its extra fields (CancellationReasons, Item)', async () => {
    received.length = 0;
    answers = [
      () => ({
        status: 400,
        body: '{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"P"},"n":{"N":"3"}}}',
      }),
    ];
    const lean = client();
    const error = await lean.call('PutItem', {}).catch((caught: unknown) => caught);
    lean.destroy();
    expect(received).toHaveLength(1);
    expect(isConditionalCheckFailed(error)).toBe(true);
    expect(oldItemOf(error)).toEqual({ pk: 'P', n: 3 });
  });

  it('times out a silent request and retries it', async () => {
    received.length = 0;
    answers = ['hang' as const].map((hang) => () => hang);
    const lean = client({ timeoutMs: 100 });
    expect(await lean.call('GetItem', {})).toEqual({});
    lean.destroy();
    expect(received).toHaveLength(2);
  });
});
