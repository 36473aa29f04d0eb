import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CONFIG_TABLE, DELIVERIES_TABLE, type TableSchema } from '../../../lib/storage-schema.js';

/**
 * Creates the tables described by lib/storage-schema.ts in an engine that does not have them yet
 * (dynalite for the local runtime and the tests, DynamoDB Local, or a test account). In AWS the CDK
 * stack creates them from the same schema.
 */

export function createTableInput(tableName: string, schema: TableSchema): CreateTableCommandInput {
  const attributeNames = [
    schema.partitionKey,
    schema.sortKey,
    ...schema.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  const attributeDefinitions: AttributeDefinition[] = [...new Set(attributeNames)].map((name) => ({
    AttributeName: name,
    AttributeType: 'S',
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: schema.partitionKey, KeyType: 'HASH' },
      { AttributeName: schema.sortKey, KeyType: 'RANGE' },
    ],
    ...(schema.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection ?? 'ALL' },
          })),
        }
      : {}),
  };
}

const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

const isActive = (table: TableDescription | undefined): boolean =>
  table?.TableStatus === 'ACTIVE' &&
  (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  schema: TableSchema,
  timeoutMs: number,
): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, schema)));
    } catch (error) {
      // Someone else created it between our describe and create: wait for theirs.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    table = await describe(client, tableName);
    if (isActive(table)) break;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE in ${timeoutMs} ms`);
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
  if (schema.timeToLiveAttribute) await enableTimeToLive(client, tableName, schema.timeToLiveAttribute);
}

/** Turns TTL on where the engine supports it; dynalite knows no UpdateTimeToLive (nor expiry). */
async function enableTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (errorName(error) === 'UnknownOperationException') return;
    throw error;
  }
}

/** Creates the config and deliveries tables when missing and waits until they are ACTIVE. Idempotent. */
export async function ensureTables(
  client: DynamoDBClient,
  names: { config: string; deliveries: string },
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  await Promise.all([
    ensureTable(client, names.config, CONFIG_TABLE, timeoutMs),
    ensureTable(client, names.deliveries, DELIVERIES_TABLE, timeoutMs),
  ]);
}
