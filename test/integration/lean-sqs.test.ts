import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '../../lambdas/adapters/sqs-queue.js';
import type { LeanMiddleware } from '../../lambdas/aws/lean/json-client.js';
import { LeanSqsClient, SendMessageBatchCommand, SendMessageCommand } from '../../lambdas/aws/lean/sqs.js';
import type { DeliveryJob } from '../../lambdas/domain/ports/queues.js';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';

/**
 * The lean SQS client (lambdas/aws/lean/sqs.ts, JSON protocol) against the local SQS engine
 * (fauxqs), read back with the SDK's client.
 */

let engine: SqsEngine;
let sdk: SQSClient;
let lean: LeanSqsClient;

beforeAll(async () => {
  engine = await startSqsEngine();
  sdk = new SQSClient({ endpoint: engine.address, region: 'us-east-1' });
  lean = new LeanSqsClient({ endpoint: engine.address, region: 'us-east-1' });
});

afterAll(async () => {
  lean.destroy();
  sdk.destroy();
  await engine.stop();
});

const receiveAll = async (queueUrl: string) =>
  (
    await sdk.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    )
  ).Messages ?? [];

describe('LeanSqsClient', () => {
  it('sends a message and a batch that the SDK receives, answering the SDK output shapes', async () => {
    const queueUrl = engine.createQueue('lean-sqs-send').queueUrl;
    const one = await lean.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one' }));
    expect(one.MessageId).toEqual(expect.any(String));
    const batch = await lean.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: '0', MessageBody: 'two' },
          { Id: '1', MessageBody: 'three', DelaySeconds: 0 },
        ],
      }),
    );
    expect(batch.Successful?.map((entry) => entry.Id).sort()).toEqual(['0', '1']);
    expect(batch.Failed ?? []).toEqual([]);
    const bodies = (await receiveAll(queueUrl)).map((message) => message.Body).sort();
    expect(bodies).toEqual(['one', 'three', 'two']);
  });

  it('throws an unknown queue as an error named by its code, with its status', async () => {
    const error = (await lean
      .send(new SendMessageCommand({ QueueUrl: `${engine.address}/000000000000/nowhere`, MessageBody: 'x' }))
      .catch((caught: unknown) => caught)) as { name: string; $metadata: { httpStatusCode: number } };
    expect(error.name).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('carries the delivery queue adapter, counted by a middleware as the SDK command', async () => {
    const queueUrl = engine.createQueue('lean-sqs-jobs').queueUrl;
    const client = new LeanSqsClient({ endpoint: engine.address, region: 'us-east-1' });
    const commands: string[] = [];
    const count: LeanMiddleware = (next, context) => async (args) => {
      commands.push(context.commandName);
      return next(args);
    };
    client.middlewareStack.add(count, { step: 'initialize', name: 'count' });
    const jobs: DeliveryJob[] = Array.from({ length: 12 }, (_, index) => ({
      deliveryId: `dlv_${index}`,
      attempt: 1,
      dueAt: '2026-12-01T00:00:00.000Z',
    }));
    await new SqsDeliveryQueue(client, queueUrl).enqueue(jobs);
    client.destroy();
    expect(commands).toEqual(['SendMessageBatchCommand', 'SendMessageBatchCommand']);
    expect((await receiveAll(queueUrl)).length + (await receiveAll(queueUrl)).length).toBe(12);
  });
});
