import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsMeter } from '../../bench/aws-meter.js';
import { eventLogKey } from '../../lambdas/adapters/dynamodb/event-log-store.js';
import { GetCommand, PutCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { createDeliverHandler } from '../../lambdas/deliver.js';
import { MAX_BUS_ENTRY_BYTES } from '../../lambdas/domain/bus-event.js';
import { deliveryIdFor, newWebhookId } from '../../lambdas/domain/ids.js';
import type { WebhookEvent } from '../../lambdas/domain/model.js';
import { usageDay } from '../../lambdas/domain/plans.js';
import { itemSizeUtf8 } from '../../lambdas/local/dynalite-item-size.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { getEventWithDeliveries } from '../../lambdas/services/event-log.js';
import { fanOut } from '../../lambdas/services/fanout.js';
import {
  deliveryDependencies,
  anAccountWithEndpoints as endpointsAt,
  RecordingDeliveryQueue,
  sqsEventOf,
} from '../support/delivery-harness.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount } from '../support/factories.js';
import { Receiver } from '../support/receiver.js';

/**
 * One write per event (docs/cost.md option 3): the event's log entry holds its payload and fan-out's
 * quota decision; events stored before (an `EVENT#<id>` item, an entry without payload) are read,
 * replayed and delivered from their old item. Through fan-out and the deliver handler against
 * dynalite, with a real receiver on 127.0.0.1.
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

const dependencies = (queue: RecordingDeliveryQueue, meter?: AwsMeter) =>
  deliveryDependencies(dynamo, queue, meter);
const anAccountWithEndpoints = (deps: Dependencies, count: number) => endpointsAt(deps, receiver.url, count);
const sqsEvent = sqsEventOf;

const getItem = async (key: { pk: string; sk: string }) =>
  (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tables.deliveries, Key: key }))).Item;

/** An event as the version before issue 13 stored it: its item, and an entry without the payload. */
async function storedTheOldWay(
  event: WebhookEvent,
  admission: 'admitted' | 'dropped',
  /** The endpoints its entry names; none: no entry at all (an event of before the log, issue 12). */
  webhookIds?: string[],
) {
  const expiresAt = Math.floor(Date.now() / 1000) + 30 * 86_400;
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tables.deliveries,
      Item: {
        pk: `EVENT#${event.id}`,
        sk: '#EVENT',
        account_id: event.accountId,
        type: event.type,
        ...(admission === 'admitted' ? { data: JSON.stringify(event.data) } : {}),
        timestamp: event.timestamp,
        admission,
        expires_at: expiresAt,
      },
    }),
  );
  if (webhookIds === undefined) return;
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tables.deliveries,
      Item: {
        ...eventLogKey(event.accountId, event.id),
        type: event.type,
        created_at: event.timestamp,
        ...(admission === 'dropped' ? { dropped: true } : {}),
        ...(webhookIds.length > 0 ? { webhook_ids: new Set(webhookIds) } : {}),
        expires_at: expiresAt,
      },
    }),
  );
}

describe('an event stored in its log entry', () => {
  it('is one item written once by fan-out: the entry with payload, decision and endpoints; delivered from it', async () => {
    // Prepare
    const meter = new AwsMeter(dynamo.tables);
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue, meter);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const published = event();
    meter.reset();

    // Act
    await fanOut(deps, published);
    const writes = meter
      .capacityLines()
      .filter((line) => line.table === 'deliveries' && line.writeUnits > 0)
      .map(({ operation, kind, calls, writeUnits }) => ({ operation, kind, calls, writeUnits }));
    await createDeliverHandler(() => deps)(sqsEvent(queue.take()));

    // Assess
    expect(writes).toEqual([{ operation: 'PutItem', kind: 'event-log entry', calls: 1, writeUnits: 1 }]);
    expect(await getItem({ pk: `EVENT#${published.id}`, sk: '#EVENT' })).toBeUndefined();
    expect(await getItem(eventLogKey(account.id, published.id))).toMatchObject({
      data: JSON.stringify(published.data),
      adm: 'admitted',
      webhook_ids: new Set(webhooks.map((webhook) => webhook.id)),
    });
    const bodies = receiver.requests
      .slice(-2)
      .map((request) => JSON.parse(request.body) as { data: unknown });
    expect(bodies.map((body) => body.data)).toEqual([published.data, published.data]);
    expect(await deps.events.getEvent(account.id, published.id)).toEqual(published);
  });

  it('answers as absent to another account, whatever it asks', async () => {
    // Prepare
    const deps = dependencies(new RecordingDeliveryQueue());
    const { event } = await anAccountWithEndpoints(deps, 1);
    const published = event();
    await fanOut(deps, published);
    const stranger = anAccount().id;

    // Act
    const reads = [
      await deps.events.getEvent(stranger, published.id),
      await deps.events.getAdmission(stranger, published.id),
      (await deps.events.getEvents([{ accountId: stranger, eventId: published.id }])).size,
    ];

    // Assess
    expect(reads).toEqual([undefined, undefined, 0]);
  });
});

describe('the largest event in its entry', () => {
  it('fits under 400 KB with 25 endpoints held: a 256 KB payload is stored and read back whole', async () => {
    // Prepare: what the bus takes at most (256 KB, entry and all), as JSON text of one string
    const deps = dependencies(new RecordingDeliveryQueue());
    const { account, event } = await anAccountWithEndpoints(deps, 0);
    const big = { ...event(), data: { blob: 'x'.repeat(MAX_BUS_ENTRY_BYTES) } };
    const webhookIds = Array.from({ length: 25 }, newWebhookId);

    // Act
    const stored = await deps.events.putEvent(big, 'admitted', { index: 0, webhookIds, more: false });
    const { Item: item = {} } = await dynamo.client.send(
      new GetItemCommand({
        TableName: dynamo.tables.deliveries,
        Key: marshall(eventLogKey(account.id, big.id)),
      }),
    );

    // Assess
    expect(stored).toEqual({ created: true });
    expect(itemSizeUtf8(item)).toBeLessThan(MAX_BUS_ENTRY_BYTES + 2 * 1024);
    expect(await deps.events.getEvent(account.id, big.id)).toEqual(big);
  });
});

describe('an event stored before issue 13 (its own item, an entry without payload)', () => {
  it('is read, replayed by its stored decision without counting again, and delivered with its payload', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, webhooks, event } = await anAccountWithEndpoints(deps, 2);
    const old = event();
    await storedTheOldWay(
      old,
      'admitted',
      webhooks.map((webhook) => webhook.id),
    );
    const day = usageDay(new Date());
    const countedBefore = await deps.usage.get(account.id, day);
    const requestsBefore = receiver.requests.length;

    // Act
    const read = await deps.events.getEvent(account.id, old.id);
    const batchRead = await deps.events.getEvents([{ accountId: account.id, eventId: old.id }]);
    const shown = await getEventWithDeliveries(deps, account.id, old.id, { limit: 10 });
    const replay = await fanOut(deps, old);
    const jobs = queue.take();
    await createDeliverHandler(() => deps)(sqsEvent(jobs));

    // Assess
    expect(read).toEqual(old);
    expect(batchRead.get(old.id)).toEqual(old);
    expect(shown.event).toEqual(old);
    expect(shown.deliveries.items.map((delivery) => delivery.status)).toEqual(['pending', 'pending']);
    expect(await deps.events.getAdmission(account.id, old.id)).toBe('admitted');
    expect(await deps.events.getEvent(anAccount().id, old.id)).toBeUndefined();
    expect(replay).toMatchObject({ deliveries: 2, dropped: false });
    expect(await deps.usage.get(account.id, day)).toEqual(countedBefore);
    const bodies = receiver.requests
      .slice(requestsBefore)
      .map((request) => JSON.parse(request.body) as { data: unknown });
    expect(bodies.map((body) => body.data)).toEqual([old.data, old.data]);
    for (const webhook of webhooks) {
      expect(await deps.deliveries.getDelivery(deliveryIdFor(old.id, webhook.id))).toMatchObject({
        status: 'succeeded',
        attemptCount: 1,
      });
    }
  });

  it('is read from its item when it has no entry at all, by its own account only', async () => {
    // Prepare
    const deps = dependencies(new RecordingDeliveryQueue());
    const { account, event } = await anAccountWithEndpoints(deps, 0);
    const old = event();
    await storedTheOldWay(old, 'admitted');
    const stranger = anAccount().id;

    // Act
    const reads = {
      event: await deps.events.getEvent(account.id, old.id),
      batch: (await deps.events.getEvents([{ accountId: account.id, eventId: old.id }])).get(old.id),
      admission: await deps.events.getAdmission(account.id, old.id),
      strangers: [
        await deps.events.getEvent(stranger, old.id),
        await deps.events.getAdmission(stranger, old.id),
        (await deps.events.getEvents([{ accountId: stranger, eventId: old.id }])).size,
      ],
    };

    // Assess
    expect(reads).toEqual({
      event: old,
      batch: old,
      admission: 'admitted',
      strangers: [undefined, undefined, 0],
    });
  });

  it('stays dropped when replayed, and is not counted again', async () => {
    // Prepare
    const queue = new RecordingDeliveryQueue();
    const deps = dependencies(queue);
    const { account, event } = await anAccountWithEndpoints(deps, 1);
    const old = event();
    await storedTheOldWay(old, 'dropped', []);
    const day = usageDay(new Date());
    const countedBefore = await deps.usage.get(account.id, day);

    // Act
    const replay = await fanOut(deps, old);

    // Assess
    expect(replay).toEqual({ deliveries: 0, duplicateEvent: false, dropped: true });
    expect(queue.take()).toEqual([]);
    expect(await deps.usage.get(account.id, day)).toEqual(countedBefore);
    expect(await deps.events.getAdmission(account.id, old.id)).toBe('dropped');
  });
});
