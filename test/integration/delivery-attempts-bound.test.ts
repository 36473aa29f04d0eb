import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamodb/delivery-store.js';
import {
  createDependencies,
  dynamoDbPorts,
  escalationStarterPorts,
  outboundPorts,
  secretPorts,
} from '../../lambdas/composition.js';
import { deliveryIdFor } from '../../lambdas/domain/ids.js';
import type { Delivery } from '../../lambdas/domain/model.js';
import {
  MAX_ATTEMPT_ERROR_BYTES,
  MAX_RESPONSE_BODY_BYTES,
  MAX_STORED_ATTEMPTS,
} from '../../lambdas/domain/outcome.js';
import type { EscalationStarter } from '../../lambdas/domain/ports/alerting.js';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../../lambdas/domain/ports/queues.js';
import { createWebhookBody } from '../../lambdas/domain/schemas.js';
import { deliveryDetailResource } from '../../lambdas/http/representations.js';
import { itemSizeUtf8 } from '../../lambdas/local/dynalite-item-size.js';
import { processDeliveryJob } from '../../lambdas/services/delivery.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { getDelivery, retryDelivery } from '../../lambdas/services/history.js';
import { createWebhook } from '../../lambdas/services/webhooks.js';
import { dynamoConfig, startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anAccount, anAttempt, anEvent, anEventType, aWebhookBody } from '../support/factories.js';
import { Receiver } from '../support/receiver.js';

/**
 * What one delivery stores stays bounded however often it is retried: the newest 50 attempts, each
 * with at most 4 KB of response body and 1 KB of error text, and the true total in attempt_count.
 * Driven through the service functions (retry, then the delivery job) against dynalite, which refuses
 * items over 400 KB as DynamoDB does, with a real receiver on 127.0.0.1.
 */

const ITEM_LIMIT = 400 * 1024;
const RETRIES = 120;

let dynamo: TestDynamo;
let receiver: Receiver;

beforeAll(async () => {
  dynamo = await startDynamo();
  // A 500 with a body of 3-byte characters, longer than the 4 KB kept: the worst body an attempt stores.
  receiver = await Receiver.start([{ status: 500, body: '€'.repeat(3000) }]);
});

afterAll(async () => {
  await receiver?.stop();
  await dynamo?.stop();
});

class RecordingQueue implements DeliveryQueue {
  readonly jobs: DeliveryJob[] = [];
  readonly parked: ParkedRecord[] = [];
  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }
  async park(record: ParkedRecord): Promise<void> {
    this.parked.push(record);
  }
}

const escalations: EscalationStarter = { start: async () => undefined };

function dependencies(queue: RecordingQueue): Dependencies {
  return createDependencies(
    dynamoConfig(dynamo, { masterKey: async () => 'test-master-key', escalation: escalations }),
    { ...dynamoDbPorts, ...secretPorts, ...outboundPorts, ...escalationStarterPorts, queue: () => queue },
  );
}

/** The delivery item as stored, in DynamoDB's own attribute format, and its size as DynamoDB counts it. */
async function storedSize(deliveryId: string): Promise<number> {
  const [, ulid, webhookBody] = /^dlv_([0-9a-z]+)_([0-9a-z]+)$/.exec(deliveryId) ?? [];
  const { Item: item } = await dynamo.client.send(
    new GetItemCommand({
      TableName: dynamo.tables.deliveries,
      Key: { pk: { S: `WEBHOOK#wh_${webhookBody}` }, sk: { S: `DELIVERY#${ulid}` } },
      ConsistentRead: true,
    }),
  );
  if (!item) throw new Error(`no delivery item for ${deliveryId}`);
  return itemSizeUtf8(item);
}

describe('a delivery retried again and again', () => {
  it(`keeps working for ${RETRIES} manual retries: one request each, the item bounded, the newest attempts and the true total readable`, async () => {
    // Prepare: an endpoint that always answers 500 and takes no automatic retry
    const queue = new RecordingQueue();
    const deps = dependencies(queue);
    const account = anAccount({ plan: 'enterprise' });
    await deps.accounts.create(account);
    const eventType = anEventType();
    await deps.eventTypes.put(eventType);
    const { webhook } = await createWebhook(
      deps,
      account.id,
      createWebhookBody.parse(
        aWebhookBody({ url: receiver.url, events: [eventType.name], retry_policy: { max_retries: 0 } }),
      ),
    );
    const event = anEvent({ accountId: account.id, type: eventType.name, timeMs: Date.now() });
    await deps.events.putEvent(event, 'admitted');
    const deliveryId = deliveryIdFor(event.id, webhook.id);
    await deps.deliveries.createDelivery(
      aDelivery({ eventId: event.id, webhookId: webhook.id, accountId: account.id, eventType: event.type }),
    );
    const firstJob = await processDeliveryJob(deps, {
      deliveryId,
      attempt: 1,
      dueAt: new Date().toISOString(),
    });
    expect(firstJob).toMatchObject({ kind: 'attempted', outcome: 'retry', final: true });

    // Act: retry, run the job it queues, again and again
    const requestsPerRetry: number[] = [];
    const sizes: number[] = [];
    for (let retry = 1; retry <= RETRIES; retry++) {
      const before = receiver.requests.length;
      await retryDelivery(deps, account.id, deliveryId);
      const job = queue.jobs.shift();
      if (!job) throw new Error(`retry ${retry} queued no job`);
      const result = await processDeliveryJob(deps, job);
      expect(result).toMatchObject({ kind: 'attempted', final: true });
      requestsPerRetry.push(receiver.requests.length - before);
      sizes.push(await storedSize(deliveryId));
    }
    const { delivery } = await getDelivery(deps, account.id, deliveryId);
    const resource = deliveryDetailResource(delivery, event);

    // Assess
    expect(requestsPerRetry).toEqual(Array<number>(RETRIES).fill(1));
    expect(receiver.requests).toHaveLength(RETRIES + 1);
    expect(queue.jobs).toEqual([]);
    expect(Math.max(...sizes)).toBeLessThan(ITEM_LIMIT * 0.75);
    // Once 50 attempts are kept the item stops growing (a few bytes of varying numbers aside).
    expect(Math.max(...sizes.slice(MAX_STORED_ATTEMPTS))).toBeLessThan(sizes[MAX_STORED_ATTEMPTS - 2]! + 64);
    console.info(
      `delivery item after ${RETRIES + 1} attempts: ${sizes.at(-1)} bytes (max ${Math.max(...sizes)})`,
    );
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: RETRIES + 1 });
    expect(delivery.attempts.map((attempt) => attempt.attempt)).toEqual(
      Array.from({ length: MAX_STORED_ATTEMPTS }, (_, index) => RETRIES + 2 - MAX_STORED_ATTEMPTS + index),
    );
    for (const attempt of delivery.attempts) {
      expect(attempt.statusCode).toBe(500);
      expect(Buffer.byteLength(attempt.responseBody ?? '', 'utf8')).toBeLessThanOrEqual(
        MAX_RESPONSE_BODY_BYTES,
      );
      expect(attempt.responseBody).toMatch(/^€+$/);
    }
    expect(resource).toMatchObject({
      attempt_count: RETRIES + 1,
      attempts: expect.any(Array),
      attempts_truncated: true,
    });
    expect(resource.attempts).toHaveLength(MAX_STORED_ATTEMPTS);
    expect(resource.attempts.at(-1)).toMatchObject({ attempt: RETRIES + 1, status_code: 500 });
  });
});

describe('DynamoDeliveryRepository.recordAttempt', () => {
  it('keeps the newest 50 attempts of the largest kind (4 KB body, 1 KB error) under 400 KB with margin', async () => {
    // Prepare: attempts carrying more than is kept, in 3-byte characters
    const store = new DynamoDeliveryRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
    const delivery: Delivery = aDelivery();
    await store.createDelivery(delivery);
    const oversized = (attempt: number) =>
      anAttempt({
        attempt,
        statusCode: 503,
        responseTimeMs: 29_999,
        responseBody: '€'.repeat(5000),
        error: 'ß'.repeat(5000),
      });
    // Act
    const recorded: boolean[] = [];
    for (let attempt = 1; attempt <= 80; attempt++) {
      recorded.push(await store.recordAttempt(delivery.id, oversized(attempt), { status: 'pending' }));
    }
    const replayed = await store.recordAttempt(delivery.id, oversized(80), { status: 'pending' });
    const stored = await store.getDelivery(delivery.id);
    const size = await storedSize(delivery.id);
    // Assess
    expect(recorded.every(Boolean)).toBe(true);
    expect(replayed).toBe(false);
    expect(stored?.attemptCount).toBe(80);
    expect(stored?.attempts.map((attempt) => attempt.attempt)).toEqual(
      Array.from({ length: MAX_STORED_ATTEMPTS }, (_, index) => 31 + index),
    );
    for (const attempt of stored?.attempts ?? []) {
      expect(Buffer.byteLength(attempt.responseBody ?? '', 'utf8')).toBeLessThanOrEqual(
        MAX_RESPONSE_BODY_BYTES,
      );
      expect(Buffer.byteLength(attempt.error ?? '', 'utf8')).toBeLessThanOrEqual(MAX_ATTEMPT_ERROR_BYTES);
      expect(attempt.responseBody).toMatch(/^€+$/);
      expect(attempt.error).toMatch(/^ß+$/);
    }
    console.info(`worst-case delivery item with ${MAX_STORED_ATTEMPTS} attempts: ${size} bytes`);
    expect(size).toBeLessThan(300 * 1024);
  });
});
