import {
  type AttributeDefinition,
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  CONFIG_TABLE,
  DELIVERIES_TABLE,
  type IndexSchema,
  type TableSchema,
} from '../../../lib/storage-schema.js';

/**
 * Creates the tables described by lib/storage-schema.ts in an engine that does not have them yet
 * (dynalite for the local runtime and the tests, DynamoDB Local, or a test account), and adds the
 * indexes the schema has and an existing table lacks (a data directory from an older version). In
 * AWS the CDK stack creates and upgrades them from the same schema.
 *
 * Adding an index: UpdateTable `GlobalSecondaryIndexUpdates: [{Create}]` where the engine supports
 * it (DynamoDB Local, AWS), one index per call. dynalite does not (its UpdateTable changes
 * throughput only), so the table is rebuilt: copied into `<name>-upgrade` (the new schema), a
 * completion marker put there, the original deleted and created again, the copy written back, the
 * temporary table deleted. On start, a temporary table with the marker means "finish the copy back"
 * (the original may be old, missing, or new and partly filled); without it, "discard it and start
 * over" (the original is intact). So a crash at any step loses nothing.
 */

const projectionOf = (index: IndexSchema) => ({ ProjectionType: index.projection ?? 'ALL' });

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
            Projection: projectionOf(index),
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

/** The steps of a rebuild, in order: a test's `crashAfter` stops the upgrade right after one. */
export const REBUILD_STEPS = [
  'temporary-created',
  'copied',
  'marked',
  'original-deleted',
  'original-created',
  'copied-back',
  'temporary-deleted',
] as const;
export type RebuildStep = (typeof REBUILD_STEPS)[number];

export interface EnsureTablesOptions {
  readonly timeoutMs?: number;
  /** Tests: throws right after this rebuild step, as a crash there would stop the upgrade. */
  readonly crashAfter?: RebuildStep;
}

/** The temporary table of a rebuild, and its completion marker (never copied back). */
export const upgradeTableName = (tableName: string): string => `${tableName}-upgrade`;
const markerKey = (schema: TableSchema): Record<string, AttributeValue> => ({
  [schema.partitionKey]: { S: '#UPGRADE' },
  [schema.sortKey]: { S: '#COMPLETE' },
});

class Upgrade {
  private readonly deadline: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly schema: TableSchema,
    private readonly options: EnsureTablesOptions & { timeoutMs: number },
  ) {
    this.deadline = Date.now() + options.timeoutMs;
  }

  step(name: RebuildStep): void {
    if (this.options.crashAfter === name) throw new Error(`crash injected after ${name}`);
  }

  async waitFor(tableName: string, state: (table: TableDescription | undefined) => boolean): Promise<void> {
    let delay = 50;
    for (;;) {
      const table = await describe(this.client, tableName);
      if (state(table)) return;
      if (Date.now() > this.deadline) {
        throw new Error(
          `Table ${tableName} did not reach the expected state in ${this.options.timeoutMs} ms`,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  async create(tableName: string): Promise<void> {
    try {
      await this.client.send(new CreateTableCommand(createTableInput(tableName, this.schema)));
    } catch (error) {
      // Someone else created it between our describe and create: wait for theirs.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
    await this.waitFor(tableName, isActive);
  }

  async drop(tableName: string): Promise<void> {
    try {
      await this.client.send(new DeleteTableCommand({ TableName: tableName }));
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
    await this.waitFor(tableName, (table) => table === undefined);
  }

  /** Every item of `from` put into `to` (puts are idempotent: a copy done twice is the same copy). */
  async copy(from: string, to: string, skip?: Record<string, AttributeValue>): Promise<void> {
    const isSkipped = (item: Record<string, AttributeValue>) =>
      skip !== undefined && Object.entries(skip).every(([name, value]) => item[name]?.S === value.S);
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: from,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const items = (page.Items ?? []).filter((item) => !isSkipped(item));
      for (let index = 0; index < items.length; index += 25) {
        let pending: WriteRequest[] = items
          .slice(index, index + 25)
          .map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [to]: pending } }),
          );
          pending = result.UnprocessedItems?.[to] ?? [];
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async hasMarker(tableName: string): Promise<boolean> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: tableName, Key: markerKey(this.schema), ConsistentRead: true }),
    );
    return result.Item !== undefined;
  }

  /** From "marked" on: the original made new (whatever state it is in), the copy written back. */
  async finish(tableName: string): Promise<void> {
    const temporary = upgradeTableName(tableName);
    const original = await describe(this.client, tableName);
    if (original && missingIndexes(original, this.schema).length > 0) {
      await this.drop(tableName);
      this.step('original-deleted');
    }
    await this.create(tableName);
    this.step('original-created');
    await this.copy(temporary, tableName, markerKey(this.schema));
    this.step('copied-back');
    await this.drop(temporary);
    this.step('temporary-deleted');
  }

  async rebuild(tableName: string): Promise<void> {
    const temporary = upgradeTableName(tableName);
    await this.create(temporary);
    this.step('temporary-created');
    await this.copy(tableName, temporary);
    this.step('copied');
    await this.client.send(
      new PutItemCommand({
        TableName: temporary,
        Item: { ...markerKey(this.schema), upgraded_from: { S: tableName } },
      }),
    );
    this.step('marked');
    await this.finish(tableName);
  }

  /** A rebuild a crash cut short: finished when its copy was complete, else discarded. */
  async resume(tableName: string): Promise<void> {
    const temporary = upgradeTableName(tableName);
    const table = await describe(this.client, temporary);
    if (!table) return;
    await this.waitFor(temporary, isActive);
    if (await this.hasMarker(temporary)) await this.finish(tableName);
    else await this.drop(temporary);
  }

  /** UpdateTable where the engine supports it; false where it does not (dynalite ignores or refuses it). */
  async addIndex(tableName: string, index: IndexSchema): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [index.partitionKey, index.sortKey].map((name) => ({
            AttributeName: name,
            AttributeType: 'S',
          })),
          GlobalSecondaryIndexUpdates: [
            {
              Create: {
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey, KeyType: 'HASH' },
                  { AttributeName: index.sortKey, KeyType: 'RANGE' },
                ],
                Projection: projectionOf(index),
              },
            },
          ],
        }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ValidationException' || name === 'UnknownOperationException') return false;
      throw error;
    }
    await this.waitFor(tableName, isActive);
    const table = await describe(this.client, tableName);
    return (table?.GlobalSecondaryIndexes ?? []).some((existing) => existing.IndexName === index.indexName);
  }
}

const missingIndexes = (table: TableDescription, schema: TableSchema): IndexSchema[] =>
  schema.globalSecondaryIndexes.filter(
    (index) =>
      !(table.GlobalSecondaryIndexes ?? []).some((existing) => existing.IndexName === index.indexName),
  );

async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  schema: TableSchema,
  options: EnsureTablesOptions & { timeoutMs: number },
): Promise<void> {
  const upgrade = new Upgrade(client, schema, options);
  await upgrade.resume(tableName);
  let table = await describe(client, tableName);
  if (!table) await upgrade.create(tableName);
  await upgrade.waitFor(tableName, isActive);
  table = await describe(client, tableName);
  for (const index of table ? missingIndexes(table, schema) : []) {
    if (!(await upgrade.addIndex(tableName, index))) {
      // The engine cannot add an index: one rebuild adds every missing one.
      await upgrade.rebuild(tableName);
      break;
    }
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

/**
 * Creates the config and deliveries tables when missing, adds the indexes they lack, and waits
 * until they are ACTIVE. Idempotent; a crash in an upgrade is finished by the next call.
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: { config: string; deliveries: string },
  options: EnsureTablesOptions = {},
): Promise<void> {
  const settings = { ...options, timeoutMs: options.timeoutMs ?? 300_000 };
  await Promise.all([
    ensureTable(client, names.config, CONFIG_TABLE, settings),
    ensureTable(client, names.deliveries, DELIVERIES_TABLE, settings),
  ]);
}
