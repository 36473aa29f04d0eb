import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemSizeUtf8 } from '../../lambdas/local/dynalite-item-size.js';
import { startTestRuntime } from '../support/local-runtime.js';

/**
 * The local runtime's DynamoDB refuses an item DynamoDB would refuse: over 400 KB counted in UTF-8
 * bytes (the engine rules themselves: integration/item-size-limit.test.ts).
 */

const LIMIT = 400 * 1024;

describe('the local runtime’s DynamoDB', () => {
  it('refuses an item over 400 KB in UTF-8 bytes (a third of that in UTF-16 units)', async () => {
    // Prepare: "€" is 3 bytes in UTF-8 and 1 UTF-16 unit
    const item = { pk: { S: 'SIZE' }, sk: { S: 'x' }, data: { S: '€'.repeat(Math.ceil(LIMIT / 3)) } };
    expect(itemSizeUtf8(item)).toBeGreaterThan(LIMIT);
    const runtime = await startTestRuntime();
    const client = new DynamoDBClient({ endpoint: runtime.engines.dynamoDbEndpoint, region: 'us-east-1' });
    try {
      // Act
      const refused = await client
        .send(new PutItemCommand({ TableName: runtime.engines.tables.config, Item: item }))
        .then(
          () => undefined,
          (error: Error) => ({ name: error.name, message: error.message }),
        );
      // Assess
      expect(refused).toEqual({
        name: 'ValidationException',
        message: 'Item size has exceeded the maximum allowed size',
      });
    } finally {
      client.destroy();
      await runtime.dispose();
    }
  });
});
