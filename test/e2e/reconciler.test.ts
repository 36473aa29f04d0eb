import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId } from '../../lambdas/domain/ids.js';
import type { Delivery } from '../../lambdas/domain/model.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { OVERDUE_GRACE_MS, requeueOverdue } from '../../lambdas/services/reconcile.js';
import { aDelivery } from '../support/factories.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * The reconciler makes a lost queue message harmless: a delivery left pending past its due time
 * (its job never reached the queue: a crash between the DynamoDB write and the SQS send) is queued
 * again and delivered once; running the reconciler again changes nothing.
 */

let runtime: TestRuntime;
let receiver: Receiver;
let webhook: WebhookResource;

beforeAll(async () => {
  runtime = await startTestRuntime();
  receiver = await Receiver.start();
  webhook = (
    await runtime.tenant.post<WebhookResource>('/v1/webhooks', {
      name: 'reconciled',
      url: `${receiver.url}/hook`,
      events: ['order.created'],
    })
  ).body;
});

afterAll(async () => {
  await receiver.stop();
  await runtime.dispose();
});

/** A delivery as fan-out or a retry leaves it, whose job was then lost: no message is queued. */
async function aDeliveryWhoseJobWasLost(overrides: Partial<Delivery>): Promise<Delivery> {
  const deps = runtime.dependencies;
  const publishedAt = new Date(Date.now() - 2 * OVERDUE_GRACE_MS);
  const event = {
    id: newEventId(publishedAt.getTime()),
    accountId: runtime.accountId,
    type: 'order.created',
    data: { order_id: 'ord_lost' },
    timestamp: publishedAt.toISOString(),
  };
  await deps.events.putEvent(event, 'admitted');
  const delivery = aDelivery({
    accountId: runtime.accountId,
    webhookId: webhook.id,
    eventId: event.id,
    nextAttemptAt: event.timestamp,
    createdAt: event.timestamp,
    updatedAt: event.timestamp,
    ...overrides,
  });
  await deps.deliveries.createDelivery(delivery);
  return delivery;
}

const receivedFor = (eventId: string) =>
  receiver.requests.filter((request) => request.headers['webhook-id'] === eventId);

describe('the reconciler', () => {
  it('re-queues a delivery overdue past the grace period; it is delivered once, and a second run finds nothing', async () => {
    // Prepare
    const lost = await aDeliveryWhoseJobWasLost({});
    const recent = await aDeliveryWhoseJobWasLost({
      nextAttemptAt: new Date(Date.now() - OVERDUE_GRACE_MS / 2).toISOString(),
    });

    // Act
    const first = await requeueOverdue(runtime.dependencies);
    const delivered = await eventually(async () => {
      const current = await runtime.dependencies.deliveries.getDelivery(lost.id);
      return current?.status === 'succeeded' ? current : undefined;
    });
    const second = await requeueOverdue(runtime.dependencies);

    // Assess
    expect(first).toBe(1);
    expect(delivered.attemptCount).toBe(1);
    expect(receivedFor(lost.eventId)).toHaveLength(1);
    expect(second).toBe(0);
    // Within the grace period its own job may still be on its way: left alone.
    expect((await runtime.dependencies.deliveries.getDelivery(recent.id))?.status).toBe('pending');
    expect(receivedFor(recent.eventId)).toHaveLength(0);
  });
});
