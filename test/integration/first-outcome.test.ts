import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { deliveryIdFor } from '../../lambdas/domain/ids.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { getEventWithDeliveries } from '../../lambdas/services/event-log.js';
import { fanOut, REPLAY_CHECK_DELAY_SECONDS } from '../../lambdas/services/fanout.js';
import { deleteWebhook, updateWebhook } from '../../lambdas/services/webhooks.js';
import {
  deliveryDependencies,
  anAccountWithEndpoints as endpointsAt,
  RecordingDeliveryQueue,
  sqsEventOf,
} from '../support/delivery-harness.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anAccount, anEvent } from '../support/factories.js';
import { Receiver } from '../support/receiver.js';

/**
 * One write per outcome (docs/cost.md): in AWS fan-out stores no delivery; the job names its account
 * and the first outcome creates the delivery with its attempt. Driven through fan-out and the
 * deliver handler against dynalite, with a real receiver on 127.0.0.1.
 */

let dynamo: TestDynamo;
let receiver: Receiver;

beforeAll(async () => {
  dynamo = await startDynamo();
  receiver = await Receiver.start();
});

afterAll(async () => {
  await receiver?.stop();
  await dynamo?.stop();
});

beforeEach(() => {
  receiver.respondWith([{ status: 200, body: '{"received":true}' }]);
});

const dependencies = (queue: RecordingDeliveryQueue) => deliveryDependencies(dynamo, queue);
const anAccountWithEndpoints = (deps: Dependencies, count: number) => endpointsAt(deps, receiver.url, count);
const sqsEvent = sqsEventOf;

describe('a first attempt fan-out did not store', () => {
  it('is stored once, with its attempt, by the outcome; fan-out stored nothing', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    const requestsBefore = receiver.requests.length;

    // Act
    await fanOut(deps, published);
    const stored = await deps.deliveries.getDeliveries(
      webhooks.map((w) => deliveryIdFor(published.id, w.id)),
    );
    const jobs = queue.take();
    const response = await createDeliverHandler(() => deps)(sqsEvent(jobs));

    // Assess
    expect(stored.size).toBe(0);
    expect(jobs.map((job) => job.accountId)).toEqual([account.id, account.id]);
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.requests.length - requestsBefore).toBe(2);
    const delivery = await deps.deliveries.getDelivery(deliveryIdFor(published.id, webhooks[0]!.id));
    expect(delivery).toMatchObject({
      accountId: account.id,
      eventType: published.type,
      status: 'succeeded',
      attemptCount: 1,
      lastStatusCode: 200,
      createdAt: jobs[0]!.dueAt,
    });
    expect(delivery?.attempts).toHaveLength(1);
  });

  it('is not attempted again when SQS hands the job over again after it was recorded', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { webhooks, event } = await anAccountWithEndpoints(deps, 1);
    const published = event();
    await fanOut(deps, published);
    const jobs = queue.take();
    await createDeliverHandler(() => deps)(sqsEvent(jobs));
    const requestsBefore = receiver.requests.length;

    // Act: the same message again, its receive count 2 (the consumer died before deleting it)
    await createDeliverHandler(() => deps)(sqsEvent(jobs, 2));

    // Assess
    expect(receiver.requests.length).toBe(requestsBefore);
    const delivery = await deps.deliveries.getDelivery(deliveryIdFor(published.id, webhooks[0]!.id));
    expect(delivery?.attemptCount).toBe(1);
  });

  it('records one attempt when a duplicate of the job runs unchecked (the endpoint may hear twice)', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { webhooks, event } = await anAccountWithEndpoints(deps, 1);
    const published = event();
    await fanOut(deps, published);
    const [job] = queue.take();

    // Act: two copies of the job in one batch, as a rare SQS duplicate would come
    const response = await createDeliverHandler(() => deps)(sqsEvent([job!, job!]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const delivery = await deps.deliveries.getDelivery(deliveryIdFor(published.id, webhooks[0]!.id));
    expect(delivery?.attemptCount).toBe(1);
    expect(delivery?.attempts).toHaveLength(1);
  });

  it('is stored pending with its due time when the attempt fails, and the retry reads it', async () => {
    // Prepare
    receiver.respondWith([{ status: 500 }, { status: 200 }]);
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { webhooks, event } = await anAccountWithEndpoints(deps, 1);
    const published = event();
    await fanOut(deps, published);
    const deliveryId = deliveryIdFor(published.id, webhooks[0]!.id);

    // Act
    await createDeliverHandler(() => deps)(sqsEvent(queue.take()));
    const afterFirst = await deps.deliveries.getDelivery(deliveryId);
    const [retry] = queue.take();
    await createDeliverHandler(() => deps)(sqsEvent([{ ...retry!, dueAt: new Date().toISOString() }]));

    // Assess
    expect(afterFirst).toMatchObject({ status: 'pending', attemptCount: 1, lastStatusCode: 500 });
    expect(afterFirst?.nextAttemptAt).toBe(retry?.dueAt);
    expect(retry).toMatchObject({ deliveryId, attempt: 2 });
    expect(retry?.accountId).toBeUndefined();
    expect(await deps.deliveries.getDelivery(deliveryId)).toMatchObject({
      status: 'succeeded',
      attemptCount: 2,
    });
  });

  it("is stored failed, unsent, when its endpoint was paused; nothing is stored for a deleted one's", async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    await fanOut(deps, published);
    const [paused, deleted] = webhooks;
    await updateWebhook(deps, account.id, paused!.id, { status: 'paused' });
    await deleteWebhook(deps, account.id, deleted!.id);
    const requestsBefore = receiver.requests.length;

    // Act
    await createDeliverHandler(() => deps)(sqsEvent(queue.take()));

    // Assess
    expect(receiver.requests.length).toBe(requestsBefore);
    expect(await deps.deliveries.getDelivery(deliveryIdFor(published.id, paused!.id))).toMatchObject({
      status: 'failed',
      failureReason: 'endpoint_paused',
      attemptCount: 0,
      eventType: published.type,
    });
    expect(await deps.deliveries.getDelivery(deliveryIdFor(published.id, deleted!.id))).toBeUndefined();
  });

  it("never sends nor stores a job whose account is not its event's", async () => {
    // Prepare: a job naming the endpoint's account, for another account's event
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks } = await anAccountWithEndpoints(deps, 1);
    const foreign = anEvent({ accountId: anAccount().id, timeMs: Date.now() });
    await deps.events.putEvent(foreign, 'admitted');
    const deliveryId = deliveryIdFor(foreign.id, webhooks[0]!.id);
    const requestsBefore = receiver.requests.length;

    // Act
    await createDeliverHandler(() => deps)(
      sqsEvent([{ deliveryId, attempt: 1, dueAt: new Date().toISOString(), accountId: account.id }]),
    );

    // Assess
    expect(receiver.requests.length).toBe(requestsBefore);
    expect(await deps.deliveries.getDelivery(deliveryId)).toBeUndefined();
  });

  it('takes over a delivery stored pending before this version, and keeps serving old jobs', async () => {
    // Prepare: two pending deliveries as fan-out stored them before; one old job, one new
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    await deps.events.putEvent(published, 'admitted');
    const ids = webhooks.map((webhook) => deliveryIdFor(published.id, webhook.id));
    for (const webhook of webhooks) {
      await deps.deliveries.createDelivery(
        aDelivery({
          accountId: account.id,
          webhookId: webhook.id,
          eventId: published.id,
          eventType: published.type,
        }),
      );
    }
    const dueAt = new Date().toISOString();

    // Act
    await createDeliverHandler(() => deps)(
      sqsEvent([
        { deliveryId: ids[0]!, attempt: 1, dueAt },
        { deliveryId: ids[1]!, attempt: 1, dueAt, accountId: account.id },
      ]),
    );

    // Assess
    for (const id of ids) {
      expect(await deps.deliveries.getDelivery(id)).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    }
  });
});

describe('a replayed fan-out', () => {
  it('checks, a minute later, the deliveries not stored, and leaves the stored ones alone', async () => {
    // Prepare: the first run's jobs; one of them ran
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    await fanOut(deps, published);
    const [ran] = queue.take();
    await createDeliverHandler(() => deps)(sqsEvent([ran!]));

    // Act: the ingest message comes again
    const result = await fanOut(deps, published);

    // Assess
    const unstored = deliveryIdFor(
      published.id,
      webhooks.find((w) => !ran!.deliveryId.endsWith(w.id.slice(3)))!.id,
    );
    expect(result.deliveries).toBe(1);
    expect(queue.sent).toEqual([
      {
        job: expect.objectContaining({ deliveryId: unstored, check: true }),
        delaySeconds: REPLAY_CHECK_DELAY_SECONDS,
      },
    ]);
  });
});

describe("an event's deliveries in the log", () => {
  it('shows a delivery not stored yet as pending, and none of a deleted endpoint', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    await fanOut(deps, published);
    await deleteWebhook(deps, account.id, webhooks[1]!.id);

    // Act
    const { deliveries } = await getEventWithDeliveries(deps, account.id, published.id, { limit: 10 });

    // Assess
    expect(deliveries.items).toEqual([
      {
        webhookId: webhooks[0]!.id,
        deliveryId: deliveryIdFor(published.id, webhooks[0]!.id),
        status: 'pending',
        attemptCount: 0,
      },
    ]);
  });
});
