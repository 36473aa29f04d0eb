import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type LeanDocumentClient,
} from '../../aws/lean/dynamodb.js';

/** Batch writes and reads over any number of items, with the unprocessed ones sent again. */

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_SIZE = 25;
const MAX_ROUNDS = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function writeChunk(
  doc: LeanDocumentClient,
  tableName: string,
  chunk: readonly WriteRequest[],
): Promise<void> {
  let pending: WriteRequest[] = [...chunk];
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) {
      throw new Error(`BatchWriteItem left ${pending.length} items unprocessed on ${tableName}`);
    }
    // Unprocessed items mean throttling: back off with jitter before re-sending them.
    if (round > 0) await sleep(Math.min(50 * 2 ** round, 2000) * (0.5 + Math.random() / 2));
    const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = result.UnprocessedItems?.[tableName] ?? [];
  }
}

/** BatchWriteItem: chunks of 25, a few chunks at once, UnprocessedItems re-sent. */
export async function batchWriteAll(
  doc: LeanDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  concurrency = 4,
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += BATCH_SIZE) {
    chunks.push(requests.slice(start, start + BATCH_SIZE));
  }
  for (let start = 0; start < chunks.length; start += concurrency) {
    await Promise.all(
      chunks.slice(start, start + concurrency).map((chunk) => writeChunk(doc, tableName, chunk)),
    );
  }
}

type Key = Record<string, string>;
type Item = Record<string, unknown>;

const GET_BATCH_SIZE = 100;

/**
 * BatchGetItem over any number of keys of one table: chunks of 100, UnprocessedKeys re-asked.
 * Returns the items found, in no particular order.
 */
export async function batchGetAll(
  doc: LeanDocumentClient,
  tableName: string,
  keys: readonly Key[],
  consistentRead: boolean,
  /** Only these attributes (a read billed by what it returns, not the whole item). */
  projection?: readonly string[],
): Promise<Item[]> {
  const items: Item[] = [];
  const projected = projection
    ? {
        ProjectionExpression: projection.map((_, index) => `#p${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(projection.map((name, index) => [`#p${index}`, name])),
      }
    : {};
  for (let start = 0; start < keys.length; start += GET_BATCH_SIZE) {
    let pending: Key[] = keys.slice(start, start + GET_BATCH_SIZE);
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed on ${tableName}`);
      }
      if (round > 0) await sleep(Math.min(50 * 2 ** round, 2000) * (0.5 + Math.random() / 2));
      const result = await doc.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistentRead, ...projected } },
        }),
      );
      items.push(...((result.Responses?.[tableName] ?? []) as Item[]));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return items;
}
