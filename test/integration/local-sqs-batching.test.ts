import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';
import { SqsPoller } from '../../lambdas/local/sqs-poller.js';

/**
 * The local twin of the delivery queue's event source gathers batches as Lambda does: SQS hands out
 * 10 messages a receive, so a batch of 100 is gathered from several within the batching window,
 * and what the handler did is deleted 10 at a time (DeleteMessageBatch's limit).
 */

let engine: SqsEngine;
let sqs: SQSClient;

beforeAll(async () => {
  engine = await startSqsEngine();
  sqs = new SQSClient({ endpoint: engine.address, region: 'us-east-1' });
});

afterAll(async () => {
  await engine.stop();
});

async function sendMessages(queueUrl: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, index) => ({
      Id: String(index),
      MessageBody: `message ${start + index}`,
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/** Runs a poller until `count` messages were handled; the sizes of the batches it handed over. */
async function batchesOf(queueUrl: string, count: number, batchSize: number): Promise<number[]> {
  const sizes: number[] = [];
  let handled = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const poller = new SqsPoller(
    sqs,
    queueUrl,
    'arn:aws:sqs:us-east-1:000000000000:batching',
    async (event: SQSEvent) => {
      sizes.push(event.Records.length);
      handled += event.Records.length;
      if (handled >= count) done();
      return { batchItemFailures: [] };
    },
    { concurrency: 1, batchSize, batchingWindowMs: 2000 },
  );
  poller.start();
  await finished;
  await poller.stop();
  return sizes;
}

describe('the local event source', () => {
  it('gathers a batch of 100 from receives of 10, and deletes every message it handled', async () => {
    // Prepare
    const { queueUrl } = engine.createQueue('batching-100');
    await sendMessages(queueUrl, 100);

    // Act
    const sizes = await batchesOf(queueUrl, 100, 100);

    // Assess: one batch; nothing left to come back
    expect(sizes).toEqual([100]);
    expect(await visibleMessages(queueUrl)).toBe(0);
  });

  it('hands over batches of at most 10 when that is its batch size', async () => {
    // Prepare
    const { queueUrl } = engine.createQueue('batching-10');
    await sendMessages(queueUrl, 25);

    // Act
    const sizes = await batchesOf(queueUrl, 25, 10);

    // Assess
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(25);
  });
});

async function visibleMessages(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
