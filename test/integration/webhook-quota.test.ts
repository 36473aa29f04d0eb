import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoWebhookCounter } from '../../lambdas/adapters/dynamodb/webhook-count-store.js';
import { DynamoWebhookRepository } from '../../lambdas/adapters/dynamodb/webhook-store.js';
import { GetCommand, PutCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { createDependencies, dynamoDbPorts, secretPorts } from '../../lambdas/composition.js';
import { DomainError } from '../../lambdas/domain/errors.js';
import type { Webhook } from '../../lambdas/domain/model.js';
import { withPlanLimitOverrides } from '../../lambdas/domain/plans.js';
import { createWebhookBody } from '../../lambdas/domain/schemas.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import {
  releaseWebhookSlot,
  reserveWebhookSlot,
  WEBHOOK_RECOUNT_QUIET_MS,
} from '../../lambdas/services/usage.js';
import { createWebhook, deleteWebhook } from '../../lambdas/services/webhooks.js';
import { rejection } from '../support/assertions.js';
import { dynamoConfig, startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount, aWebhook, aWebhookBody } from '../support/factories.js';

/**
 * The webhook counter that makes the plan's webhook limit exact under concurrency, against a real
 * DynamoDB engine (dynalite): its conditional writes, the migration of accounts stored before it
 * existed (initialised from a count, never from zero), the repair of a counter that drifted high,
 * and the release of exactly one slot per deleted endpoint.
 */

let dynamo: TestDynamo;
let counter: DynamoWebhookCounter;
let accounts: DynamoAccountRepository;
let webhooks: DynamoWebhookRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  counter = new DynamoWebhookCounter(dynamo.doc, dynamo.tables.config);
  accounts = new DynamoAccountRepository(dynamo.doc, dynamo.tables.config);
  webhooks = new DynamoWebhookRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

const at = (ms: number): string => new Date(ms).toISOString();

/** Real DynamoDB adapters, a clock the test sets, and the default plans (scale = 20 webhooks). */
function dependencies(clock: { now: Date }): Dependencies {
  const deps = createDependencies(
    dynamoConfig(dynamo, { planLimits: withPlanLimitOverrides({}) }),
    dynamoDbPorts,
  );
  Object.defineProperty(deps, 'clock', { value: { now: () => clock.now } });
  return deps;
}

/** An account item as stored before the counter existed: no webhook_count attribute. */
async function aLegacyAccount(webhookCount: number): Promise<string> {
  const account = anAccount({ plan: 'scale' });
  await dynamo.doc.send(
    new PutCommand({
      TableName: dynamo.tables.config,
      Item: {
        pk: `ACCOUNT#${account.id}`,
        sk: '#ACCOUNT',
        account_id: account.id,
        name: account.name,
        plan: account.plan,
        created_at: account.createdAt,
      },
    }),
  );
  for (let index = 0; index < webhookCount; index++)
    await webhooks.create(aWebhook({ accountId: account.id }));
  return account.id;
}

async function storedCounter(accountId: string): Promise<Record<string, unknown> | undefined> {
  const { Item: item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tables.config, Key: { pk: `ACCOUNT#${accountId}`, sk: '#ACCOUNT' } }),
  );
  return item;
}

describe('DynamoWebhookCounter', () => {
  it('starts at zero with a new account and of 20 parallel reservations at 19 of 20 takes exactly one', async () => {
    // Prepare
    const account = anAccount({ plan: 'scale' });
    await accounts.create(account);
    for (let index = 0; index < 19; index++) {
      expect(await counter.reserve(account.id, 20, at(Date.UTC(2026, 0, 1, 0, 0, index)))).toEqual({
        outcome: 'reserved',
      });
    }
    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, () => counter.reserve(account.id, 20, '2026-01-01T00:01:00.000Z')),
    );
    // Assess
    expect(results.filter((result) => result.outcome === 'reserved')).toHaveLength(1);
    expect(results.filter((result) => result.outcome === 'full')).toHaveLength(19);
    expect(results.find((result) => result.outcome === 'full')).toEqual({
      outcome: 'full',
      counter: { count: 20, updatedAt: '2026-01-01T00:01:00.000Z' },
    });
    expect(await counter.get(account.id)).toEqual({ count: 20, updatedAt: '2026-01-01T00:01:00.000Z' });
  });

  it('tells an account without a counter (uncounted) from a missing account, and a limit of 0 takes nothing', async () => {
    // Prepare
    const legacy = await aLegacyAccount(0);
    const fresh = anAccount({ plan: 'scale' });
    await accounts.create(fresh);
    // Act
    const uncounted = await counter.reserve(legacy, 20, '2026-01-01T00:00:00.000Z');
    const missing = await counter.reserve('acc_missing', 20, '2026-01-01T00:00:00.000Z');
    const none = await counter.reserve(fresh.id, 0, '2026-01-01T00:00:00.000Z');
    // Assess
    expect([uncounted.outcome, missing.outcome, none.outcome]).toEqual(['uncounted', 'no_account', 'full']);
    expect(await storedCounter('acc_missing')).toBeUndefined();
    expect(await counter.get(legacy)).toBeUndefined();
  });

  it('initialises a counter once however many race, and never overwrites one', async () => {
    // Prepare
    const accountId = await aLegacyAccount(0);
    // Act
    const written = await Promise.all(
      [3, 4, 5, 6, 7].map((count) => counter.initialise(accountId, count, '2026-01-01T00:00:00.000Z')),
    );
    // Assess
    expect(written.filter(Boolean)).toHaveLength(1);
    expect(await counter.initialise(accountId, 0, '2026-01-01T00:00:01.000Z')).toBe(false);
    expect([3, 4, 5, 6, 7]).toContain((await counter.get(accountId))?.count);
  });

  it('releases never below zero, and ignores a release from before the last count', async () => {
    // Prepare
    const accountId = await aLegacyAccount(0);
    await counter.initialise(accountId, 1, '2026-01-01T00:00:10.000Z');
    // Act: a delete that started before the count (the count already left it out)
    await counter.release(accountId, '2026-01-01T00:00:09.000Z', '2026-01-01T00:00:11.000Z');
    const afterStale = await counter.get(accountId);
    await counter.release(accountId, '2026-01-01T00:00:12.000Z', '2026-01-01T00:00:12.000Z');
    await counter.release(accountId, '2026-01-01T00:00:13.000Z', '2026-01-01T00:00:13.000Z');
    // Assess
    expect(afterStale?.count).toBe(1);
    expect(await counter.get(accountId)).toEqual({ count: 0, updatedAt: '2026-01-01T00:00:12.000Z' });
  });

  it('repairs only a counter that did not move since it was read', async () => {
    // Prepare
    const accountId = await aLegacyAccount(0);
    await counter.initialise(accountId, 5, '2026-01-01T00:00:00.000Z');
    const seen = await counter.get(accountId);
    await counter.reserve(accountId, 20, '2026-01-01T00:00:01.000Z'); // it moves
    // Act
    const stale = await counter.repair(accountId, seen!, 2, '2026-01-01T00:00:02.000Z');
    const current = await counter.repair(
      accountId,
      (await counter.get(accountId))!,
      2,
      '2026-01-01T00:00:03.000Z',
    );
    // Assess
    expect([stale, current]).toEqual([false, true]);
    expect(await counter.get(accountId)).toEqual({ count: 2, updatedAt: '2026-01-01T00:00:03.000Z' });
  });
});

describe('the webhook slot of a create (reserveWebhookSlot)', () => {
  it('initialises an account stored before the counter from a count of its 19 webhooks: 20 parallel creates get one slot', async () => {
    // Prepare: a data directory from before the counter, 19 of scale's 20 endpoints
    const deps = dependencies({ now: new Date('2026-01-01T00:00:00.000Z') });
    const accountId = await aLegacyAccount(19);
    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => reserveWebhookSlot(deps, accountId)),
    );
    // Assess
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(refusals).toHaveLength(19);
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({
        code: 'plan_limit_exceeded',
        details: { plan: 'scale', max_webhooks: 20, webhooks: 20 },
      });
    }
    expect((await counter.get(accountId))?.count).toBe(20);
  });

  it('recounts a counter that drifted high once it has stood still, and not while creates may be in flight', async () => {
    // Prepare: 18 endpoints, but the counter says 20 (two creates died between slot and endpoint)
    const clock = { now: new Date('2026-01-01T00:00:00.000Z') };
    const deps = dependencies(clock);
    const accountId = await aLegacyAccount(18);
    await counter.initialise(accountId, 20, clock.now.toISOString());
    // Act
    const recent = await rejection(reserveWebhookSlot(deps, accountId));
    clock.now = new Date(clock.now.getTime() + WEBHOOK_RECOUNT_QUIET_MS);
    const reservedAt = await reserveWebhookSlot(deps, accountId);
    // Assess
    expect(recent).toMatchObject({ code: 'plan_limit_exceeded', details: { webhooks: 20 } });
    expect(reservedAt).toBe(clock.now.toISOString());
    expect((await counter.get(accountId))?.count).toBe(19);
  });

  it('gives the slot of a deleted webhook back once, however many deletes race', async () => {
    // Prepare: scale's 20 endpoints, the counter at 20
    const clock = { now: new Date('2026-01-01T00:00:00.000Z') };
    const deps = dependencies(clock);
    const account = anAccount({ plan: 'scale', createdAt: '2025-12-31T00:00:00.000Z' });
    await accounts.create(account);
    const created: Webhook[] = [];
    for (let index = 0; index < 20; index++) {
      await reserveWebhookSlot(deps, account.id);
      const webhook = aWebhook({ accountId: account.id });
      await webhooks.create(webhook);
      created.push(webhook);
    }
    // Act
    const deletes = await Promise.allSettled(
      Array.from({ length: 5 }, () => deleteWebhook(deps, account.id, created[0]!.id)),
    );
    // Assess
    expect(deletes.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of deletes) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'not_found' });
    }
    expect((await counter.get(account.id))?.count).toBe(19);
    expect(await webhooks.countForAccount(account.id)).toBe(19);
  });

  it('gives the slot back when the endpoint write fails, so a failed create leaves the count as it was', async () => {
    // Prepare: an account at 1 of 20, and a config table that refuses the endpoint's write
    const deps = createDependencies(
      dynamoConfig(dynamo, {
        masterKey: async () => 'test-master-key',
        planLimits: withPlanLimitOverrides({}),
      }),
      { ...dynamoDbPorts, ...secretPorts },
    );
    const account = anAccount({ plan: 'scale', createdAt: '2025-12-31T00:00:00.000Z' });
    await accounts.create(account);
    await reserveWebhookSlot(deps, account.id);
    const failing = Object.create(deps.webhooks, {
      create: { value: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')) },
    }) as Dependencies['webhooks'];
    const failingDeps = Object.create(deps, { webhooks: { value: failing } }) as Dependencies;
    const body = createWebhookBody.parse(aWebhookBody({ url: 'http://127.0.0.1:9/hooks', events: [] }));
    // Act
    const failed = await createWebhook(failingDeps, account.id, body).then(
      () => undefined,
      (error: Error) => error.message,
    );
    const created = await createWebhook(deps, account.id, body);
    // Assess
    expect(failed).toBe('ProvisionedThroughputExceededException');
    expect(created.webhook.accountId).toBe(account.id);
    expect((await counter.get(account.id))?.count).toBe(2);
  });

  it('gives back the slot of a create that wrote nothing, and not one from before the last count', async () => {
    // Prepare
    const clock = { now: new Date('2026-01-01T00:00:00.000Z') };
    const deps = dependencies(clock);
    const account = anAccount({ plan: 'scale', createdAt: '2025-12-31T00:00:00.000Z' });
    await accounts.create(account);
    await reserveWebhookSlot(deps, account.id);
    const reservedAt = await reserveWebhookSlot(deps, account.id);
    // Act
    await releaseWebhookSlot(deps, account.id, reservedAt);
    await releaseWebhookSlot(deps, account.id, '2025-12-30T00:00:00.000Z');
    // Assess
    expect((await counter.get(account.id))?.count).toBe(1);
    expect((await storedCounter(account.id))?.webhook_count_since).toBe('2025-12-31T00:00:00.000Z');
  });
});
