import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoEventRepository } from '../../lambdas/adapters/dynamodb/event-store.js';
import { DynamoHistoryPurgeRepository } from '../../lambdas/adapters/dynamodb/history-purge-store.js';
import { DynamoStatsRepository } from '../../lambdas/adapters/dynamodb/stats-store.js';
import { DynamoUsageRepository } from '../../lambdas/adapters/dynamodb/usage-store.js';
import { GetCommand, QueryCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { createDependencies, dynamoDbPorts } from '../../lambdas/composition.js';
import { deliveryIdFor, newAccountId, newEventId, newWebhookId } from '../../lambdas/domain/ids.js';
import type { Plan, WebhookEvent } from '../../lambdas/domain/model.js';
import { usageDay, withPlanLimitOverrides } from '../../lambdas/domain/plans.js';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../../lambdas/domain/ports/queues.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { fanOut } from '../../lambdas/services/fanout.js';
import { getDelivery } from '../../lambdas/services/history.js';
import { continueHistoryPurges } from '../../lambdas/services/retention.js';
import { assertEventQuota, getUsage, reserveWebhookSlot } from '../../lambdas/services/usage.js';
import { deleteWebhook } from '../../lambdas/services/webhooks.js';
import { rejection } from '../support/assertions.js';
import { dynamoConfig, startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anAccount, anEvent, aWebhook } from '../support/factories.js';

/**
 * Plan quotas and history removal against a real DynamoDB engine (dynalite): the usage-day
 * counters, fan-out's admission (idempotent for replays, whole events only), the UTC day boundary
 * with a fixed clock, and purging a deleted webhook's history inline and in the background.
 */

let dynamo: TestDynamo;
let usage: DynamoUsageRepository;
let store: DynamoEventRepository;
let purges: DynamoHistoryPurgeRepository;
let stats: DynamoStatsRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  usage = new DynamoUsageRepository(dynamo.doc, dynamo.tables.config);
  store = new DynamoEventRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
  purges = new DynamoHistoryPurgeRepository(dynamo.doc, dynamo.tables.deliveries);
  stats = new DynamoStatsRepository(dynamo.doc, dynamo.tables.deliveries, { retentionDays: 30 });
});

afterAll(async () => {
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

/** Real DynamoDB adapters, a recording queue, a clock the test moves, and small plan limits. */
function dependencies(
  clock: { now: Date },
  queue = new RecordingQueue(),
): Dependencies & { queue: RecordingQueue } {
  const deps = createDependencies(
    dynamoConfig(dynamo, {
      planLimits: withPlanLimitOverrides({ scale: { maxWebhooks: 2, maxEventsPerDay: 2 } }),
    }),
    { ...dynamoDbPorts, queue: () => queue },
  );
  Object.defineProperty(deps, 'clock', { value: { now: () => clock.now } });
  return deps as Dependencies & { queue: RecordingQueue };
}

async function anAccountOnPlan(deps: Dependencies, plan: Plan): Promise<string> {
  const account = anAccount({ plan });
  await deps.accounts.create(account);
  return account.id;
}

async function deliveryItems(webhookId: string): Promise<Record<string, unknown>[]> {
  const result = await dynamo.doc.send(
    new QueryCommand({
      TableName: dynamo.tables.deliveries,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WEBHOOK#${webhookId}` },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

describe('DynamoUsageRepository', () => {
  it('admits at limit−1 and at the limit, drops at limit+1, and counts both', async () => {
    // Prepare
    const accountId = newAccountId();
    const day = '2025-01-15';
    // Act
    const decisions = [];
    for (let index = 0; index < 4; index++) decisions.push(await usage.admitEvent(accountId, day, 3));
    // Assess
    expect(decisions).toEqual([true, true, true, false]);
    expect(await usage.get(accountId, day)).toEqual({ events: 3, dropped: 1 });
  });

  it('never admits more than the limit under concurrency', async () => {
    // Prepare
    const accountId = newAccountId();
    const day = '2025-01-15';
    // Act
    const decisions = await Promise.all(
      Array.from({ length: 25 }, () => usage.admitEvent(accountId, day, 7)),
    );
    // Assess
    expect(decisions.filter(Boolean)).toHaveLength(7);
    expect(await usage.get(accountId, day)).toEqual({ events: 7, dropped: 18 });
  });

  it('admits a batch whole while it fits, the room left of one that does not, and counts the rest dropped', async () => {
    // Prepare: room for 7
    const accountId = newAccountId();
    const day = '2025-01-15';
    // Act
    const admitted = [
      await usage.admitEvents(accountId, day, 7, 4),
      await usage.admitEvents(accountId, day, 7, 4),
      await usage.admitEvents(accountId, day, 7, 4),
      await usage.admitEvents(accountId, '2025-01-16', null, 5),
    ];
    // Assess
    expect(admitted).toEqual([4, 3, 0, 5]);
    expect(await usage.get(accountId, day)).toEqual({ events: 7, dropped: 5 });
  });

  it('never admits more than the limit when batches race', async () => {
    // Prepare
    const accountId = newAccountId();
    const day = '2025-01-15';
    // Act: 10 batches of 3 against room for 20
    const admitted = await Promise.all(
      Array.from({ length: 10 }, () => usage.admitEvents(accountId, day, 20, 3)),
    );
    // Assess
    expect(admitted.reduce((sum, count) => sum + count, 0)).toBe(20);
    expect(await usage.get(accountId, day)).toEqual({ events: 20, dropped: 10 });
  });

  it('counts without a limit, admits nothing with a limit of 0, and keeps days apart', async () => {
    // Prepare
    const accountId = newAccountId();
    // Act
    const unlimited = [];
    for (let index = 0; index < 3; index++)
      unlimited.push(await usage.admitEvent(accountId, '2025-01-15', null));
    const zero = await usage.admitEvent(accountId, '2025-01-16', 0);
    await usage.countDropped(accountId, '2025-01-16');
    // Assess
    expect(unlimited).toEqual([true, true, true]);
    expect(zero).toBe(false);
    expect(await usage.get(accountId, '2025-01-15')).toEqual({ events: 3, dropped: 0 });
    expect(await usage.get(accountId, '2025-01-16')).toEqual({ events: 0, dropped: 2 });
    expect(await usage.get(newAccountId(), '2025-01-15')).toEqual({ events: 0, dropped: 0 });
  });

  it('keeps the counters in the config table under ACCOUNT#<id> / USAGE#<day>', async () => {
    // Prepare
    const accountId = newAccountId();
    // Act
    await usage.admitEvent(accountId, '2025-01-15', 10);
    // Assess
    const { Item: item } = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.config,
        Key: { pk: `ACCOUNT#${accountId}`, sk: 'USAGE#2025-01-15' },
      }),
    );
    expect(item).toMatchObject({ events: 1 });
  });
});

describe('events: admission recorded with the event', () => {
  it('stores a dropped event without its data, and a replayed put reports the stored decision', async () => {
    // Prepare
    const dropped = anEvent();
    const admitted = anEvent();
    // Act
    const first = await store.putEvent(dropped, 'dropped');
    const replay = await store.putEvent(dropped, 'admitted');
    await store.putEvent(admitted, 'admitted');
    // Assess
    expect(first).toEqual({ created: true });
    expect(replay).toEqual({ created: false, admission: 'dropped' });
    expect(await store.getAdmission(dropped.accountId, dropped.id)).toBe('dropped');
    expect(await store.getAdmission(admitted.accountId, admitted.id)).toBe('admitted');
    expect(await store.getAdmission(admitted.accountId, newEventId(Date.now()))).toBeUndefined();
    expect((await store.getEvent(dropped.accountId, dropped.id))?.data).toBeUndefined();
    expect((await store.getEvent(admitted.accountId, admitted.id))?.data).toEqual(admitted.data);
  });

  it('treats an event stored without a decision (a test send) as admitted', async () => {
    // Prepare
    const event = anEvent();
    await store.putEvent(event);
    // Act + Assess
    expect(await store.getAdmission(event.accountId, event.id)).toBe('admitted');
  });
});

describe('fan-out quota', () => {
  const clock = { now: new Date('2025-01-15T12:00:00.000Z') };
  let deps: Dependencies & { queue: RecordingQueue };
  let accountId: string;
  let webhookId: string;

  const event = (overrides: Partial<WebhookEvent> & { timeMs?: number } = {}): WebhookEvent =>
    anEvent({ accountId, timeMs: clock.now.getTime(), timestamp: clock.now.toISOString(), ...overrides });

  beforeEach(async () => {
    clock.now = new Date('2025-01-15T12:00:00.000Z');
    deps = dependencies(clock);
    accountId = await anAccountOnPlan(deps, 'scale');
    const webhook = aWebhook({ accountId, events: ['order.created'] });
    await deps.webhooks.create(webhook);
    webhookId = webhook.id;
  });

  it('delivers at limit−1 and at the limit, and drops the event at limit+1 whole: no delivery, no job', async () => {
    // Prepare
    const events = [event(), event(), event()];
    // Act
    const results = [];
    for (const each of events) results.push(await fanOut(deps, each));
    // Assess
    expect(results.map((result) => [result.deliveries, result.dropped])).toEqual([
      [1, false],
      [1, false],
      [0, true],
    ]);
    expect(deps.queue.jobs).toHaveLength(2);
    expect(await deps.deliveries.getDelivery(deliveryIdFor(events[2]!.id, webhookId))).toBeUndefined();
    expect(await deps.events.getAdmission(accountId, events[2]!.id)).toBe('dropped');
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 1 });
  });

  it('logs every event: the admitted with its endpoint, one nobody subscribes to, the dropped marked', async () => {
    // Prepare
    const at = (ms: number) => ({ timeMs: clock.now.getTime() + ms });
    const [first, unsubscribed, dropped] = [
      event(at(1)),
      event({ ...at(2), type: 'order.refunded' }),
      event(at(3)),
    ];

    // Act: the fan-outs, then a replay of the first
    for (const each of [first!, unsubscribed!, dropped!, first!]) await fanOut(deps, each);

    // Assess
    const log = await deps.eventLog.list(accountId, {}, { limit: 10 });
    expect(log.items.map((entry) => [entry.id, entry.dropped === true])).toEqual([
      [dropped!.id, true],
      [unsubscribed!.id, false],
      [first!.id, false],
    ]);
    const fannedOut = await deps.eventLog.eventDeliveries(accountId, first!.id, { limit: 10 });
    expect(fannedOut.items.map((delivery) => delivery.webhookId)).toEqual([webhookId]);
    expect((await deps.eventLog.eventDeliveries(accountId, dropped!.id, { limit: 10 })).items).toEqual([]);
  });

  it("neither counts the service's operational events nor drops them when the day is full", async () => {
    // Prepare: the day's 2 events are used up; the webhook subscribes to endpoint.failing as well.
    const subscribed = aWebhook({ accountId, events: ['endpoint.failing'] });
    await deps.webhooks.create(subscribed);
    await fanOut(deps, event());
    await fanOut(deps, event());
    const notice = event({ type: 'endpoint.failing', data: { webhook_id: webhookId } });

    // Act
    const result = await fanOut(deps, notice);

    // Assess
    expect(result).toEqual({ deliveries: 1, duplicateEvent: false, dropped: false });
    expect(await deps.events.getEvent(accountId, notice.id)).toMatchObject({ type: 'endpoint.failing' });
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 0 });
  });

  it('counts a replayed event once, admitted or dropped, and a replay of a dropped event stays dropped', async () => {
    // Prepare
    const [first, second, third] = [event(), event(), event()];
    for (const each of [first!, second!, third!]) await fanOut(deps, each);
    // Act: the ingest messages come again (a crashed batch); a new day would have room
    const replays = [];
    for (const each of [first!, second!, third!]) replays.push(await fanOut(deps, each));
    // Assess
    expect(replays.map((result) => result.dropped)).toEqual([false, false, true]);
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 1 });
    // Jobs for the admitted events only: first the fan-outs', then the replays', checked (nothing was
    // stored: their deliveries may be queued still, so they read before attempting)
    const jobOf = (each: WebhookEvent, check?: true) => ({
      deliveryId: deliveryIdFor(each.id, webhookId),
      attempt: 1,
      dueAt: clock.now.toISOString(),
      accountId,
      ...(check ? { check } : {}),
    });
    expect(deps.queue.jobs).toEqual([
      jobOf(first!),
      jobOf(second!),
      jobOf(first!, true),
      jobOf(second!, true),
    ]);
  });

  it('does not count a duplicate idempotency key put on the bus', async () => {
    // Prepare: real time (idempotency claims expire 24 h after the event's timestamp)
    clock.now = new Date();
    const day = usageDay(clock.now);
    const original = event({ idempotencyKey: 'order-1' });
    const duplicate = event({ idempotencyKey: 'order-1' });
    // Act
    await fanOut(deps, original);
    const result = await fanOut(deps, duplicate);
    // Assess
    expect(result.duplicateEvent).toBe(true);
    expect(await deps.usage.get(accountId, day)).toEqual({ events: 1, dropped: 0 });
  });

  it('drops at 23:59:59.999 UTC when the day is full, and admits again at 00:00:00.000 UTC', async () => {
    // Prepare: the day is used up
    await fanOut(deps, event());
    await fanOut(deps, event());
    clock.now = new Date('2025-01-15T23:59:59.999Z');
    // Act
    const lastMillisecond = await fanOut(deps, event());
    clock.now = new Date('2025-01-16T00:00:00.000Z');
    const nextDay = await fanOut(deps, event());
    // Assess
    expect(lastMillisecond.dropped).toBe(true);
    expect(nextDay).toEqual({ deliveries: 1, duplicateEvent: false, dropped: false });
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 1 });
    expect(await deps.usage.get(accountId, '2025-01-16')).toEqual({ events: 1, dropped: 0 });
  });

  it('refuses POST /v1/events up front only once the day is full, and counts the refusal as dropped', async () => {
    // Prepare
    await fanOut(deps, event());
    // Act
    await assertEventQuota(deps, accountId); // limit−1 used: accepted
    await fanOut(deps, event());
    const error = await rejection(assertEventQuota(deps, accountId)); // limit used
    // Assess
    expect(error.code).toBe('quota_exceeded');
    expect(error.details).toMatchObject({
      plan: 'scale',
      max_events_per_day: 2,
      events_today: 2,
      resets_at: '2025-01-16T00:00:00.000Z',
    });
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 1 });
  });

  it('over-counts by one, and delivers once, when fan-out crashed between counting and storing the event', async () => {
    // Prepare: the first run counted the event, then died before storing it
    const crashed = event();
    await deps.usage.admitEvent(accountId, '2025-01-15', 2);
    // Act: the ingest message comes back
    const replay = await fanOut(deps, crashed);
    // Assess
    expect(replay.deliveries).toBe(1);
    expect(await deps.usage.get(accountId, '2025-01-15')).toEqual({ events: 2, dropped: 0 });
  });

  it('has no limit on enterprise, and still counts the events', async () => {
    // Prepare
    const enterprise = await anAccountOnPlan(deps, 'enterprise');
    // Act
    for (let index = 0; index < 5; index++) await fanOut(deps, event({ accountId: enterprise }));
    // Assess
    expect(await deps.usage.get(enterprise, '2025-01-15')).toEqual({ events: 5, dropped: 0 });
    expect(await getUsage(deps, enterprise)).toMatchObject({
      plan: 'enterprise',
      limits: { maxWebhooks: null, maxEventsPerDay: null },
      webhooks: 0,
      today: { events: 5, dropped: 0 },
      day: '2025-01-15',
    });
  });
});

describe('webhook quota', () => {
  it('allows creating up to the plan limit and refuses the next with plan_limit_exceeded', async () => {
    // Prepare: scale allows 2 here; one exists (limit−1)
    const deps = dependencies({ now: new Date() });
    const accountId = await anAccountOnPlan(deps, 'scale');
    await reserveWebhookSlot(deps, accountId);
    await deps.webhooks.create(aWebhook({ accountId }));
    // Act
    await reserveWebhookSlot(deps, accountId); // creating the 2nd (the limit) is allowed
    await deps.webhooks.create(aWebhook({ accountId }));
    const error = await rejection(reserveWebhookSlot(deps, accountId)); // the 3rd is not
    // Assess
    expect(error.code).toBe('plan_limit_exceeded');
    expect(error.details).toEqual({ plan: 'scale', max_webhooks: 2, webhooks: 2 });
  });

  it('has no limit on enterprise', async () => {
    // Prepare
    const deps = dependencies({ now: new Date() });
    const accountId = await anAccountOnPlan(deps, 'enterprise');
    for (let index = 0; index < 3; index++) {
      await reserveWebhookSlot(deps, accountId);
      await deps.webhooks.create(aWebhook({ accountId }));
    }
    // Act + Assess
    await expect(reserveWebhookSlot(deps, accountId)).resolves.toEqual(expect.any(String));
  });
});

describe('history removal', () => {
  /** A webhook with `count` deliveries (and counters) in the store. */
  async function aWebhookWithHistory(deps: Dependencies, count: number) {
    const accountId = await anAccountOnPlan(deps, 'enterprise');
    const webhook = aWebhook({ accountId });
    await deps.webhooks.create(webhook);
    const start = Date.now();
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        deps.deliveries.createDelivery(
          aDelivery({
            accountId,
            webhookId: webhook.id,
            eventId: newEventId(start + index),
            status: index % 2 === 0 ? 'failed' : 'pending',
            nextAttemptAt: new Date(start).toISOString(),
          }),
        ),
      ),
    );
    await deps.stats.add(webhook.id, '2025011510', {
      successful: 1,
      failed: 2,
      responseTimeMsTotal: 30,
      timed: 3,
    });
    return { accountId, webhook };
  }

  it('purges at most maxItems, reports done only when nothing is left, and touches no other webhook', async () => {
    // Prepare
    const deps = dependencies({ now: new Date() });
    const { webhook } = await aWebhookWithHistory(deps, 60);
    const other = await aWebhookWithHistory(deps, 3);
    // Act
    const partial = await purges.purgeHistory(webhook.id, 45);
    const rest = await purges.purgeHistory(webhook.id, 1000);
    // Assess
    expect(partial).toEqual({ deleted: 45, done: false });
    expect(rest).toEqual({ deleted: 15, done: true });
    expect((await deliveryItems(webhook.id)).map((item) => item.sk)).toEqual(['STATS']);
    expect((await deliveryItems(other.webhook.id)).filter((item) => item.sk !== 'STATS')).toHaveLength(3);
  });

  it('retires the counters: they read as zero and a late add (a batch in flight) does not revive them', async () => {
    // Prepare
    const webhookId = newWebhookId();
    await stats.add(webhookId, '2025011510', { successful: 3, failed: 1, responseTimeMsTotal: 90, timed: 4 });
    // Act
    await stats.retire(webhookId);
    await stats.add(webhookId, '2025011511', { successful: 1, failed: 0, responseTimeMsTotal: 10, timed: 1 });
    // Assess
    expect(await stats.get(webhookId)).toEqual({ totalDeliveries: 0, successful: 0, failed: 0 });
    const window = await stats.getWindow(webhookId, new Date('2025-01-15T11:30:00.000Z'));
    expect(window.last24h).toEqual({
      deliveries: 0,
      successful: 0,
      failed: 0,
      responseTimeMsTotal: 0,
      timed: 0,
    });
    const [item] = await deliveryItems(webhookId);
    expect(item).toMatchObject({
      sk: 'STATS',
      retired_at: expect.any(String),
      expires_at: expect.any(Number),
    });
    expect(Object.keys(item!).filter((name) => /^h\d{10}_/.test(name))).toEqual([]);
  });

  it('DELETE removes a small history inline, with no purge left outstanding', async () => {
    // Prepare
    const deps = dependencies({ now: new Date() });
    const { accountId, webhook } = await aWebhookWithHistory(deps, 30);
    // Act
    const result = await deleteWebhook(deps, accountId, webhook.id);
    // Assess
    expect(result).toEqual({ historyPurged: true });
    expect(await deps.webhooks.get(accountId, webhook.id)).toBeUndefined();
    expect((await deliveryItems(webhook.id)).map((item) => item.sk)).toEqual(['STATS']);
    expect(await deps.stats.get(webhook.id)).toEqual({ totalDeliveries: 0, successful: 0, failed: 0 });
    expect(
      (await deps.historyPurges.listHistoryPurges(100)).map((request) => request.webhookId),
    ).not.toContain(webhook.id);
  });

  it('leaves a large history to the background, hides it meanwhile, and the reconciler finishes it', async () => {
    // Prepare
    const clock = { now: new Date() };
    const deps = dependencies(clock);
    const { accountId, webhook } = await aWebhookWithHistory(deps, 80);
    // The newest delivery: the inline purge (oldest first) leaves it for the background.
    const leftoverEvent = newEventId(Date.now() + 60_000);
    const leftover = deliveryIdFor(leftoverEvent, webhook.id);
    await deps.deliveries.createDelivery(
      aDelivery({ accountId, webhookId: webhook.id, eventId: leftoverEvent }),
    );
    // Act
    const result = await deleteWebhook(deps, accountId, webhook.id, { inlinePurgeLimit: 50 });
    const stillStored = await deps.deliveries.getDelivery(leftover);
    const hidden = await rejection(getDelivery(deps, accountId, leftover));
    const tooEarly = await continueHistoryPurges(deps); // within the grace period: left alone
    clock.now = new Date(clock.now.getTime() + 3 * 60_000);
    const background = await continueHistoryPurges(deps, { budget: 20 });
    const finish = await continueHistoryPurges(deps);
    // Assess
    expect(result).toEqual({ historyPurged: false });
    expect(stillStored?.id).toBe(leftover);
    expect(hidden.code).toBe('not_found');
    expect(tooEarly).toEqual({ deleted: 0, completed: 0 });
    expect(background).toEqual({ deleted: 20, completed: 0 });
    expect(finish).toEqual({ deleted: 11, completed: 1 });
    expect((await deliveryItems(webhook.id)).map((item) => item.sk)).toEqual(['STATS']);
    expect(
      (await deps.historyPurges.listHistoryPurges(100)).map((request) => request.webhookId),
    ).not.toContain(webhook.id);
  });

  it('drops a purge request whose webhook still exists (the DELETE failed before removing it)', async () => {
    // Prepare
    const clock = { now: new Date() };
    const deps = dependencies(clock);
    const { accountId, webhook } = await aWebhookWithHistory(deps, 5);
    await deps.historyPurges.requestHistoryPurge({
      accountId,
      webhookId: webhook.id,
      requestedAt: new Date(clock.now.getTime() - 10 * 60_000).toISOString(),
    });
    // Act
    const result = await continueHistoryPurges(deps);
    // Assess
    expect(result.deleted).toBe(0);
    expect((await deliveryItems(webhook.id)).filter((item) => item.sk !== 'STATS')).toHaveLength(5);
    expect(await deps.stats.get(webhook.id)).toEqual({ totalDeliveries: 3, successful: 1, failed: 2 });
    expect(
      (await deps.historyPurges.listHistoryPurges(100)).map((request) => request.webhookId),
    ).not.toContain(webhook.id);
  });

  it("answers not_found for another account's webhook and requests no purge of it", async () => {
    // Prepare
    const deps = dependencies({ now: new Date() });
    const { webhook } = await aWebhookWithHistory(deps, 2);
    // Act
    const error = await rejection(deleteWebhook(deps, newAccountId(), webhook.id));
    // Assess
    expect(error.code).toBe('not_found');
    expect(
      (await deps.historyPurges.listHistoryPurges(100)).map((request) => request.webhookId),
    ).not.toContain(webhook.id);
    expect((await deliveryItems(webhook.id)).filter((item) => item.sk !== 'STATS')).toHaveLength(2);
  });
});
