import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies, dynamoDbPorts, sqsPorts } from '../../lambdas/composition.js';
import type { InstrumentableClient } from '../../lambdas/config.js';
import { newEventId } from '../../lambdas/domain/ids.js';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { fanOut } from '../../lambdas/services/fanout.js';
import { dynamoConfig, startDynamo } from '../support/dynamodb.js';
import { aWebhook } from '../support/factories.js';

/**
 * Fan-out of one event to 10,000 endpoints of one account, against dynalite and fauxqs: it must
 * stay a handful of paged subscription queries and SendMessageBatch calls of ten.
 */

const ENDPOINTS = 10_000;
const ALL_TYPES = 1_000;
const PAUSED = 50;

let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let fauxqs: SqsEngine;
let deps: Dependencies;
let queueUrl: string;
const calls = new Map<string, number>();

const countingMiddleware = (client: InstrumentableClient, service: string) => {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const key = `${service}:${context.commandName}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return next(args);
    };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'countCalls' });
};

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let start = 0; start < items.length; start += width)
    await Promise.all(items.slice(start, start + width).map(work));
}

beforeAll(async () => {
  dynamo = await startDynamo();
  fauxqs = await startSqsEngine();
  queueUrl = fauxqs.createQueue('fanout-scale-deliveries').queueUrl;
  deps = createDependencies(
    dynamoConfig(dynamo, {
      deliveryQueueUrl: queueUrl,
      sqsEndpoint: fauxqs.address,
      instrument: (service, client) => countingMiddleware(client, service),
    }),
    { ...dynamoDbPorts, ...sqsPorts },
  );
  const accountId = 'acc_fanout_scale';
  const webhooks = Array.from({ length: ENDPOINTS }, (_, index) =>
    aWebhook({
      accountId,
      events: index < ALL_TYPES ? [] : ['order.created', 'order.refunded'],
      status: index >= ENDPOINTS - PAUSED ? 'paused' : 'active',
    }),
  );
  await inParallel(webhooks, 100, (webhook) => deps.webhooks.create(webhook));
}, 300_000);

afterAll(async () => {
  await fauxqs?.stop();
  await dynamo?.stop();
});

describe('fan-out to 10,000 endpoints', () => {
  it('creates one delivery job per active endpoint in a few paged queries and batched sends', async () => {
    // Prepare
    calls.clear();
    const event = {
      id: newEventId(Date.now()),
      accountId: 'acc_fanout_scale',
      type: 'order.created',
      data: { order_id: 'ord_scale' },
      timestamp: new Date().toISOString(),
    };

    // Act
    const result = await fanOut(deps, event);

    // Assess
    expect(result.deliveries).toBe(ENDPOINTS - PAUSED);
    const attributes = await new SQSClient({ endpoint: fauxqs.address, region: 'us-east-1' }).send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Number(attributes.Attributes?.ApproximateNumberOfMessages)).toBe(ENDPOINTS - PAUSED);
    // Subscription entries are ~100 bytes: 10,000 of them are a few 1 MB pages, not 10,000 reads.
    const queries = calls.get('dynamodb:QueryCommand') ?? 0;
    expect(queries).toBeLessThanOrEqual(20);
    // Batches of ten, with at most one partial batch per page of subscriptions.
    expect(calls.get('sqs:SendMessageBatchCommand')).toBeLessThanOrEqual(
      Math.ceil((ENDPOINTS - PAUSED) / 10) + queries,
    );
    // Per event, never per endpoint: its quota decision (in its log entry, and on the old event item
    // while events stored before issue 13 may be replayed) and the account's plan (issue 5).
    expect(calls.get('dynamodb:GetItemCommand') ?? 0).toBeLessThanOrEqual(3);
    // The event log: one entry and an overflow page per subscription page, never a write per endpoint.
    expect(calls.get('dynamodb:UpdateItemCommand') ?? 0).toBeLessThanOrEqual(queries + 2);
    const logged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.eventLog.eventDeliveries(event.accountId, event.id, { limit: 100, cursor });
      logged.push(...page.items.map((delivery) => delivery.webhookId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(logged).size).toBe(ENDPOINTS - PAUSED);
    expect(logged).toEqual([...logged].sort());
  }, 300_000);
});
