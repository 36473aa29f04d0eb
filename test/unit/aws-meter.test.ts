import { describe, expect, it } from 'vitest';
import { AwsMeter } from '../../bench/aws-meter.js';

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

/** A meter wired to a stand-in DynamoDB client whose calls all succeed. */
function aMeteredClient() {
  const meter = new AwsMeter(TABLES);
  let middleware: Middleware | undefined;
  meter.instrument('dynamodb', {
    middlewareStack: { add: (added: never) => (middleware = added as Middleware) },
  });
  const send = async (commandName: string, input: Record<string, unknown>) => {
    await middleware?.(async () => ({ output: {} }), { commandName })({ input });
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
