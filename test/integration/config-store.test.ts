import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { encodeCursor } from '../../lambdas/adapters/dynamodb/client.js';
import { DynamoEndpointHealthRepository } from '../../lambdas/adapters/dynamodb/endpoint-health-store.js';
import { DynamoEventTypeRepository } from '../../lambdas/adapters/dynamodb/event-type-store.js';
import { DynamoWebhookRepository } from '../../lambdas/adapters/dynamodb/webhook-store.js';
import { GetCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { newAccountId } from '../../lambdas/domain/ids.js';
import type { Subscription, Webhook } from '../../lambdas/domain/model.js';
import { rejection } from '../support/assertions.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount, anApiKey, anEventType, aWebhook } from '../support/factories.js';

let dynamo: TestDynamo;
let accounts: DynamoAccountRepository;
let apiKeys: DynamoApiKeyRepository;
let eventTypes: DynamoEventTypeRepository;
let webhooks: DynamoWebhookRepository;
let health: DynamoEndpointHealthRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  accounts = new DynamoAccountRepository(dynamo.doc, dynamo.tables.config);
  apiKeys = new DynamoApiKeyRepository(dynamo.doc, dynamo.tables.config);
  eventTypes = new DynamoEventTypeRepository(dynamo.doc, dynamo.tables.config);
  webhooks = new DynamoWebhookRepository(dynamo.doc, dynamo.tables.config);
  health = new DynamoEndpointHealthRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

async function allSubscriptions(
  accountId: string,
  eventType: string,
  limit: number,
): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await webhooks.findSubscriptions(accountId, eventType, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    found.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return found;
  }
  throw new Error('findSubscriptions did not end');
}

describe('DynamoAccountRepository', () => {
  it('creates an account and reads it back', async () => {
    // Prepare
    const account = anAccount({ alertEmail: 'alerts@example.com' });

    // Act
    await accounts.create(account);

    // Assess
    expect(await accounts.get(account.id)).toEqual(account);
    expect(await accounts.get(newAccountId())).toBeUndefined();
  });

  it('refuses a second account with the same id', async () => {
    // Prepare
    const account = anAccount();
    await accounts.create(account);

    // Act
    const error = await rejection(accounts.create({ ...account, name: 'Other' }));

    // Assess
    expect(error.code).toBe('conflict');
    expect((await accounts.get(account.id))?.name).toBe(account.name);
  });
});

describe('DynamoApiKeyRepository', () => {
  it('finds a key by the hash of the key', async () => {
    // Prepare
    const { key: _key, ...record } = anApiKey({ name: 'ci' });
    await apiKeys.create(record);

    // Act
    const found = await apiKeys.findByHash(record.keyHash);

    // Assess
    expect(found).toEqual(record);
    expect(await apiKeys.findByHash('0'.repeat(64))).toBeUndefined();
  });
});

describe('DynamoEventTypeRepository', () => {
  it('puts, gets and lists event types', async () => {
    // Prepare
    const created = anEventType({ name: 'invoice.paid' });
    const updated = anEventType({ name: 'invoice.paid', description: 'Paid', example: { amount: 1 } });
    const other = anEventType({ name: 'customer.created' });

    // Act
    await eventTypes.put(created);
    await eventTypes.put(other);
    await eventTypes.put(updated);

    // Assess
    expect(await eventTypes.get('invoice.paid')).toEqual(updated);
    expect(await eventTypes.get('nope')).toBeUndefined();
    const names = (await eventTypes.list()).map((type) => type.name);
    expect(names).toEqual(expect.arrayContaining(['customer.created', 'invoice.paid']));
    expect(names.filter((name) => name === 'invoice.paid')).toHaveLength(1);
  });
});

describe('DynamoWebhookRepository', () => {
  it('creates and reads a webhook with every field mapped', async () => {
    // Prepare
    const webhook = aWebhook({
      disabledReason: undefined,
      secrets: [
        { ciphertext: 'new', prefix: 'whsec_newnew', createdAt: '2025-01-15T10:00:00.000Z' },
        {
          ciphertext: 'old',
          prefix: 'whsec_oldold',
          createdAt: '2025-01-01T00:00:00.000Z',
          expiresAt: '2025-01-16T10:00:00.000Z',
        },
      ],
    });

    // Act
    await webhooks.create(webhook);

    // Assess
    expect(await webhooks.get(webhook.accountId, webhook.id)).toEqual(webhook);
    expect(await webhooks.get(newAccountId(), webhook.id)).toBeUndefined();
  });

  it('maps a webhook without optional fields', async () => {
    // Prepare
    const { description: _d, ...rest } = aWebhook({ events: [], alerting: { failureThreshold: 3 } });
    const webhook: Webhook = rest;

    // Act
    await webhooks.create(webhook);

    // Assess
    expect(await webhooks.get(webhook.accountId, webhook.id)).toEqual(webhook);
  });

  it('lists an account in pages with a cursor, and counts its webhooks', async () => {
    // Prepare
    const accountId = newAccountId();
    const created = Array.from({ length: 7 }, () => aWebhook({ accountId }));
    for (const webhook of created) await webhooks.create(webhook);
    await webhooks.create(aWebhook()); // another account's

    // Act
    const first = await webhooks.list(accountId, { limit: 3 });
    const second = await webhooks.list(accountId, { limit: 3, cursor: first.nextCursor! });
    const third = await webhooks.list(accountId, { limit: 3, cursor: second.nextCursor! });

    // Assess
    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(3);
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeUndefined();
    const listed = [...first.items, ...second.items, ...third.items];
    expect(listed.map((webhook) => webhook.id)).toEqual(created.map((webhook) => webhook.id).sort());
    expect(listed.every((webhook) => webhook.accountId === accountId)).toBe(true);
    expect(await webhooks.countForAccount(accountId)).toBe(7);
    expect(await webhooks.countForAccount(newAccountId())).toBe(0);
  });

  it('rejects a cursor from another account and a garbage cursor', async () => {
    // Prepare
    const accountA = newAccountId();
    const accountB = newAccountId();
    for (let i = 0; i < 2; i++) {
      await webhooks.create(aWebhook({ accountId: accountA }));
      await webhooks.create(aWebhook({ accountId: accountB }));
    }
    const pageOfA = await webhooks.list(accountA, { limit: 1 });

    // Act
    const foreign = await rejection(webhooks.list(accountB, { limit: 1, cursor: pageOfA.nextCursor! }));
    const garbage = await rejection(webhooks.list(accountB, { limit: 1, cursor: 'not a cursor!' }));
    const notJson = await rejection(webhooks.list(accountB, { limit: 1, cursor: 'bm90IGpzb24' }));
    const numbers = await rejection(
      webhooks.list(accountB, { limit: 1, cursor: encodeCursor({ pk: `ACCOUNT#${accountB}`, sk: 5 }) }),
    );
    const extra = await rejection(
      webhooks.list(accountB, {
        limit: 1,
        cursor: encodeCursor({ pk: `ACCOUNT#${accountB}`, sk: 'WEBHOOK#wh_x', other: 'x' }),
      }),
    );

    // Assess
    for (const error of [foreign, garbage, notJson, numbers, extra]) {
      expect(error.code).toBe('validation_error');
      expect(error.message).toBe('Invalid cursor');
    }
  });

  it('updates with the expected version and refuses a stale one', async () => {
    // Prepare
    const webhook = aWebhook({ version: 1 });
    await webhooks.create(webhook);

    // Act
    await webhooks.update({ ...webhook, name: 'Renamed', description: undefined }, 1);
    const stale = await rejection(webhooks.update({ ...webhook, name: 'Stale' }, 1));

    // Assess
    expect(stale.code).toBe('conflict');
    const stored = await webhooks.get(webhook.accountId, webhook.id);
    expect(stored?.name).toBe('Renamed');
    expect(stored?.version).toBe(2);
    expect(stored).not.toHaveProperty('description');
  });

  it('reports not_found when updating a deleted webhook', async () => {
    // Prepare
    const webhook = aWebhook();
    await webhooks.create(webhook);
    await webhooks.delete(webhook.accountId, webhook.id);

    // Act
    const error = await rejection(webhooks.update({ ...webhook, name: 'Ghost' }, webhook.version));

    // Assess
    expect(error.code).toBe('not_found');
    expect(await webhooks.get(webhook.accountId, webhook.id)).toBeUndefined();
  });

  it('re-syncs subscriptions on update: removed type gone, added type found, status reflected', async () => {
    // Prepare
    const webhook = aWebhook({ events: ['order.created', 'order.paid'] });
    await webhooks.create(webhook);

    // Act
    await webhooks.update({ ...webhook, events: ['order.paid', 'order.shipped'], status: 'paused' }, 1);

    // Assess
    const ids = async (type: string) =>
      (await allSubscriptions(webhook.accountId, type, 10)).map((s) => [s.webhookId, s.eventType, s.status]);
    expect(await ids('order.created')).toEqual([]);
    expect(await ids('order.paid')).toEqual([[webhook.id, 'order.paid', 'paused']]);
    expect(await ids('order.shipped')).toEqual([[webhook.id, 'order.shipped', 'paused']]);
  });

  it('moves an endpoint between a typed subscription and the all-types one', async () => {
    // Prepare
    const webhook = aWebhook({ events: ['order.created'] });
    await webhooks.create(webhook);

    // Act
    await webhooks.update({ ...webhook, events: [] }, 1);

    // Assess
    const subscriptions = await allSubscriptions(webhook.accountId, 'anything.else', 10);
    expect(subscriptions).toEqual([
      { accountId: webhook.accountId, webhookId: webhook.id, eventType: '*', status: 'active' },
    ]);
    expect(await allSubscriptions(webhook.accountId, 'order.created', 10)).toHaveLength(1);
  });

  it('update never touches the delivery path counters', async () => {
    // Prepare
    const webhook = aWebhook();
    await webhooks.create(webhook);
    await health.recordFailure(webhook.accountId, webhook.id);

    // Act
    await webhooks.update({ ...webhook, url: 'https://example.org/new' }, 1);

    // Assess
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.consecutiveFailures).toBe(1);
  });

  it('deletes a webhook and its subscriptions', async () => {
    // Prepare
    const webhook = aWebhook({ events: ['order.created', 'order.paid'] });
    await webhooks.create(webhook);

    // Act
    const deleted = await webhooks.delete(webhook.accountId, webhook.id);
    const again = await webhooks.delete(webhook.accountId, webhook.id);

    // Assess
    expect(deleted).toBe(true);
    expect(again).toBe(false);
    expect(await webhooks.get(webhook.accountId, webhook.id)).toBeUndefined();
    expect(await allSubscriptions(webhook.accountId, 'order.created', 10)).toEqual([]);
    expect(await allSubscriptions(webhook.accountId, 'order.paid', 10)).toEqual([]);
    const raw = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.config,
        Key: { pk: `SUB#${webhook.accountId}#order.paid`, sk: webhook.id },
      }),
    );
    expect(raw.Item).toBeUndefined();
  });

  it('finds typed and all-type subscribers across both partitions in small pages', async () => {
    // Prepare
    const accountId = newAccountId();
    const typed = Array.from({ length: 4 }, () => aWebhook({ accountId, events: ['order.created'] }));
    const everything = Array.from({ length: 3 }, () => aWebhook({ accountId, events: [] }));
    const unrelated = aWebhook({ accountId, events: ['order.paid'] });
    for (const webhook of [...typed, ...everything, unrelated]) await webhooks.create(webhook);

    for (const limit of [1, 2, 3, 4, 7, 50]) {
      // Act
      const found = await allSubscriptions(accountId, 'order.created', limit);

      // Assess
      const ids = found.map((subscription) => subscription.webhookId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([...typed, ...everything].map((webhook) => webhook.id).sort());
      expect(found.filter((subscription) => subscription.eventType === '*')).toHaveLength(3);
    }
    expect((await webhooks.findSubscriptions(accountId, 'order.created', { limit: 3 })).items).toHaveLength(
      3,
    );
  });

  it('rejects a subscription cursor of another account or event type', async () => {
    // Prepare
    const accountId = newAccountId();
    for (let i = 0; i < 3; i++) await webhooks.create(aWebhook({ accountId, events: ['order.created'] }));
    const page = await webhooks.findSubscriptions(accountId, 'order.created', { limit: 1 });

    // Act
    const otherAccount = await rejection(
      webhooks.findSubscriptions(newAccountId(), 'order.created', { limit: 1, cursor: page.nextCursor! }),
    );
    const otherType = await rejection(
      webhooks.findSubscriptions(accountId, 'order.paid', { limit: 1, cursor: page.nextCursor! }),
    );

    // Assess
    expect(otherAccount.code).toBe('validation_error');
    expect(otherType.code).toBe('validation_error');
  });

  it('counts consecutive failures and resets them', async () => {
    // Prepare
    const webhook = aWebhook();
    await webhooks.create(webhook);

    // Act
    const first = await health.recordFailure(webhook.accountId, webhook.id);
    const second = await health.recordFailure(webhook.accountId, webhook.id);
    await health.resetFailures(webhook.accountId, webhook.id);
    await health.resetFailures(webhook.accountId, webhook.id);
    const afterReset = await health.recordFailure(webhook.accountId, webhook.id);

    // Assess
    expect(first.consecutiveFailures).toBe(1);
    expect(second.consecutiveFailures).toBe(2);
    expect(afterReset.consecutiveFailures).toBe(1);
    const missing = await rejection(health.recordFailure(webhook.accountId, 'wh_missing'));
    expect(missing.code).toBe('not_found');
    await expect(health.resetFailures(webhook.accountId, 'wh_missing')).resolves.toBeUndefined();
  });
});

describe('DynamoWebhookRepository batch read', () => {
  it('getManyWithFailureState returns each endpoint with its counters, as the single read does', async () => {
    // Prepare
    const failing = aWebhook();
    const clean = aWebhook({ accountId: failing.accountId });
    await webhooks.create(failing);
    await webhooks.create(clean);
    await health.recordFailure(failing.accountId, failing.id);
    await health.recordFailure(failing.accountId, failing.id);
    const deleted = aWebhook();

    // Act
    const found = await webhooks.getManyWithFailureState(
      [failing, clean, failing, deleted].map((webhook) => ({
        accountId: webhook.accountId,
        webhookId: webhook.id,
      })),
    );

    // Assess
    expect([...found.keys()].sort()).toEqual([failing.id, clean.id].sort());
    expect(found.get(failing.id)?.failures.consecutiveFailures).toBe(2);
    expect(found.get(clean.id)?.failures.consecutiveFailures).toBe(0);
    for (const webhook of [failing, clean]) {
      expect(found.get(webhook.id)).toEqual(
        await webhooks.getWithFailureState(webhook.accountId, webhook.id),
      );
    }
  });
});
