import { BatchWriteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemSizeUtf8 } from '../../lambdas/local/dynalite-item-size.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';

/**
 * The local twin refuses what DynamoDB refuses: an item over 400 KB (409,600 bytes, names and values
 * counted in UTF-8 bytes) is a ValidationException, on PutItem, UpdateItem and BatchWriteItem
 * (lambdas/local/dynalite-item-size.ts; the local runtime's own engine: e2e/item-size-limit.test.ts).
 */

const LIMIT = 400 * 1024;

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

/** An item of exactly `size` bytes as DynamoDB counts them, its padding made of `unit`. */
function anItemOf(size: number, unit = 'a', id = 'SIZE') {
  const base = { pk: { S: id }, sk: { S: 'x' }, data: { S: '' } };
  const room = size - itemSizeUtf8(base);
  const unitBytes = Buffer.byteLength(unit, 'utf8');
  const padding = unit.repeat(Math.floor(room / unitBytes)) + 'a'.repeat(room % unitBytes);
  const item = { ...base, data: { S: padding } };
  expect(itemSizeUtf8(item)).toBe(size);
  return item;
}

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected the write to be refused');
};

describe('items over 400 KB', () => {
  it('stores an item of exactly 400 KB and refuses 400 KB + 1 byte', async () => {
    // Prepare
    const put = (size: number) =>
      dynamo.client.send(new PutItemCommand({ TableName: dynamo.tables.config, Item: anItemOf(size) }));
    // Act
    const atLimit = await put(LIMIT);
    const beyond = await refusal(put(LIMIT + 1));
    // Assess
    expect(atLimit.$metadata.httpStatusCode).toBe(200);
    expect(beyond).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
  });

  it('counts UTF-8 bytes as DynamoDB does: 136,534 "€" (409,602 bytes, 136,534 UTF-16 units) is refused', async () => {
    // Prepare
    const item = anItemOf(LIMIT + 1, '€');
    // Act
    const put = await refusal(
      dynamo.client.send(new PutItemCommand({ TableName: dynamo.tables.config, Item: item })),
    );
    const batch = await refusal(
      dynamo.client.send(
        new BatchWriteItemCommand({
          RequestItems: { [dynamo.tables.config]: [{ PutRequest: { Item: item } }] },
        }),
      ),
    );
    // Assess
    expect(item.data.S.length).toBeLessThan(LIMIT / 2);
    expect(put).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
    expect(batch).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
  });

  it('refuses an update that grows an item past 400 KB', async () => {
    // Prepare
    const item = anItemOf(LIMIT - 10, 'a', 'SIZE#update');
    await dynamo.client.send(new PutItemCommand({ TableName: dynamo.tables.config, Item: item }));
    // Act
    const grown = await refusal(
      dynamo.client.send(
        new UpdateItemCommand({
          TableName: dynamo.tables.config,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET more = :more',
          ExpressionAttributeValues: { ':more': { S: '€€€€' } },
        }),
      ),
    );
    // Assess
    expect(grown).toEqual({
      name: 'ValidationException',
      message: 'Item size to update has exceeded the maximum allowed size',
    });
  });
});
