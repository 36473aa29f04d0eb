import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { encodeCursor } from '../../lambdas/adapters/dynamodb/client.js';
import { QueryCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { newAccountId } from '../../lambdas/domain/ids.js';
import type { Account, ApiKeyRecord, Page } from '../../lambdas/domain/model.js';
import { CONFIG_INDEX } from '../../lib/storage-schema.js';
import { rejection } from '../support/assertions.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount, anApiKey } from '../support/factories.js';

/**
 * The admin listings against dynalite: accounts and an account's keys through the `account_items`
 * index, revocation, and the cursors of both.
 */

let dynamo: TestDynamo;
let accounts: DynamoAccountRepository;
let apiKeys: DynamoApiKeyRepository;
const NOW = new Date('2026-03-01T12:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynamo();
  accounts = new DynamoAccountRepository(dynamo.doc, dynamo.tables.config);
  apiKeys = new DynamoApiKeyRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

async function everyPage<T>(list: (cursor?: string) => Promise<Page<T>>, limit: number): Promise<T[]> {
  const found: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await list(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    found.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return found;
  }
  throw new Error('the listing did not end');
}

describe('DynamoAccountRepository.list', () => {
  const created: Account[] = [];

  beforeAll(async () => {
    for (const plan of ['enterprise', 'scale', 'pro', 'scale', 'pro', 'scale', 'enterprise'] as const) {
      const account = anAccount({ plan });
      created.push(account);
      await accounts.create(account);
    }
  });

  it.each([1, 2, 3, 7, 100])('lists every account once, by id, %i a page', async (limit) => {
    // Act
    const listed = await everyPage(
      (cursor) => accounts.list({ limit, ...(cursor ? { cursor } : {}) }),
      limit,
    );

    // Assess
    const expected = [...created].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(listed.filter((account) => created.some((item) => item.id === account.id))).toEqual(expected);
    expect(listed.map((account) => account.id)).toEqual(listed.map((account) => account.id).sort());
  });

  it('indexes account items under #ACCOUNT, keys only', async () => {
    // Prepare
    await apiKeys.create(anApiKey({ accountId: created[0]!.id }));

    // Act
    const { Items = [] } = await dynamo.doc.send(
      new QueryCommand({
        TableName: dynamo.tables.config,
        IndexName: CONFIG_INDEX.accountItems,
        KeyConditionExpression: 'sk = :sk',
        ExpressionAttributeValues: { ':sk': '#ACCOUNT' },
      }),
    );

    // Assess
    expect(Items.length).toBeGreaterThanOrEqual(created.length);
    for (const item of Items) expect(Object.keys(item).sort()).toEqual(['account_id', 'pk', 'sk']);
  });

  it.each([
    ['not base64url JSON', '%%%'],
    ['another partition', encodeCursor({ pk: 'ACCOUNT#x', after: 'x' })],
    ['no position', encodeCursor({ pk: 'ACCOUNTS' })],
    ['extra attributes', encodeCursor({ pk: 'ACCOUNTS', after: 'x', sk: '#ACCOUNT' })],
  ])('refuses a cursor of %s with validation_error', async (_what, cursor) => {
    expect(await rejection(accounts.list({ limit: 5, cursor }))).toMatchObject({ code: 'validation_error' });
  });

  it('changes name and plan, and lists the account as changed', async () => {
    // Prepare
    const account = anAccount({ plan: 'scale', name: 'Before' });
    await accounts.create(account);

    // Act
    const updated = await accounts.update(account.id, { name: 'After', plan: 'enterprise' });

    // Assess
    expect(updated).toEqual({ ...account, name: 'After', plan: 'enterprise' });
    expect(await accounts.get(account.id)).toEqual(updated);
    const listed = await everyPage((cursor) => accounts.list({ limit: 3, ...(cursor ? { cursor } : {}) }), 3);
    expect(listed.filter((item) => item.id === account.id)).toEqual([updated]);
  });

  it('refuses to update an account that does not exist, creating nothing', async () => {
    // Prepare
    const id = newAccountId();

    // Act
    const error = await rejection(accounts.update(id, { plan: 'pro' }));

    // Assess
    expect(error).toMatchObject({ code: 'not_found' });
    expect(await accounts.get(id)).toBeUndefined();
  });
});

describe('DynamoApiKeyRepository.listForAccount and revoke', () => {
  const summary = (key: ApiKeyRecord) => ({ id: key.id, prefix: key.prefix, scopes: key.scopes });

  it.each([1, 2, 10])(
    "lists an account's API keys and live session keys once each, %i a page, not another account's",
    async (limit) => {
      // Prepare
      const accountId = newAccountId();
      const keys = [anApiKey({ accountId }), anApiKey({ accountId, name: 'CI' }), anApiKey({ accountId })];
      const session = anApiKey({ accountId, prefix: 'ps_abcdefg', expiresAt: '2026-03-01T13:00:00.000Z' });
      const expired = anApiKey({ accountId, prefix: 'ps_zzzzzzz', expiresAt: '2026-03-01T11:00:00.000Z' });
      for (const key of [...keys, session, expired, anApiKey()]) await apiKeys.create(key);

      // Act
      const listed = await everyPage(
        (cursor) => apiKeys.listForAccount(accountId, { limit, ...(cursor ? { cursor } : {}) }, NOW),
        limit,
      );

      // Assess
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      const expected = [...keys, session].sort(byId);
      expect(listed.map(summary).sort(byId)).toEqual(expected.map(summary));
      expect(listed.find((key) => key.id === session.id)?.expiresAt).toBe(session.expiresAt);
      expect(listed.find((key) => key.name === 'CI')?.id).toBe(keys[1]!.id);
    },
  );

  it('records last_used_at at most once an hour, and not for a key that is gone', async () => {
    // Prepare
    const key = anApiKey();
    await apiKeys.create(key);
    const gone = anApiKey();

    // Act
    await apiKeys.touch(key.keyHash, '2026-03-01T12:00:00.000Z', '2026-03-01T11:00:00.000Z');
    await apiKeys.touch(key.keyHash, '2026-03-01T12:30:00.000Z', '2026-03-01T11:30:00.000Z');
    const withinTheHour = await apiKeys.findByHash(key.keyHash);
    await apiKeys.touch(key.keyHash, '2026-03-01T13:00:01.000Z', '2026-03-01T12:00:01.000Z');
    await apiKeys.touch(gone.keyHash, '2026-03-01T12:00:00.000Z', '2026-03-01T11:00:00.000Z');

    // Assess
    expect(withinTheHour?.lastUsedAt).toBe('2026-03-01T12:00:00.000Z');
    expect((await apiKeys.findByHash(key.keyHash))?.lastUsedAt).toBe('2026-03-01T13:00:01.000Z');
    expect(await apiKeys.findByHash(gone.keyHash)).toBeUndefined();
    const listed = await apiKeys.listForAccount(key.accountId, { limit: 5 }, NOW);
    expect(listed.items.map((item) => item.lastUsedAt)).toEqual(['2026-03-01T13:00:01.000Z']);
  });

  it("refuses another account's cursor and a malformed one", async () => {
    // Prepare
    const other = encodeCursor({ pk: `APIKEYS#${newAccountId()}`, after: 'key_x' });

    // Act + Assess
    for (const cursor of [other, 'not-json', encodeCursor({ pk: 'APIKEYS#acc', after: 'x', more: 'y' })]) {
      expect(await rejection(apiKeys.listForAccount('acc', { limit: 5, cursor }, NOW))).toMatchObject({
        code: 'validation_error',
      });
    }
  });

  it('revokes a key of its account only: it is found by hash no more', async () => {
    // Prepare
    const accountId = newAccountId();
    const key = anApiKey({ accountId });
    const kept = anApiKey({ accountId });
    await apiKeys.create(key);
    await apiKeys.create(kept);

    // Act
    const byOtherAccount = await apiKeys.revoke(newAccountId(), key.id);
    const revoked = await apiKeys.revoke(accountId, key.id);
    const again = await apiKeys.revoke(accountId, key.id);

    // Assess
    expect([byOtherAccount, revoked, again]).toEqual([false, true, false]);
    expect(await apiKeys.findByHash(key.keyHash)).toBeUndefined();
    expect(await apiKeys.findByHash(kept.keyHash)).toBeDefined();
    const listed = await apiKeys.listForAccount(accountId, { limit: 10 }, NOW);
    expect(listed.items.map((item) => item.id)).toEqual([kept.id]);
  });
});
