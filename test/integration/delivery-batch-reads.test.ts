import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies, dynamoDbPorts } from '../../lambdas/composition.js';
import type { DeliveryJob } from '../../lambdas/domain/ports/queues.js';
import { batchReads, type JobReads, singleReads } from '../../lambdas/services/delivery.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { dynamoConfig, startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anEvent, aWebhook } from '../support/factories.js';

/**
 * The delivery handler reads a batch's deliveries, endpoints and events in three batch requests
 * (dynalite here). Whatever a job asks, the batch must answer exactly as one read per job would.
 */

let dynamo: TestDynamo;
let deps: Dependencies;

beforeAll(async () => {
  dynamo = await startDynamo();
  deps = createDependencies(dynamoConfig(dynamo), dynamoDbPorts);
});

afterAll(async () => {
  await dynamo?.stop();
});

const dueNow = (deliveryId: string): DeliveryJob => ({
  deliveryId,
  attempt: 1,
  dueAt: new Date().toISOString(),
});

async function everyRead(reads: JobReads, jobs: readonly DeliveryJob[]) {
  return Promise.all(
    jobs.map(async (job) => {
      const delivery = await reads.delivery(job.deliveryId);
      if (!delivery) return { delivery };
      return {
        delivery,
        endpoint: await reads.endpoint(delivery.accountId, delivery.webhookId),
        event: await reads.event(delivery.accountId, delivery.eventId),
      };
    }),
  );
}

describe('batchReads', () => {
  it('answers every job as single reads do: live, deleted endpoint, missing delivery, missing event', async () => {
    // Prepare
    const webhook = aWebhook();
    await deps.webhooks.create(webhook);
    const deletedWebhook = aWebhook({ accountId: webhook.accountId });
    const event = anEvent({ accountId: webhook.accountId });
    await deps.events.putEvent(event);
    const live = aDelivery({ accountId: webhook.accountId, webhookId: webhook.id, eventId: event.id });
    const toDeleted = aDelivery({
      accountId: webhook.accountId,
      webhookId: deletedWebhook.id,
      eventId: event.id,
    });
    const withoutEvent = aDelivery({ accountId: webhook.accountId, webhookId: webhook.id });
    for (const delivery of [live, toDeleted, withoutEvent]) await deps.deliveries.createDelivery(delivery);
    const neverCreated = aDelivery({ webhookId: webhook.id });
    const jobs = [live, toDeleted, withoutEvent, neverCreated].map((delivery) => dueNow(delivery.id));

    // Act
    const batched = await everyRead(await batchReads(deps, jobs), jobs);

    // Assess
    expect(batched).toEqual(await everyRead(singleReads(deps), jobs));
    expect(batched[0]?.endpoint?.webhook.id).toBe(webhook.id);
    expect(batched[0]?.event?.id).toBe(event.id);
    expect(batched[1]?.endpoint).toBeUndefined();
    expect(batched[2]?.event).toBeUndefined();
    expect(batched[3]?.delivery).toBeUndefined();
  });

  it('reads singly what the batch did not ask for (a job not yet due)', async () => {
    // Prepare
    const webhook = aWebhook();
    await deps.webhooks.create(webhook);
    const due = aDelivery({ accountId: webhook.accountId, webhookId: webhook.id });
    const later = aDelivery({ accountId: webhook.accountId, webhookId: webhook.id });
    for (const delivery of [due, later]) await deps.deliveries.createDelivery(delivery);
    const jobs = [dueNow(due.id), dueNow(due.id), { ...dueNow(later.id), dueAt: '2999-01-01T00:00:00.000Z' }];

    // Act
    const reads = await batchReads(deps, jobs);

    // Assess
    expect(await reads.delivery(later.id)).toEqual(await deps.deliveries.getDelivery(later.id));
    expect(await reads.delivery(due.id)).toEqual(await deps.deliveries.getDelivery(due.id));
  });
});
