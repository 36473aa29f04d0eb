import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, encodeCursor } from '../../lambdas/adapters/dynamodb/client.js';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamodb/delivery-store.js';
import { DynamoEventRepository } from '../../lambdas/adapters/dynamodb/event-store.js';
import { DynamoIdempotencyRepository } from '../../lambdas/adapters/dynamodb/idempotency-store.js';
import { DynamoStatsRepository } from '../../lambdas/adapters/dynamodb/stats-store.js';
import { GetCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { newAccountId, newEventId, newWebhookId } from '../../lambdas/domain/ids.js';
import type { Delivery, DeliveryStatus } from '../../lambdas/domain/model.js';
import { hourBucket } from '../../lambdas/domain/stats-hours.js';
import { rejection } from '../support/assertions.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anAttempt, anEvent } from '../support/factories.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2025-01-15T10:00:00.000Z');

let dynamo: TestDynamo;
let deliveries: DynamoDeliveryRepository;
let eventStore: DynamoEventRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  deliveries = new DynamoDeliveryRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
  eventStore = new DynamoEventRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
});

afterAll(async () => {
  await dynamo?.stop();
});

/** A repository whose clock is `daysAgo` in the past, so what it writes with 1-day retention has expired. */
const expiredOptions = (daysAgo: number) => ({
  retentionDays: 1,
  clock: () => new Date(Date.now() - daysAgo * DAY_MS),
});
const expiredWriter = (daysAgo: number) =>
  new DynamoDeliveryRepository(dynamo.doc, dynamo.tables.deliveries, expiredOptions(daysAgo));
const expiredEventWriter = (daysAgo: number) =>
  new DynamoEventRepository(dynamo.doc, dynamo.tables.deliveries, expiredOptions(daysAgo));

/** n deliveries of one webhook, event ulids increasing with time (index 0 oldest). */
async function seedDeliveries(
  count: number,
  statusOf: (index: number) => DeliveryStatus,
): Promise<{ accountId: string; webhookId: string; created: Delivery[] }> {
  const accountId = newAccountId();
  const webhookId = newWebhookId();
  const created: Delivery[] = [];
  for (let index = 0; index < count; index++) {
    const delivery = aDelivery({
      accountId,
      webhookId,
      eventId: newEventId(T0 + index * 1000),
      status: statusOf(index),
    });
    await deliveries.createDelivery(delivery);
    created.push(delivery);
  }
  return { accountId, webhookId, created };
}

async function listAll(
  accountId: string,
  webhookId: string,
  status: DeliveryStatus | undefined,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await deliveries.listDeliveries(accountId, webhookId, status ? { status } : {}, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((delivery) => delivery.id));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('listDeliveries did not end');
}

describe('DynamoDeliveryRepository: events', () => {
  it('stores an event once and reads it back', async () => {
    // Prepare
    const event = anEvent({ idempotencyKey: 'order-1', data: { nested: { deep: [1, 2.5, 'x', null] } } });

    // Act
    await eventStore.putEvent(event);
    await eventStore.putEvent({ ...event, data: { replay: true } });

    // Assess
    expect(await eventStore.getEvent(event.accountId, event.id)).toEqual(event);
    expect(await eventStore.getEvent(event.accountId, newEventId(T0))).toBeUndefined();
  });

  it('hides an expired event', async () => {
    // Prepare
    const event = anEvent();
    await expiredEventWriter(3).putEvent(event);

    // Act
    const found = await eventStore.getEvent(event.accountId, event.id);

    // Assess
    expect(found).toBeUndefined();
  });
});

describe('DynamoDeliveryRepository: deliveries', () => {
  it('creates a delivery once; a replayed create returns the existing record', async () => {
    // Prepare
    const delivery = aDelivery();

    // Act
    const first = await deliveries.createDelivery(delivery);
    const second = await deliveries.createDelivery({ ...delivery, eventType: 'replayed' });

    // Assess
    expect(first).toEqual({ created: true });
    expect(second).toEqual({ created: false, existing: delivery });
    expect(await deliveries.getDelivery(delivery.id)).toEqual(delivery);
    expect(await deliveries.getDelivery('dlv_garbage')).toBeUndefined();
  });

  it('records attempts in order, once per attempt number', async () => {
    // Prepare
    const delivery = aDelivery();
    await deliveries.createDelivery(delivery);
    const failedAttempt = anAttempt({
      attempt: 1,
      statusCode: 503,
      responseBody: 'busy',
      responseTimeMs: 80,
    });
    const timeout = anAttempt({
      attempt: 2,
      statusCode: undefined,
      responseBody: undefined,
      error: 'timeout',
    });
    const success = anAttempt({ attempt: 3, statusCode: 204, responseBody: undefined, responseTimeMs: 45 });

    // Act
    const first = await deliveries.recordAttempt(delivery.id, failedAttempt, {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:00:05.000Z',
    });
    const duplicate = await deliveries.recordAttempt(delivery.id, failedAttempt, {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:00:05.000Z',
    });
    const second = await deliveries.recordAttempt(delivery.id, timeout, {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:01:00.000Z',
    });
    const third = await deliveries.recordAttempt(delivery.id, success, { status: 'succeeded' });
    const late = await deliveries.recordAttempt(delivery.id, anAttempt({ attempt: 3 }), { status: 'failed' });

    // Assess
    expect([first, duplicate, second, third, late]).toEqual([true, false, true, true, false]);
    const stored = await deliveries.getDelivery(delivery.id);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.attemptCount).toBe(3);
    expect(stored?.attempts).toEqual([failedAttempt, timeout, success]);
    expect(stored?.lastStatusCode).toBe(204);
    expect(stored?.lastResponseTimeMs).toBe(45);
    expect(stored).not.toHaveProperty('nextAttemptAt');
    expect(await deliveries.recordAttempt('dlv_garbage', success, { status: 'succeeded' })).toBe(false);
  });

  it('lists failed deliveries from the failed index, not succeeded ones', async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const failing = aDelivery({ accountId, webhookId, eventId: newEventId(T0) });
    const succeeding = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 1000) });
    await deliveries.createDelivery(failing);
    await deliveries.createDelivery(succeeding);

    // Act
    await deliveries.recordAttempt(failing.id, anAttempt({ statusCode: 500 }), {
      status: 'failed',
      failureReason: 'max_retries',
    });
    await deliveries.recordAttempt(succeeding.id, anAttempt(), { status: 'succeeded' });

    // Assess
    const failed = await deliveries.listDeliveries(accountId, webhookId, { status: 'failed' }, { limit: 10 });
    expect(failed.items.map((delivery) => delivery.id)).toEqual([failing.id]);
    expect(failed.items[0]?.failureReason).toBe('max_retries');
    expect(await listAll(accountId, webhookId, 'succeeded', 10)).toEqual([succeeding.id]);
    expect(await listAll(accountId, webhookId, undefined, 10)).toEqual([succeeding.id, failing.id]);
  });

  it('lists newest first and pages with a cursor', async () => {
    // Prepare
    const { accountId, webhookId, created } = await seedDeliveries(9, () => 'pending');
    const newestFirst = created.map((delivery) => delivery.id).reverse();

    // Act
    const first = await deliveries.listDeliveries(accountId, webhookId, {}, { limit: 4 });
    const all = await listAll(accountId, webhookId, undefined, 4);

    // Assess
    expect(first.items.map((delivery) => delivery.id)).toEqual(newestFirst.slice(0, 4));
    expect(first.nextCursor).toBeDefined();
    expect(all).toEqual(newestFirst);
    expect(await listAll(accountId, webhookId, undefined, 9)).toEqual(newestFirst);
  });

  it('pages a sparse status filter without skipping or repeating items', async () => {
    // Prepare: 120 deliveries, every 13th pending, the rest succeeded (more than one 50-item page)
    const { accountId, webhookId, created } = await seedDeliveries(120, (index) =>
      index % 13 === 0 ? 'pending' : 'succeeded',
    );
    const pendingNewestFirst = created
      .filter((delivery) => delivery.status === 'pending')
      .map((delivery) => delivery.id)
      .reverse();

    for (const limit of [1, 2, 3, 10]) {
      // Act
      const listed = await listAll(accountId, webhookId, 'pending', limit);

      // Assess
      expect(listed).toEqual(pendingNewestFirst);
    }
    expect(await listAll(accountId, webhookId, 'succeeded', 7)).toHaveLength(120 - pendingNewestFirst.length);
  });

  it('pages the failed index newest first', async () => {
    // Prepare
    const { accountId, webhookId, created } = await seedDeliveries(7, (index) =>
      index % 2 === 0 ? 'failed' : 'succeeded',
    );
    const failedNewestFirst = created
      .filter((delivery) => delivery.status === 'failed')
      .map((delivery) => delivery.id)
      .reverse();

    // Act
    const listed = await listAll(accountId, webhookId, 'failed', 1);

    // Assess
    expect(listed).toEqual(failedNewestFirst);
    expect(await listAll(accountId, webhookId, 'failed', 3)).toEqual(failedNewestFirst);
  });

  it("never lists another account's deliveries and rejects foreign or garbage cursors", async () => {
    // Prepare
    const { accountId, webhookId } = await seedDeliveries(3, () => 'failed');
    const page = await deliveries.listDeliveries(accountId, webhookId, {}, { limit: 1 });
    const failedPage = await deliveries.listDeliveries(
      accountId,
      webhookId,
      { status: 'failed' },
      { limit: 1 },
    );

    // Act
    const foreign = await deliveries.listDeliveries(newAccountId(), webhookId, {}, { limit: 10 });
    const otherWebhook = await rejection(
      deliveries.listDeliveries(accountId, newWebhookId(), {}, { limit: 1, cursor: page.nextCursor! }),
    );
    const wrongIndex = await rejection(
      deliveries.listDeliveries(
        accountId,
        webhookId,
        { status: 'failed' },
        { limit: 1, cursor: page.nextCursor! },
      ),
    );
    const wrongBase = await rejection(
      deliveries.listDeliveries(accountId, webhookId, {}, { limit: 1, cursor: failedPage.nextCursor! }),
    );
    const garbage = await rejection(
      deliveries.listDeliveries(accountId, webhookId, {}, { limit: 1, cursor: encodeCursor({ pk: 1 }) }),
    );

    // Assess
    expect(foreign.items).toEqual([]);
    for (const error of [otherWebhook, wrongIndex, wrongBase, garbage])
      expect(error.code).toBe('validation_error');
  });

  it('hides expired deliveries from get, list and findOverdue', async () => {
    // Prepare
    const old = expiredWriter(5);
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const expired = aDelivery({ accountId, webhookId, eventId: newEventId(T0), status: 'failed' });
    const retrying = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 1) });
    const live = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 2) });
    await old.createDelivery(expired);
    await old.createDelivery(retrying);
    await old.recordAttempt(retrying.id, anAttempt({ statusCode: 500 }), {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:00:05.000Z',
    });
    await deliveries.createDelivery(live);

    // Act
    const got = await deliveries.getDelivery(expired.id);
    const listed = await listAll(accountId, webhookId, undefined, 1);
    const failed = await listAll(accountId, webhookId, 'failed', 1);
    const overdue = await deliveries.findOverdue('2025-01-16T00:00:00.000Z', 1000);
    const reopened = await deliveries.reopen(
      expired.id,
      { status: expired.status, attemptCount: expired.attemptCount },
      '2025-01-15T11:00:00.000Z',
    );

    // Assess
    expect(got).toBeUndefined();
    expect(listed).toEqual([live.id]);
    expect(failed).toEqual([]);
    expect(overdue.map((delivery) => delivery.id)).not.toContain(retrying.id);
    expect(reopened).toBe(false);
  });

  it('finds a scheduled retry as overdue, not a succeeded delivery nor one due later', async () => {
    // Prepare
    const webhookId = newWebhookId();
    const retrying = aDelivery({ webhookId, eventId: newEventId(T0) });
    const succeeded = aDelivery({ webhookId, eventId: newEventId(T0 + 1) });
    const later = aDelivery({ webhookId, eventId: newEventId(T0 + 2) });
    for (const delivery of [retrying, succeeded, later]) await deliveries.createDelivery(delivery);
    await deliveries.recordAttempt(retrying.id, anAttempt({ statusCode: 500 }), {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:05:00.000Z',
    });
    await deliveries.recordAttempt(succeeded.id, anAttempt({ statusCode: 500 }), {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:05:00.000Z',
    });
    await deliveries.recordAttempt(succeeded.id, anAttempt({ attempt: 2 }), { status: 'succeeded' });
    await deliveries.recordAttempt(later.id, anAttempt({ statusCode: 500 }), {
      status: 'pending',
      nextAttemptAt: '2025-01-15T12:00:00.000Z',
    });

    // Act
    const overdue = await deliveries.findOverdue('2025-01-15T10:10:00.000Z', 1000);

    // Assess
    const mine = overdue.filter((delivery) => delivery.webhookId === webhookId);
    expect(mine.map((delivery) => delivery.id)).toEqual([retrying.id]);
    expect(mine[0]?.nextAttemptAt).toBe('2025-01-15T10:05:00.000Z');
    const sorted = [...overdue].sort((a, b) => (a.nextAttemptAt! < b.nextAttemptAt! ? -1 : 1));
    expect(overdue.map((d) => d.nextAttemptAt)).toEqual(sorted.map((d) => d.nextAttemptAt));
  });

  it('finds overdue deliveries across shards up to the limit', async () => {
    // Prepare
    const webhookId = newWebhookId();
    const due = Array.from({ length: 12 }, (_, index) =>
      aDelivery({ webhookId, eventId: newEventId(T0 + index) }),
    );
    for (const [index, delivery] of due.entries()) {
      await deliveries.createDelivery(delivery);
      await deliveries.recordAttempt(delivery.id, anAttempt({ statusCode: 500 }), {
        status: 'pending',
        nextAttemptAt: new Date(Date.parse('2000-01-01T00:00:00.000Z') + index * 1000).toISOString(),
      });
    }

    // Act
    const overdue = await deliveries.findOverdue('2000-01-02T00:00:00.000Z', 5);

    // Assess
    expect(overdue.map((delivery) => delivery.id)).toEqual(due.slice(0, 5).map((delivery) => delivery.id));
  });

  it('marks a pending delivery failed, and leaves a final one alone', async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const pending = aDelivery({ accountId, webhookId, eventId: newEventId(T0) });
    const done = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 1) });
    await deliveries.createDelivery(pending);
    await deliveries.createDelivery(done);
    await deliveries.recordAttempt(pending.id, anAttempt({ statusCode: 500 }), {
      status: 'pending',
      nextAttemptAt: '2025-01-15T10:05:00.000Z',
    });
    await deliveries.recordAttempt(done.id, anAttempt(), { status: 'succeeded' });

    // Act
    await deliveries.markFailed(pending.id, 'endpoint_paused');
    await deliveries.markFailed(done.id, 'endpoint_paused');

    // Assess
    const failed = await deliveries.getDelivery(pending.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.failureReason).toBe('endpoint_paused');
    expect(failed).not.toHaveProperty('nextAttemptAt');
    expect((await deliveries.getDelivery(done.id))?.status).toBe('succeeded');
    expect(await listAll(accountId, webhookId, 'failed', 10)).toEqual([pending.id]);
    const overdue = await deliveries.findOverdue('2025-01-16T00:00:00.000Z', 1000);
    expect(overdue.map((delivery) => delivery.id)).not.toContain(pending.id);
  });

  it('reopens a failed delivery once, a succeeded one too, and moves a pending one earlier', async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const delivery = aDelivery({ accountId, webhookId });
    await deliveries.createDelivery(delivery);
    await deliveries.recordAttempt(delivery.id, anAttempt({ statusCode: 500 }), {
      status: 'failed',
      failureReason: 'max_retries',
    });
    const asRead = { status: 'failed', attemptCount: 1 } as const;

    // Act
    const reopened = await Promise.all(
      [1, 2, 3].map(() => deliveries.reopen(delivery.id, asRead, '2001-01-01T00:00:00.000Z')),
    );

    // Assess
    expect(reopened.filter(Boolean)).toHaveLength(1);
    const stored = await deliveries.getDelivery(delivery.id);
    expect(stored?.status).toBe('pending');
    expect(stored?.nextAttemptAt).toBe('2001-01-01T00:00:00.000Z');
    expect(stored).not.toHaveProperty('failureReason');
    expect(await listAll(accountId, webhookId, 'failed', 10)).toEqual([]);
    const overdue = await deliveries.findOverdue('2001-01-02T00:00:00.000Z', 1000);
    expect(overdue.map((d) => d.id)).toContain(delivery.id);
    expect(
      await deliveries.recordAttempt(delivery.id, anAttempt({ attempt: 2 }), { status: 'succeeded' }),
    ).toBe(true);
    expect(await deliveries.reopen(delivery.id, asRead, '2001-01-01T00:00:00.000Z')).toBe(false);
    const succeeded = { status: 'succeeded', attemptCount: 2 } as const;
    expect(await deliveries.reopen(delivery.id, succeeded, '2030-01-01T00:00:00.000Z')).toBe(true);
    const later = { status: 'pending', attemptCount: 2, nextAttemptAt: '2030-01-01T00:00:00.000Z' } as const;
    expect(await deliveries.reopen(delivery.id, later, '2001-01-01T00:00:00.000Z')).toBe(true);
    expect(await deliveries.reopen(delivery.id, later, '2001-01-01T00:00:00.000Z')).toBe(false);
    expect((await deliveries.getDelivery(delivery.id))?.nextAttemptAt).toBe('2001-01-01T00:00:00.000Z');
  });

  it('indexes a first attempt as due only when asked to', async () => {
    // Prepare
    const indexing = new DynamoDeliveryRepository(dynamo.doc, dynamo.tables.deliveries, {
      retentionDays: 30,
      indexFirstAttempt: true,
    });
    const indexed = aDelivery({ nextAttemptAt: '2002-01-01T00:00:00.000Z' });
    const plain = aDelivery({ nextAttemptAt: '2002-01-01T00:00:00.000Z' });

    // Act
    await indexing.createDelivery(indexed);
    await deliveries.createDelivery(plain);

    // Assess
    const overdue = (await deliveries.findOverdue('2002-01-02T00:00:00.000Z', 1000)).map((d) => d.id);
    expect(overdue).toContain(indexed.id);
    expect(overdue).not.toContain(plain.id);
  });
});

describe('DynamoIdempotencyRepository', () => {
  it('returns the holder to a second claim and lets an expired claim be taken over', async () => {
    // Prepare
    const now = { value: new Date('2025-01-15T10:00:00.000Z') };
    const claims = new DynamoIdempotencyRepository(dynamo.doc, dynamo.tables.deliveries, {
      retentionDays: 30,
      clock: () => now.value,
    });
    const accountId = newAccountId();
    const first = newEventId(T0);
    const second = newEventId(T0 + 1);
    const third = newEventId(T0 + 2);

    // Act
    const claimed = await claims.claim(accountId, 'order-1', first, '2025-01-16T10:00:00.000Z');
    const duplicate = await claims.claim(accountId, 'order-1', second, '2025-01-16T10:00:00.000Z');
    const otherAccount = await claims.claim(newAccountId(), 'order-1', second, '2025-01-16T10:00:00.000Z');
    now.value = new Date('2025-01-16T10:00:01.000Z');
    const afterExpiry = await claims.claim(accountId, 'order-1', third, '2025-01-17T10:00:01.000Z');
    const afterTakeover = await claims.claim(accountId, 'order-1', second, '2025-01-17T10:00:01.000Z');

    // Assess
    expect(claimed).toBeUndefined();
    expect(duplicate).toBe(first);
    expect(otherAccount).toBeUndefined();
    expect(afterExpiry).toBeUndefined();
    expect(afterTakeover).toBe(third);
  });
});

describe('DynamoStatsRepository', () => {
  it('sums hourly buckets over 24 hours and counts all time exactly', async () => {
    // Prepare
    const stats = new DynamoStatsRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
    const webhookId = newWebhookId();
    const now = new Date('2025-01-15T10:30:00.000Z');

    // Act
    await stats.add(webhookId, '2025011510', {
      successful: 3,
      failed: 1,
      responseTimeMsTotal: 400,
      timed: 4,
    });
    await stats.add(webhookId, '2025011510', {
      successful: 2,
      failed: 0,
      responseTimeMsTotal: 100,
      timed: 2,
    });
    await stats.add(webhookId, '2025011422', {
      successful: 1,
      failed: 2,
      responseTimeMsTotal: 900,
      timed: 3,
    });
    await stats.add(webhookId, '2025011409', { successful: 7, failed: 7, responseTimeMsTotal: 7, timed: 7 }); // 25 h old

    // Assess
    const window = await stats.getWindow(webhookId, now);
    expect(window.last24h).toEqual({
      deliveries: 9,
      successful: 6,
      failed: 3,
      responseTimeMsTotal: 1400,
      timed: 9,
    });
    expect(window.allTime).toEqual({
      totalDeliveries: 23,
      successful: 13,
      failed: 10,
      responseTimeMsTotal: 1407,
      timed: 16,
    });
    expect(await stats.get(webhookId)).toEqual({ totalDeliveries: 23, successful: 13, failed: 10 });
    expect(await stats.get(newWebhookId())).toEqual({ totalDeliveries: 0, successful: 0, failed: 0 });
    expect(hourBucket(now)).toBe('2025011510');
  });

  it('drops buckets that fell out of the window', async () => {
    // Prepare
    const stats = new DynamoStatsRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
    const webhookId = newWebhookId();
    const delta = { successful: 1, failed: 0, responseTimeMsTotal: 10, timed: 1 };
    await stats.add(webhookId, '2025011009', delta); // days before: left behind by a quiet endpoint
    await stats.add(webhookId, '2025011409', delta); // 26 h before the next write

    // Act
    await stats.add(webhookId, '2025011511', delta);

    // Assess
    const { Item: item } = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.deliveries,
        Key: { pk: `WEBHOOK#${webhookId}`, sk: 'STATS' },
      }),
    );
    const buckets = Object.keys(item ?? {}).filter((name) => /^h\d{10}_/.test(name));
    expect(buckets.sort()).toEqual(['h2025011511_fail', 'h2025011511_n', 'h2025011511_ok', 'h2025011511_rt']);
    expect(await stats.get(webhookId)).toEqual({ totalDeliveries: 3, successful: 3, failed: 0 });
  });
});

describe('write capacity', () => {
  it('a delivery put and a small successful attempt cost 1 WCU each', async () => {
    // Prepare: a client that asks for and records ConsumedCapacity on every call
    const consumed: { command: string; units: number | undefined }[] = [];
    const client = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const capacity = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } })
          .ConsumedCapacity;
        consumed.push({ command: String(context.commandName), units: capacity?.CapacityUnits });
        return result;
      },
      { step: 'initialize', name: 'recordConsumedCapacity' },
    );
    const measured = new DynamoDeliveryRepository(client, dynamo.tables.deliveries, {
      retentionDays: 30,
    });
    const delivery = aDelivery({ nextAttemptAt: '2025-01-15T10:00:00.000Z' });

    // Act
    await measured.createDelivery(delivery);
    await measured.recordAttempt(delivery.id, anAttempt({ responseBody: '{"received":true}' }), {
      status: 'succeeded',
    });
    client.destroy();

    // Assess
    expect(consumed).toEqual([
      { command: 'PutItemCommand', units: 1 },
      { command: 'UpdateItemCommand', units: 1 },
    ]);
  });
});

describe('batch reads of a delivery batch', () => {
  it('getDeliveries returns the live deliveries by id, leaving out unknown, malformed and expired ids', async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const live = [0, 1, 2].map((index) =>
      aDelivery({ accountId, webhookId, eventId: newEventId(T0 + index) }),
    );
    for (const delivery of live) await deliveries.createDelivery(delivery);
    const expired = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 9) });
    await expiredWriter(5).createDelivery(expired);
    const unknown = aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 10) }).id;

    // Act
    const found = await deliveries.getDeliveries([
      ...live.map((d) => d.id),
      live[0]!.id,
      expired.id,
      unknown,
      'dlv_bad',
    ]);

    // Assess
    expect([...found.keys()].sort()).toEqual(live.map((delivery) => delivery.id).sort());
    for (const delivery of live)
      expect(found.get(delivery.id)).toEqual(await deliveries.getDelivery(delivery.id));
  });

  it('getEvents returns the live events by id, as getEvent reads them, and leaves out expired ones', async () => {
    // Prepare
    const events = [anEvent(), anEvent({ data: { nested: { list: [1, 'two'] } } })];
    for (const event of events) await eventStore.putEvent(event);
    const expired = anEvent();
    await expiredEventWriter(3).putEvent(expired);

    // Act
    const found = await eventStore.getEvents(
      [events[0]!, events[1]!, events[0]!, expired].map(({ accountId, id }) => ({ accountId, eventId: id })),
    );

    // Assess
    expect(found.size).toBe(2);
    for (const event of events)
      expect(found.get(event.id)).toEqual(await eventStore.getEvent(event.accountId, event.id));
  });
});

describe('scanPending (the local runtime sweep after a crash)', () => {
  it('finds every live pending delivery from the table itself, and nothing succeeded, failed or expired', async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const make = (index: number) =>
      aDelivery({ accountId, webhookId, eventId: newEventId(T0 + 500 + index) });
    const pending = [make(0), make(1)];
    const succeeded = make(2);
    const failed = make(3);
    const expired = make(4);
    for (const delivery of [...pending, succeeded, failed]) await deliveries.createDelivery(delivery);
    await deliveries.recordAttempt(succeeded.id, anAttempt(), { status: 'succeeded' });
    await deliveries.recordAttempt(failed.id, anAttempt({ statusCode: 400 }), {
      status: 'failed',
      failureReason: 'rejected',
    });
    await expiredWriter(5).createDelivery(expired);

    // Act
    const found = new Set((await deliveries.scanPending(100_000)).map((delivery) => delivery.id));
    const limited = await deliveries.scanPending(1);

    // Assess
    for (const delivery of pending) expect(found.has(delivery.id)).toBe(true);
    for (const delivery of [succeeded, failed, expired]) expect(found.has(delivery.id)).toBe(false);
    expect(limited).toHaveLength(1);
  });
});
