import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem over any number of requests: chunks of 25, a few chunks at once, UnprocessedItems re-sent. */

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_SIZE = 25;
const MAX_ROUNDS = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function writeChunk(
  doc: DynamoDBDocumentClient,
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

export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
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
