import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { continueAccountPurges } from '../../lambdas/services/account-deletion.js';
import { continueHistoryPurges } from '../../lambdas/services/retention.js';
import { expectError } from '../support/assertions.js';
import { aWebhookBody } from '../support/factories.js';
import { type ApiClient, eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * DELETE /v1/admin/accounts/{id} on the local runtime: its keys answer 401 at once, the account
 * reads as not found, a second DELETE is 202 again; once the reconciler has run, nothing of the
 * account is left in either table, and another account is untouched.
 */

let runtime: TestRuntime;
let admin: ApiClient;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  admin = runtime.admin;
  dynamo = new DynamoDBClient({ endpoint: runtime.engines.dynamoDbEndpoint, region: 'us-east-1' });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.dispose();
});

/** An account with a key, two webhooks, platform alert addresses, a portal link and a published event. */
async function aFilledAccount(id: string) {
  expect((await admin.post('/v1/admin/accounts', { id, name: `Account ${id}` })).status).toBe(201);
  const key = await admin.post<{ key: string }>(`/v1/admin/accounts/${id}/api-keys`, {
    scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
  });
  const tenant = runtime.tenant.withToken(key.body.key);
  const webhooks: string[] = [];
  for (const name of ['One', 'Two']) {
    const created = await tenant.post<WebhookResource>('/v1/webhooks', aWebhookBody({ name }));
    expect(created.status).toBe(201);
    webhooks.push(created.body.id);
  }
  expect((await admin.patch(`/v1/admin/accounts/${id}`, { alert_emails: ['ops@example.com'] })).status).toBe(
    200,
  );
  expect((await admin.post(`/v1/admin/accounts/${id}/portal-sessions`, {})).status).toBe(201);
  // An event in its log (entry, payload, deliveries): account deletion removes those too.
  const event = await tenant.post<{ id: string }>('/v1/events', { type: 'order.created', data: { id } });
  expect(event.status).toBe(202);
  await eventually(async () => {
    const logged = await tenant.get<{ data: { id: string }[] }>('/v1/events');
    return logged.body.data.some((entry) => entry.id === event.body.id) ? true : undefined;
  });
  return { id, tenant, webhooks };
}

/** Every item of a table that names the account (in a key or an attribute). */
async function itemsNaming(tableName: string, accountId: string, webhookIds: readonly string[]) {
  const found: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = unmarshall(raw);
      const text = JSON.stringify(item);
      if (text.includes(accountId) || webhookIds.some((id) => text.includes(id))) found.push(item);
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return found;
}

async function runReconcilerParts(): Promise<void> {
  for (let run = 0; run < 10; run++) {
    const accounts = await continueAccountPurges(runtime.dependencies, { graceMs: 0 });
    await continueHistoryPurges(runtime.dependencies, { graceMs: 0 });
    if (accounts.completed === 0 && accounts.deleted === 0) return;
  }
}

describe('DELETE /v1/admin/accounts/{id}', () => {
  it('stops its keys at once, hides the account, and leaves nothing of it once the reconciler ran', async () => {
    // Prepare
    const doomed = await aFilledAccount('acc_doomed');
    const other = await aFilledAccount('acc_kept');
    const { config, deliveries } = runtime.engines.tables;

    // Act
    const response = await admin.delete<{ deleted: boolean }>('/v1/admin/accounts/acc_doomed');

    // Assess: at once
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ deleted: true });
    expectError(await doomed.tenant.get('/v1/webhooks'), 401, 'unauthorized');
    expectError(await admin.get('/v1/admin/accounts/acc_doomed'), 404, 'not_found');
    expectError(
      await admin.post('/v1/admin/accounts/acc_doomed/api-keys', { scopes: ['webhooks:read'] }),
      404,
      'not_found',
    );
    expectError(await admin.post('/v1/admin/accounts/acc_doomed/portal-sessions', {}), 404, 'not_found');
    expectError(await admin.post('/v1/admin/accounts', { id: 'acc_doomed', name: 'Again' }), 409, 'conflict');
    const again = await admin.delete<{ deleted: boolean }>('/v1/admin/accounts/acc_doomed');
    expect(again.status).toBe(202);
    const listed = await admin.get<{ data: { id: string }[] }>('/v1/admin/accounts?limit=100');
    expect(listed.body.data.map((account) => account.id)).not.toContain('acc_doomed');

    // Act: the reconciler
    await runReconcilerParts();

    // Assess: nothing left, the other account untouched
    expect(await itemsNaming(config, 'acc_doomed', doomed.webhooks)).toEqual([]);
    // A deleted webhook's stats item becomes a `retired_at` marker with a TTL (docs/storage.md), as
    // on any webhook delete: it holds no data and makes late counter updates no-ops.
    const left = await itemsNaming(deliveries, 'acc_doomed', doomed.webhooks);
    expect(left.filter((item) => item.retired_at === undefined)).toEqual([]);
    expectError(await admin.delete('/v1/admin/accounts/acc_doomed'), 404, 'not_found');
    expect((await admin.post('/v1/admin/accounts', { id: 'acc_doomed', name: 'Reborn' })).status).toBe(201);
    const kept = await other.tenant.get<{ data: WebhookResource[] }>('/v1/webhooks');
    expect(kept.status).toBe(200);
    expect(kept.body.data.map((webhook) => webhook.id).sort()).toEqual([...other.webhooks].sort());
    expect((await admin.get('/v1/admin/accounts/acc_kept')).status).toBe(200);
    expect((await itemsNaming(config, 'acc_kept', other.webhooks)).length).toBeGreaterThan(5);
  }, 60_000);

  it('answers 404 for an account that does not exist, and for an id that cannot be one', async () => {
    expectError(await admin.delete('/v1/admin/accounts/acc_nobody'), 404, 'not_found');
    expectError(await admin.delete('/v1/admin/accounts/a%20b'), 404, 'not_found');
  });

  it('refuses a tenant key with 403', async () => {
    expectError(await runtime.tenant.delete(`/v1/admin/accounts/${runtime.accountId}`), 403, 'forbidden');
    expect((await runtime.tenant.get('/v1/webhooks')).status).toBe(200);
  });
});
