import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../lambdas/adapters/dynamodb/client.js';
import { DynamoDeliveryRepository } from '../../lambdas/adapters/dynamodb/delivery-store.js';
import {
  DynamoEventLog,
  EVENT_LOG_SHARDS,
  eventLogKey,
  eventLogPk,
  eventLogShard,
  MAX_EVALUATED,
} from '../../lambdas/adapters/dynamodb/event-log-store.js';
import { DynamoEventRepository } from '../../lambdas/adapters/dynamodb/event-store.js';
import { DynamoStatsRepository } from '../../lambdas/adapters/dynamodb/stats-store.js';
import { GetCommand, PutCommand, QueryCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { deliveryIdFor, newAccountId, newEventId, newWebhookId } from '../../lambdas/domain/ids.js';
import type { WebhookEvent } from '../../lambdas/domain/model.js';
import type { PageRequest } from '../../lambdas/domain/ports/paging.js';
import { rejection } from '../support/assertions.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anEvent } from '../support/factories.js';

/**
 * The event log (docs/storage.md, "Event log") against dynalite: entries over 4 shards merged
 * newest first, overflow pages, the account-wide delivery search by key, cursors, the purge.
 */

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const TYPES = ['order.a', 'order.b', 'order.c'] as const;

let dynamo: TestDynamo;
let log: DynamoEventLog;
let events: DynamoEventRepository;
let deliveries: DynamoDeliveryRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  const options = { retentionDays: 30 };
  log = new DynamoEventLog(dynamo.doc, dynamo.tables.deliveries, options);
  events = new DynamoEventRepository(dynamo.doc, dynamo.tables.deliveries, options);
  deliveries = new DynamoDeliveryRepository(dynamo.doc, dynamo.tables.deliveries, options);
});

afterAll(async () => {
  await dynamo?.stop();
});

async function pagesOf<T>(
  list: (page: PageRequest) => Promise<{ items: readonly T[]; nextCursor?: string }>,
  limit: number,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit, cursor });
    pages.push([...page.items]);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 1000);
  return pages;
}

/** An event stored and logged as fan-out does it (one write), with a delivery per endpoint. */
async function published(
  accountId: string,
  index: number,
  webhookIds: readonly string[] = [],
  overrides: Partial<WebhookEvent> = {},
): Promise<WebhookEvent> {
  const event = anEvent({
    accountId,
    type: TYPES[index % TYPES.length],
    timeMs: T0 + index * 1000,
    timestamp: new Date(T0 + index * 1000).toISOString(),
    ...overrides,
  });
  await events.putEvent(event, 'admitted', { index: 0, webhookIds, more: false });
  for (const webhookId of webhookIds) {
    await deliveries.createDelivery(
      aDelivery({ accountId, webhookId, eventId: event.id, eventType: event.type, status: 'succeeded' }),
    );
  }
  return event;
}

describe('GET /v1/events on the log', () => {
  it('pages exactly the expected events, whatever the shards, filters and page sizes', async () => {
    // Prepare: 60 events of one account over the 4 shards (each of the other account in between)
    const accountId = newAccountId();
    const other = newAccountId();
    const stored: WebhookEvent[] = [];
    for (let index = 0; index < 60; index++) {
      stored.push(await published(accountId, index));
      await published(other, index);
    }
    expect(new Set(stored.map((event) => eventLogShard(event.id))).size).toBe(EVENT_LOG_SHARDS);
    const newestFirst = [...stored].reverse();

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
        fc.option(fc.nat(59), { nil: undefined }),
        fc.option(fc.nat(59), { nil: undefined }),
        fc.integer({ min: 1, max: 25 }),
        async (type, sinceIndex, untilIndex, limit) => {
          const since = sinceIndex === undefined ? undefined : new Date(T0 + sinceIndex * 1000).toISOString();
          const until = untilIndex === undefined ? undefined : new Date(T0 + untilIndex * 1000).toISOString();
          const expected = newestFirst
            .filter((event) => type === undefined || event.type === type)
            .filter((event) => since === undefined || event.timestamp >= since)
            .filter((event) => until === undefined || event.timestamp <= until)
            .map((event) => event.id);
          const pages = await pagesOf((page) => log.list(accountId, { type, since, until }, page), limit);
          const ids = pages.flat().map((event) => event.id);
          expect(ids).toEqual(expected);
          for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
        },
      ),
      // Page size 1 always: a cursor's own entry must not hold its shard back.
      {
        numRuns: 40,
        examples: [
          [undefined, undefined, undefined, 1],
          ['order.b', 10, 50, 1],
        ],
      },
    );
  });

  it('returns full pages newest first without a filter, with what a summary shows', async () => {
    // Prepare
    const accountId = newAccountId();
    const first = await published(accountId, 0, [], { idempotencyKey: 'key-1' });
    const test = await published(accountId, 1, [], { test: true });
    for (let index = 2; index < 12; index++) await published(accountId, index);

    // Act
    const pages = await pagesOf((page) => log.list(accountId, {}, page), 5);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    const all = pages.flat();
    expect(all.at(-1)).toEqual({
      id: first.id,
      type: first.type,
      timestamp: first.timestamp,
      idempotencyKey: 'key-1',
    });
    expect(all.at(-2)).toMatchObject({ id: test.id, test: true });
  });

  it('reads a bounded number of entries for a rare type, and goes on with a cursor', async () => {
    // Prepare: 400 common events, then one rare one at the very start
    const accountId = newAccountId();
    const rare = await published(accountId, 0, [], { type: 'rare.type' });
    for (let index = 1; index <= 400; index++) {
      const event = anEvent({ accountId, type: 'order.a', timeMs: T0 + index * 10 });
      await log.recordFanOut(event, { index: 0, webhookIds: [], more: false });
    }

    // Act
    const first = await log.list(accountId, { type: 'rare.type' }, { limit: 10 });
    const pages = await pagesOf((page) => log.list(accountId, { type: 'rare.type' }, page), 10);

    // Assess: the first call stops short (≤ 250 read), the pages end with the rare event
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(pages.flat().map((event) => event.id)).toEqual([rare.id]);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(401 / MAX_EVALUATED));
  });

  it('refuses forged, foreign and malformed cursors as validation errors', async () => {
    // Prepare
    const accountId = newAccountId();
    const other = newAccountId();
    for (let index = 0; index < 3; index++) await published(other, index);
    const foreign = (await log.list(other, {}, { limit: 1 })).nextCursor!;

    // Act + Assess
    for (const cursor of [
      foreign,
      'not base64!',
      encodeCursor({ pk: `EVENTLOG#${accountId}`, e: 'evt_nope' }),
      encodeCursor({ pk: `EVENTLOG#${accountId}`, e: newEventId(T0), x: 'y' }),
      encodeCursor({ pk: `EVENTLOG#${accountId}`, e: newEventId(T0), w: newWebhookId() }),
    ]) {
      const error = await rejection(log.list(accountId, {}, { limit: 5, cursor }));
      expect(error).toMatchObject({ code: 'validation_error' });
    }
  });
});

describe('an event fanned out to many endpoints', () => {
  it('keeps 25 endpoints in the entry and the rest in overflow pages, replays adding nothing', async () => {
    // Prepare: 2 subscription pages (1,000 + 30 endpoints)
    const accountId = newAccountId();
    const event = anEvent({ accountId });
    await events.putEvent(event);
    const webhookIds = Array.from({ length: 1030 }, () => newWebhookId());
    const pageOne = webhookIds.slice(0, 1000);
    const pageTwo = webhookIds.slice(1000);

    // Act: the fan-out, then a replay of its first page
    await log.recordFanOut(event, { index: 0, webhookIds: pageOne, more: true });
    await log.recordFanOut(event, { index: 1, webhookIds: pageTwo, more: false });
    await log.recordFanOut(event, { index: 0, webhookIds: pageOne, more: true });
    for (const webhookId of webhookIds.slice(0, 120)) {
      await deliveries.createDelivery(
        aDelivery({ accountId, webhookId, eventId: event.id, eventType: event.type, status: 'failed' }),
      );
    }

    // Assess: the entry holds 25; every endpoint is listed once, paged; the deliveries not stored
    // (their first attempt has not ended) show as pending
    const { Items: entry = [] } = await dynamo.doc.send(
      new QueryCommand({
        TableName: dynamo.tables.deliveries,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': eventLogPk(accountId, eventLogShard(event.id)), ':sk': event.id },
      }),
    );
    expect((entry[0]?.webhook_ids as Set<string> | undefined)?.size).toBe(25);
    expect(entry[0]?.overflow).toBe(true);
    const pages = await pagesOf((page) => log.eventDeliveries(accountId, event.id, page), 100);
    expect(pages.length).toBe(11);
    const listed = pages.flat();
    expect(listed.map((delivery) => delivery.webhookId)).toEqual([...webhookIds].sort());
    const stored = new Set(webhookIds.slice(0, 120));
    const unstored = webhookIds.find((webhookId) => !stored.has(webhookId))!;
    expect(
      listed.filter((delivery) => delivery.status === 'failed').map((delivery) => delivery.webhookId),
    ).toEqual([...stored].sort());
    expect(listed.find((delivery) => delivery.webhookId === unstored)).toEqual({
      webhookId: unstored,
      deliveryId: deliveryIdFor(event.id, unstored),
      status: 'pending',
      attemptCount: 0,
    });
  });

  it("shows no deliveries of another account's event, and an unlogged event has none", async () => {
    // Prepare
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const event = await published(newAccountId(), 0, [webhookId]);

    // Act
    const foreign = await log.eventDeliveries(accountId, event.id, { limit: 10 });
    const unlogged = await log.eventDeliveries(accountId, newEventId(T0), { limit: 10 });

    // Assess
    expect(foreign.items).toEqual([]);
    expect(unlogged.items).toEqual([]);
  });
});

describe('the account-wide delivery search', () => {
  it('walks events newest first and their endpoints in order, filtered, without misses or repeats', async () => {
    // Prepare: 30 events to 1–3 of 3 endpoints; a third of the deliveries failed
    const accountId = newAccountId();
    const webhooks = [newWebhookId(), newWebhookId(), newWebhookId()].sort();
    const expected: { id: string; eventType: string; status: string; eventId: string }[] = [];
    for (let index = 0; index < 30; index++) {
      const targets = webhooks.slice(0, 1 + (index % 3));
      const event = anEvent({ accountId, type: TYPES[index % 3], timeMs: T0 + index * 1000 });
      await events.putEvent(event);
      await log.recordFanOut(event, { index: 0, webhookIds: targets, more: false });
      for (const webhookId of targets) {
        const status = (index + webhookId.length) % 3 === 0 ? 'failed' : 'succeeded';
        const delivery = aDelivery({
          accountId,
          webhookId,
          eventId: event.id,
          eventType: event.type,
          status,
        });
        await deliveries.createDelivery(delivery);
        expected.unshift({ id: delivery.id, eventType: event.type, status, eventId: event.id });
      }
    }
    // Within one event, webhook id order (the unshift above reversed it)
    const ordered = expected.sort((a, b) =>
      a.eventId === b.eventId ? (a.id < b.id ? -1 : 1) : a.eventId < b.eventId ? 1 : -1,
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
        fc.option(fc.constantFrom('failed' as const, 'succeeded' as const), { nil: undefined }),
        fc.integer({ min: 1, max: 7 }),
        async (eventType, status, limit) => {
          const pages = await pagesOf(
            (page) => log.searchDeliveries(accountId, { eventType, status }, page),
            limit,
          );
          const want = ordered
            .filter((delivery) => eventType === undefined || delivery.eventType === eventType)
            .filter((delivery) => status === undefined || delivery.status === status)
            .map((delivery) => delivery.id);
          expect(pages.flat().map((delivery) => delivery.id)).toEqual(want);
        },
      ),
      { numRuns: 25, examples: [[undefined, undefined, 1]] },
    );
  });

  it("never returns a delivery that is not the caller's, whatever the log says", async () => {
    // Prepare: an entry of account A naming B's endpoint, whose delivery is B's
    const accountA = newAccountId();
    const webhookId = newWebhookId();
    const event = anEvent({ accountId: accountA });
    await log.recordFanOut(event, { index: 0, webhookIds: [webhookId], more: false });
    await deliveries.createDelivery(
      aDelivery({ accountId: newAccountId(), webhookId, eventId: event.id, eventType: event.type }),
    );

    // Act
    const page = await log.searchDeliveries(accountA, {}, { limit: 10 });

    // Assess
    expect(page.items).toEqual([]);
  });
});

describe("an endpoint's own deliveries", () => {
  it('take the event type and time window filters, and refuse a cursor outside the window', async () => {
    // Prepare: 6 events a second apart (types a, b, c, a, b, c) to one endpoint
    const accountId = newAccountId();
    const webhookId = newWebhookId();
    const stored: WebhookEvent[] = [];
    for (let index = 0; index < 6; index++) stored.push(await published(accountId, index, [webhookId]));
    const at = (index: number) => stored[index]!.timestamp;

    // Act
    const typed = await deliveries.listDeliveries(
      accountId,
      webhookId,
      { eventType: 'order.a' },
      { limit: 10 },
    );
    const window = await deliveries.listDeliveries(
      accountId,
      webhookId,
      { since: at(1), until: at(3) },
      { limit: 2 },
    );
    const rest = await deliveries.listDeliveries(
      accountId,
      webhookId,
      { since: at(1), until: at(3) },
      { limit: 2, cursor: window.nextCursor },
    );
    const outside = await rejection(
      deliveries.listDeliveries(
        accountId,
        webhookId,
        { until: at(0) },
        { limit: 2, cursor: window.nextCursor },
      ),
    );

    // Assess
    expect(typed.items.map((delivery) => delivery.eventId)).toEqual([stored[3]!.id, stored[0]!.id]);
    expect([...window.items, ...rest.items].map((delivery) => delivery.eventId)).toEqual(
      [stored[3]!, stored[2]!, stored[1]!].map((event) => event.id),
    );
    expect(rest.nextCursor).toBeUndefined();
    expect(outside).toMatchObject({ code: 'validation_error' });
  });
});

describe('stats of test sends', () => {
  it('count apart from the live counters and the window', async () => {
    // Prepare
    const stats = new DynamoStatsRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
    const webhookId = newWebhookId();
    const hour = '2026030110';
    const none = { successful: 0, failed: 0, responseTimeMsTotal: 0, timed: 0 };

    // Act: a live success, then test sends, one of them reopened (resend)
    await stats.add(webhookId, hour, { successful: 1, failed: 0, responseTimeMsTotal: 20, timed: 1 });
    await stats.add(webhookId, hour, { ...none, testSuccessful: 2, testFailed: 1 });
    await stats.add(webhookId, hour, { ...none, testFailed: -1 });

    // Assess
    const window = await stats.getWindow(webhookId, new Date(T0));
    expect(window.last24h).toMatchObject({ deliveries: 1, successful: 1, failed: 0, timed: 1 });
    expect(window.allTime).toMatchObject({
      totalDeliveries: 1,
      successful: 1,
      failed: 0,
      testSends: { successful: 2, failed: 0 },
    });
  });
});

describe('purgeAccountLog', () => {
  it("removes the account's entries, event items and overflow pages within the budget, and no one else's", async () => {
    // Prepare
    const accountId = newAccountId();
    const other = newAccountId();
    const big = anEvent({ accountId });
    // Stored as fan-out stores it: the event with page 0's endpoints, 15 of them in an overflow page.
    await events.putEvent(big, 'admitted', {
      index: 0,
      webhookIds: Array.from({ length: 40 }, newWebhookId),
      more: false,
    });
    const fannedOutTo = (await log.eventDeliveries(accountId, big.id, { limit: 100 })).items.length;
    for (let index = 0; index < 30; index++) await published(accountId, index);
    const kept = await published(other, 0);
    // One stored before issue 13: its own event item, an entry without the payload.
    const old = anEvent({ accountId });
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.deliveries,
        Item: {
          pk: `EVENT#${old.id}`,
          sk: '#EVENT',
          account_id: accountId,
          type: old.type,
          data: '{}',
          timestamp: old.timestamp,
          admission: 'admitted',
          expires_at: expiresAt,
        },
      }),
    );
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tables.deliveries,
        Item: {
          ...eventLogKey(accountId, old.id),
          type: old.type,
          created_at: old.timestamp,
          expires_at: expiresAt,
        },
      }),
    );
    const oldReadBefore = await events.getEvent(accountId, old.id);

    // Act
    const first = await log.purgeAccountLog(accountId, 20);
    let rest = { removed: 0, done: false };
    for (let round = 0; round < 5 && !rest.done; round++) rest = await log.purgeAccountLog(accountId, 20);

    // Assess
    expect([fannedOutTo, oldReadBefore?.id]).toEqual([40, old.id]);
    expect(first).toEqual({ removed: 20, done: false });
    expect(rest.done).toBe(true);
    expect(await events.getEvent(accountId, old.id)).toBeUndefined();
    const { Item: oldItem } = await dynamo.doc.send(
      new GetCommand({ TableName: dynamo.tables.deliveries, Key: { pk: `EVENT#${old.id}`, sk: '#EVENT' } }),
    );
    expect(oldItem).toBeUndefined();
    expect((await log.list(accountId, {}, { limit: 50 })).items).toEqual([]);
    expect(await events.getEvent(accountId, big.id)).toBeUndefined();
    const { Items: overflow = [] } = await dynamo.doc.send(
      new QueryCommand({
        TableName: dynamo.tables.deliveries,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `EVENT#${big.id}` },
      }),
    );
    expect(overflow).toEqual([]);
    expect((await log.list(other, {}, { limit: 5 })).items.map((event) => event.id)).toEqual([kept.id]);
    expect(await events.getEvent(other, kept.id)).toBeDefined();
  });
});
