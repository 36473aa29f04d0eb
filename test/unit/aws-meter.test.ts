import { describe, expect, it } from 'vitest';
import { AwsMeter, itemKind } from '../../bench/aws-meter.js';

/**
 * The bench's meter of index writes (dynalite leaves them out of ConsumedCapacity): an item is in an
 * index of its own table when it has both of the index's key attributes. The config table's
 * `account_items` index is keyed on `sk` and `account_id`, which delivery items also carry: they
 * must not count there.
 */

const TABLES = { config: 'config', deliveries: 'deliveries' };

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
  context: { commandName: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

/**
 * A meter wired to a stand-in DynamoDB client whose calls all succeed, answering each with the
 * ConsumedCapacity given (none by default).
 */
function aMeteredClient() {
  const meter = new AwsMeter(TABLES);
  let middleware: Middleware | undefined;
  meter.instrument('dynamodb', {
    middlewareStack: { add: (added: never) => (middleware = added as Middleware) },
  });
  const send = async (commandName: string, input: Record<string, unknown>, consumed?: unknown) => {
    await middleware?.(async () => ({ output: consumed ? { ConsumedCapacity: consumed } : {} }), {
      commandName,
    })({ input });
  };
  return { meter, send };
}

describe('AwsMeter index writes', () => {
  it('counts no index write for a delivery item, though it has sk and account_id', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send('PutItemCommand', {
      TableName: TABLES.deliveries,
      Item: { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01', account_id: 'acc_1', status: 'pending' },
    });

    // Assess
    expect(meter.indexWriteUnits).toBe(0);
  });

  it('counts one for a config item with account_id (account_items), none for one without', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send('PutItemCommand', {
      TableName: TABLES.config,
      Item: { pk: 'ACCOUNT#acc_1', sk: '#ACCOUNT', account_id: 'acc_1' },
    });
    await send('PutItemCommand', {
      TableName: TABLES.config,
      Item: { pk: 'EVENTTYPE', sk: 'order.created' },
    });

    // Assess
    expect(meter.indexWriteUnits).toBe(1);
  });

  it('counts an entry in, a move as two, and an entry out, on the due index', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();
    const Key = { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01' };
    const update = (UpdateExpression: string) =>
      send('UpdateItemCommand', { TableName: TABLES.deliveries, Key, UpdateExpression });

    // Act
    await update('SET due_pk = :p, due_sk = :s');
    const afterIn = meter.indexWriteUnits;
    await update('SET due_sk = :s, attempt_count = :n');
    const afterMove = meter.indexWriteUnits;
    await update('SET attempt_count = :n');
    const afterOther = meter.indexWriteUnits;
    await update('REMOVE due_pk, due_sk');

    // Assess
    expect([afterIn, afterMove, afterOther, meter.indexWriteUnits]).toEqual([1, 3, 3, 4]);
  });

  it('counts a write refused by its condition as the 1 WCU DynamoDB bills for it', async () => {
    // Prepare
    const meter = new AwsMeter(TABLES);
    let middleware: Middleware | undefined;
    meter.instrument('dynamodb', {
      middlewareStack: { add: (added: never) => (middleware = added as Middleware) },
    });
    const refused = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });

    // Act
    const call = middleware?.(
      async () => {
        throw refused;
      },
      { commandName: 'PutItemCommand' },
    )({ input: { TableName: 'deliveries', Item: { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01' } } });

    // Assess
    await expect(call).rejects.toBe(refused);
    expect(meter.writeUnits).toBe(1);
  });

  it('counts nothing for a table it was not told of', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send('PutItemCommand', {
      TableName: 'elsewhere',
      Item: { pk: 'x', sk: 'y', failed_pk: 'a', failed_sk: 'b' },
    });

    // Assess
    expect(meter.indexWriteUnits).toBe(0);
  });
});

describe('itemKind', () => {
  it.each([
    ['WEBHOOK#wh_1', 'DELIVERY#01J', 'delivery'],
    ['WEBHOOK#wh_1', 'STATS', 'stats'],
    ['EVENT#evt_1', '#EVENT', 'event'],
    ['EVENT#evt_1', 'FANOUT#000001', 'event-log overflow page'],
    ['EVENTLOG#acc_1#3', 'evt_1', 'event-log entry'],
    ['ACCOUNT#acc_1', '#ACCOUNT', 'account'],
    ['ACCOUNT#acc_1', 'USAGE#2026-12-01', 'usage day'],
    ['ACCOUNT#acc_1', 'WEBHOOK#wh_1', 'webhook'],
    ['ACCOUNT#acc_1', 'ALERTMAILS#wh_1#2026-12-01', 'account ALERTMAILS'],
    ['APIKEY#abc', '#APIKEY', 'api key'],
    ['EVENTTYPE', 'order.created', 'event type'],
    ['SUB#acc_1#order.created', 'wh_1', 'subscription'],
    ['IDEMPOTENCY#acc_1#k', '#IDEMPOTENCY', 'idempotency claim'],
    ['PORTALLINK#abc', '#PORTALLINK', 'PORTALLINK #PORTALLINK'],
    ['ALERTEMAIL_OUTBOX', '', 'ALERTEMAIL_OUTBOX'],
  ])('names %s / %s a %s', (pk, sk, kind) => {
    // Prepare, Act
    const named = itemKind(pk, sk);

    // Assess
    expect(named).toBe(kind);
  });
});

describe('AwsMeter capacity by table, operation and item kind', () => {
  it('keeps each call under its table, operation and kind, marshalled keys or not', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send(
      'UpdateItemCommand',
      { TableName: TABLES.deliveries, Key: { pk: { S: 'WEBHOOK#wh_1' }, sk: { S: 'STATS' } } },
      { TableName: TABLES.deliveries, CapacityUnits: 2 },
    );
    await send(
      'UpdateItemCommand',
      { TableName: TABLES.deliveries, Key: { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01' } },
      { TableName: TABLES.deliveries, CapacityUnits: 1 },
    );
    await send(
      'GetItemCommand',
      { TableName: TABLES.config, Key: { pk: 'EVENTTYPE', sk: 'order.created' } },
      { TableName: TABLES.config, CapacityUnits: 0.5 },
    );

    // Assess
    expect(meter.capacityLines()).toEqual([
      { table: 'deliveries', operation: 'UpdateItem', kind: 'stats', calls: 1, writeUnits: 2, readUnits: 0 },
      {
        table: 'deliveries',
        operation: 'UpdateItem',
        kind: 'delivery',
        calls: 1,
        writeUnits: 1,
        readUnits: 0,
      },
      { table: 'config', operation: 'GetItem', kind: 'event type', calls: 1, writeUnits: 0, readUnits: 0.5 },
    ]);
  });

  it('splits a batch read by table, and within a table by key count', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send(
      'BatchGetItemCommand',
      {
        RequestItems: {
          [TABLES.deliveries]: {
            Keys: [
              { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01' },
              { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#02' },
              { pk: 'EVENT#evt_1', sk: '#EVENT' },
            ],
          },
          [TABLES.config]: { Keys: [{ pk: 'ACCOUNT#acc_1', sk: 'WEBHOOK#wh_1' }] },
        },
      },
      [
        { TableName: TABLES.deliveries, CapacityUnits: 3 },
        { TableName: TABLES.config, CapacityUnits: 1 },
      ],
    );

    // Assess
    const lines = meter
      .capacityLines()
      .map(({ table, kind, calls, readUnits }) => [table, kind, calls, readUnits]);
    expect(lines).toEqual([
      ['deliveries', 'delivery', 1, 2],
      ['deliveries', 'event', 1, 1],
      ['config', 'webhook', 1, 1],
    ]);
    expect(meter.readUnits).toBe(4);
  });

  it('names a query by its partition key value, or by its index', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send('QueryCommand', {
      TableName: TABLES.config,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': 'SUB#acc_1#order.created' },
    });
    await send('QueryCommand', {
      TableName: TABLES.deliveries,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fanout)',
      ExpressionAttributeValues: { ':pk': { S: 'EVENT#evt_1' }, ':fanout': { S: 'FANOUT#' } },
    });
    await send('QueryCommand', { TableName: TABLES.deliveries, IndexName: 'due' });

    // Assess
    expect(meter.capacityLines().map((line) => line.kind)).toEqual([
      'subscription',
      'event-log overflow page',
      'due index',
    ]);
  });

  it('adds the index writes it follows to the line of the item written', async () => {
    // Prepare
    const { meter, send } = aMeteredClient();

    // Act
    await send(
      'UpdateItemCommand',
      {
        TableName: TABLES.deliveries,
        Key: { pk: 'WEBHOOK#wh_1', sk: 'DELIVERY#01' },
        UpdateExpression: 'SET due_pk = :p, due_sk = :s',
      },
      { TableName: TABLES.deliveries, CapacityUnits: 1 },
    );

    // Assess
    expect(meter.capacityLines()).toEqual([
      {
        table: 'deliveries',
        operation: 'UpdateItem',
        kind: 'delivery',
        calls: 1,
        writeUnits: 2,
        readUnits: 0,
      },
    ]);
  });
});
