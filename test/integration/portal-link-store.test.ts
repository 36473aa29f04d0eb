import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { DynamoPortalLinkRepository } from '../../lambdas/adapters/dynamodb/portal-link-store.js';
import { GetCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { newAccountId } from '../../lambdas/domain/ids.js';
import {
  hashPortalLinkToken,
  newPortalLinkToken,
  type PortalLink,
  portalTimes,
} from '../../lambdas/domain/portal.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anApiKey } from '../support/factories.js';

let dynamo: TestDynamo;
let links: DynamoPortalLinkRepository;
let apiKeys: DynamoApiKeyRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  links = new DynamoPortalLinkRepository(dynamo.doc, dynamo.tables.config);
  apiKeys = new DynamoApiKeyRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

const MINTED_AT = new Date('2026-03-01T12:00:00.000Z');

function aLink(overrides: Partial<PortalLink> = {}): PortalLink {
  return {
    tokenHash: hashPortalLinkToken(newPortalLinkToken()),
    accountId: newAccountId(),
    readOnly: false,
    ...portalTimes(MINTED_AT, 3600),
    createdAt: MINTED_AT.toISOString(),
    ...overrides,
  };
}

const storedItem = async (tokenHash: string) =>
  (
    await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.config,
        Key: { pk: `PORTALLINK#${tokenHash}`, sk: '#PORTALLINK' },
      }),
    )
  ).Item;

describe('DynamoPortalLinkRepository', () => {
  it('stores the hash, the account, the two expiries and a TTL a day past the link, never a token', async () => {
    // Prepare
    const link = aLink({ readOnly: true });

    // Act
    await links.create(link);

    // Assess
    const item = await storedItem(link.tokenHash);
    expect(item).toEqual({
      pk: `PORTALLINK#${link.tokenHash}`,
      sk: '#PORTALLINK',
      account_id: link.accountId,
      read_only: true,
      link_expires_at: '2026-03-01T12:15:00.000Z',
      session_expires_at: '2026-03-01T13:00:00.000Z',
      created_at: MINTED_AT.toISOString(),
      purge_at: Date.parse('2026-03-02T12:15:00.000Z') / 1000,
    });
  });

  it("stores a branded link's colour and product name and hands them back on redemption", async () => {
    // Prepare
    const link = aLink({ primaryColor: '#0a7cff', productName: 'Acme Hooks 👨‍👩‍👧' });

    // Act
    await links.create(link);
    const redeemed = await links.redeem(link.tokenHash, MINTED_AT);

    // Assess
    expect(await storedItem(link.tokenHash)).toMatchObject({
      primary_color: '#0a7cff',
      product_name: 'Acme Hooks 👨‍👩‍👧',
    });
    expect(redeemed).toEqual({ outcome: 'redeemed', link });
  });

  it('redeems a link once: the second redemption finds it used', async () => {
    // Prepare
    const link = aLink();
    await links.create(link);
    const now = new Date(MINTED_AT.getTime() + 60_000);

    // Act
    const first = await links.redeem(link.tokenHash, now);
    const second = await links.redeem(link.tokenHash, now);

    // Assess
    expect(first).toEqual({ outcome: 'redeemed', link });
    expect(first.outcome === 'redeemed' ? Object.keys(first.link) : []).not.toContain('primaryColor');
    expect(second).toEqual({ outcome: 'used_or_expired' });
    expect((await storedItem(link.tokenHash))?.used_at).toBe(now.toISOString());
  });

  it('lets exactly one of many concurrent redemptions win', async () => {
    // Prepare
    const link = aLink();
    await links.create(link);

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => links.redeem(link.tokenHash, MINTED_AT)),
    );

    // Assess
    expect(outcomes.filter((result) => result.outcome === 'redeemed')).toHaveLength(1);
    expect(outcomes.filter((result) => result.outcome === 'used_or_expired')).toHaveLength(7);
  });

  it('refuses a link at and after its expiry, and leaves it unused', async () => {
    // Prepare
    const link = aLink();
    await links.create(link);

    // Act
    const atExpiry = await links.redeem(link.tokenHash, new Date(link.linkExpiresAt));

    // Assess
    expect(atExpiry).toEqual({ outcome: 'used_or_expired' });
    expect((await storedItem(link.tokenHash))?.used_at).toBeUndefined();
  });

  it('answers not_found for a token hash it never stored', async () => {
    // Act and Assess
    expect(await links.redeem(hashPortalLinkToken(newPortalLinkToken()), MINTED_AT)).toEqual({
      outcome: 'not_found',
    });
  });
});

describe('DynamoApiKeyRepository with portal session keys', () => {
  it('stores a session key with its expiry and the TTL, and reads the expiry back', async () => {
    // Prepare
    const { key: _key, ...key } = anApiKey({ expiresAt: '2026-03-01T13:00:00.000Z' });

    // Act
    await apiKeys.create(key);

    // Assess
    expect(await apiKeys.findByHash(key.keyHash)).toEqual(key);
    const item = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.config,
        Key: { pk: `APIKEY#${key.keyHash}`, sk: '#APIKEY' },
      }),
    );
    expect(item.Item?.purge_at).toBe(Date.parse('2026-03-01T13:00:00.000Z') / 1000);
  });

  it('writes no expiry or TTL for an API key', async () => {
    // Prepare
    const key = anApiKey();

    // Act
    await apiKeys.create(key);

    // Assess
    const found = await apiKeys.findByHash(key.keyHash);
    expect(found?.expiresAt).toBeUndefined();
    const item = await dynamo.doc.send(
      new GetCommand({
        TableName: dynamo.tables.config,
        Key: { pk: `APIKEY#${key.keyHash}`, sk: '#APIKEY' },
      }),
    );
    expect(item.Item).not.toHaveProperty('purge_at');
    expect(item.Item).not.toHaveProperty('expires_at');
  });
});
