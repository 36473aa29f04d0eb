import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountPurgeRepository } from '../../lambdas/adapters/dynamodb/account-purge-store.js';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoAlertEmailRepository } from '../../lambdas/adapters/dynamodb/alert-email-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { DynamoEventLog } from '../../lambdas/adapters/dynamodb/event-log-store.js';
import { DynamoHistoryPurgeRepository } from '../../lambdas/adapters/dynamodb/history-purge-store.js';
import { DynamoPortalLinkRepository } from '../../lambdas/adapters/dynamodb/portal-link-store.js';
import { DynamoUsageRepository } from '../../lambdas/adapters/dynamodb/usage-store.js';
import { DynamoWebhookCounter } from '../../lambdas/adapters/dynamodb/webhook-count-store.js';
import { DynamoWebhookRepository } from '../../lambdas/adapters/dynamodb/webhook-store.js';
import { QueryCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { newAccountId } from '../../lambdas/domain/ids.js';
import {
  ACCOUNT_PURGE_STEPS,
  type AccountDeletionPorts,
  continueAccountPurges,
  deleteAccount,
  runAccountPurge,
} from '../../lambdas/services/account-deletion.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount, anApiKey, aWebhook } from '../support/factories.js';

/**
 * The account purge's steps against dynalite: the DELETE's part (mark, keys), the job carried on in
 * small budgets until nothing of the account is left, a second DELETE that does nothing twice, a
 * job left by a DELETE that crashed before its mark, and another account left whole.
 */

let dynamo: TestDynamo;
let deps: AccountDeletionPorts;
const NOW = new Date('2026-03-01T12:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynamo();
  const { doc, tables } = dynamo;
  deps = {
    accounts: new DynamoAccountRepository(doc, tables.config),
    accountPurges: new DynamoAccountPurgeRepository(doc, tables.config),
    apiKeys: new DynamoApiKeyRepository(doc, tables.config),
    webhooks: new DynamoWebhookRepository(doc, tables.config),
    historyPurges: new DynamoHistoryPurgeRepository(doc, tables.deliveries),
    eventLog: new DynamoEventLog(doc, tables.deliveries, { retentionDays: 30, clock: () => NOW }),
    clock: { now: () => NOW },
  };
});

afterAll(async () => {
  await dynamo?.stop();
});

/** An account with keys, webhooks, a portal link, alert addresses (outbox, token) and usage days. */
async function aFilledAccount() {
  const { doc, tables } = dynamo;
  const account = anAccount({ id: newAccountId() });
  await deps.accounts.create(account);
  const keys = Array.from({ length: 5 }, () => anApiKey({ accountId: account.id }));
  for (const key of keys) await deps.apiKeys.create(key);
  const webhooks = Array.from({ length: 3 }, () => aWebhook({ accountId: account.id }));
  for (const webhook of webhooks) await deps.webhooks.create(webhook);
  await new DynamoPortalLinkRepository(doc, tables.config).create({
    tokenHash: `${account.id}link`,
    accountId: account.id,
    readOnly: false,
    linkExpiresAt: '2026-03-01T12:15:00.000Z',
    sessionExpiresAt: '2026-03-01T13:00:00.000Z',
    createdAt: NOW.toISOString(),
  });
  const alertEmails = new DynamoAlertEmailRepository(doc, tables.config);
  await alertEmails.requestConfirmation(
    account.id,
    'ops@example.com',
    'ops@example.com',
    NOW.toISOString(),
    NOW.toISOString(),
  );
  await alertEmails.requeue({
    accountId: account.id,
    address: 'ops@example.com',
    requestedAt: NOW.toISOString(),
  });
  await alertEmails.putToken({
    tokenHash: `${account.id}token`,
    accountId: account.id,
    address: 'ops@example.com',
    expiresAt: '2026-03-08T12:00:00.000Z',
  });
  const usage = new DynamoUsageRepository(doc, tables.config);
  for (const day of ['2026-02-27', '2026-02-28', '2026-03-01']) await usage.admitEvent(account.id, day, null);
  return { account, keys, webhooks };
}

/** Every config-table item that names the account, in a key or an attribute. */
async function itemsOf(accountId: string): Promise<unknown[]> {
  const { doc, tables } = dynamo;
  const queries = [{ pk: `ACCOUNT#${accountId}` }, { pk: 'ALERTEMAIL_OUTBOX' }, { pk: 'ACCOUNT_PURGE' }];
  const found: unknown[] = [];
  for (const { pk } of queries) {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: tables.config,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    );
    found.push(...Items.filter((item) => JSON.stringify(item).includes(accountId)));
  }
  for (const sk of ['#APIKEY', '#PORTALLINK', '#EMAILTOKEN']) {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: tables.config,
        IndexName: 'account_items',
        KeyConditionExpression: 'sk = :sk AND account_id = :account',
        ExpressionAttributeValues: { ':sk': sk, ':account': accountId },
      }),
    );
    found.push(...Items);
  }
  return found;
}

describe('account purge', () => {
  it('deletes keys in the request, then everything else in small steps, the account item last', async () => {
    // Prepare
    const doomed = await aFilledAccount();
    const kept = await aFilledAccount();
    const keptBefore = await itemsOf(kept.account.id);

    // Act: the request, with room for 2 keys only
    await deleteAccount(deps, doomed.account.id, { inlineKeyLimit: 2 });

    // Assess
    expect(await deps.accounts.get(doomed.account.id)).toBeUndefined();
    expect(await deps.accounts.exists(doomed.account.id)).toBe(true);
    const counter = new DynamoWebhookCounter(dynamo.doc, dynamo.tables.config);
    expect(await counter.reserve(doomed.account.id, null, NOW.toISOString())).toEqual({
      outcome: 'no_account',
    });
    const alertEmails = new DynamoAlertEmailRepository(dynamo.doc, dynamo.tables.config);
    expect(
      await alertEmails.setPlatformAddresses(doomed.account.id, []).catch((error: unknown) => error),
    ).toMatchObject({
      code: 'not_found',
    });
    const found = await Promise.all(doomed.keys.map((key) => deps.apiKeys.findByHash(key.keyHash)));
    expect(found.filter(Boolean)).toHaveLength(3);

    // Act: the reconciler, 3 items a run
    const steps: string[] = [];
    for (let run = 0; run < 50; run++) {
      const [job] = await deps.accountPurges.list(10);
      if (!job) break;
      steps.push(job.step);
      await runAccountPurge(deps, job, 3);
    }

    // Assess
    expect(await itemsOf(doomed.account.id)).toEqual([]);
    expect(await deps.accounts.exists(doomed.account.id)).toBe(false);
    expect([...new Set(steps)]).toEqual(ACCOUNT_PURGE_STEPS.filter((step) => steps.includes(step)));
    const purges = await deps.historyPurges.listHistoryPurges(100);
    expect(
      purges
        .filter((purge) => purge.accountId === doomed.account.id)
        .map((purge) => purge.webhookId)
        .sort(),
    ).toEqual(doomed.webhooks.map((webhook) => webhook.id).sort());
    for (const webhook of doomed.webhooks)
      expect(await deps.webhooks.get(doomed.account.id, webhook.id)).toBeUndefined();
    expect(await itemsOf(kept.account.id)).toEqual(keptBefore);
  });

  it('does nothing twice on a second DELETE while the job runs', async () => {
    // Prepare
    const { account } = await aFilledAccount();
    await deleteAccount(deps, account.id);
    const [job] = (await deps.accountPurges.list(100)).filter((item) => item.accountId === account.id);
    await runAccountPurge(deps, job!, 2);
    const [moved] = (await deps.accountPurges.list(100)).filter((item) => item.accountId === account.id);

    // Act
    const again = await deleteAccount(deps, account.id);

    // Assess
    expect(again.keysDeleted).toBe(0);
    const [after] = (await deps.accountPurges.list(100)).filter((item) => item.accountId === account.id);
    expect(after).toEqual(moved);
    expect(after!.step).not.toBe('mark');
  });

  it('carries on a job whose DELETE crashed before the mark: marks the account first', async () => {
    // Prepare
    const { account } = await aFilledAccount();
    await deps.accountPurges.request(account.id, ACCOUNT_PURGE_STEPS[0]!, '2026-03-01T11:00:00.000Z');

    // Act
    for (let run = 0; run < 10; run++) await continueAccountPurges(deps, { budget: 1000 });

    // Assess
    expect(await deps.accounts.exists(account.id)).toBe(false);
    expect(await itemsOf(account.id)).toEqual([]);
  });

  it('answers not_found for an account that does not exist, writing no job', async () => {
    // Prepare
    const id = newAccountId();

    // Act
    const error = await deleteAccount(deps, id).catch((reason: unknown) => reason);

    // Assess
    expect(error).toMatchObject({ code: 'not_found' });
    expect((await deps.accountPurges.list(100)).map((job) => job.accountId)).not.toContain(id);
  });
});
