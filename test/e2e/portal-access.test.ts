import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../lambdas/local/options.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import { aWebhookBody } from '../support/factories.js';
import {
  type ApiClient,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';

/**
 * Customer-portal access end to end (docs/portal.md): the admin mints a one-time link, the portal
 * exchanges its token once for a session key of that account alone, and the key works like an API
 * key until the session ends. Time is the runtime's clock, moved by the tests (no waiting).
 */

interface PortalLinkBody {
  readonly url: string;
  readonly expires_at: string;
}
interface PortalSessionBody {
  readonly session_key: string;
  readonly account_id: string;
  readonly read_only: boolean;
  readonly expires_at: string;
  readonly scopes: string[];
  readonly primary_color: string | null;
  readonly product_name: string | null;
}

const tokenOf = (url: string): string => {
  const fragment = new URL(url).hash;
  const token = new URLSearchParams(fragment.slice(1)).get('token');
  if (!token) throw new Error(`No token in ${url}`);
  return token;
};

describe('portal access', () => {
  let runtime: TestRuntime;
  let offsetMs = 0;
  let anonymous: ApiClient;

  const mint = async (accountId: string, body: Record<string, unknown> = {}) => {
    const minted = await runtime.admin.post<PortalLinkBody>(
      `/v1/admin/accounts/${accountId}/portal-sessions`,
      body,
    );
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    return minted.body;
  };
  const exchange = (token: string) =>
    anonymous.post<PortalSessionBody & ErrorBody>('/v1/portal/sessions', { token });
  const openSession = async (accountId: string, body: Record<string, unknown> = {}) => {
    const opened = await exchange(tokenOf((await mint(accountId, body)).url));
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    return opened.body;
  };
  /** How many portal links the config table holds (what a refused mint must not add to). */
  const storedLinks = async (): Promise<number> => {
    const { ScanCommand } = await import('../../lambdas/aws/lean/dynamodb.js');
    const { createDocumentClient } = await import('../../lambdas/adapters/dynamodb/client.js');
    const doc = createDocumentClient({ endpoint: runtime.engines.dynamoDbEndpoint, region: 'us-east-1' });
    const scanned = await doc.send(
      new ScanCommand({
        TableName: LOCAL_TABLES.config,
        FilterExpression: 'begins_with(pk, :link)',
        ExpressionAttributeValues: { ':link': 'PORTALLINK#' },
      }),
    );
    return scanned.Items?.length ?? 0;
  };

  beforeAll(async () => {
    runtime = await startTestRuntime({ clock: { now: () => new Date(Date.now() + offsetMs) } });
    anonymous = runtime.tenant.withToken(undefined);
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  it('mints a link to the portal with the token in the fragment, and a portal link for acc_local at start', async () => {
    // Act
    const link = await mint(runtime.accountId, { ttl_seconds: 600 });

    // Assess
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${runtime.url}/portal/`);
    expect(url.search).toBe('');
    expect(tokenOf(link.url)).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
    const expiresIn = Date.parse(link.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);
    expect(runtime.portalLink.url.startsWith(`${runtime.url}/portal/#token=pl_`)).toBe(true);
  });

  it('exchanges the link for a session key that sees only its account', async () => {
    // Prepare
    const own = await runtime.tenant.post<{ id: string }>('/v1/webhooks', aWebhookBody({ name: 'Local' }));
    expect(own.status).toBe(201);
    const other = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Other' });
    const otherKey = await runtime.admin.post<{ key: string }>(
      `/v1/admin/accounts/${other.body.id}/api-keys`,
      {
        scopes: ['webhooks:read', 'webhooks:write'],
      },
    );
    const othersWebhook = await runtime.tenant
      .withToken(otherKey.body.key)
      .post<{ id: string }>('/v1/webhooks', aWebhookBody({ name: 'Other' }));
    expect(othersWebhook.status).toBe(201);
    const link = await mint(runtime.accountId, { ttl_seconds: 3600 });

    // Act
    const session = await exchange(tokenOf(link.url));

    // Assess
    expect(session.status).toBe(201);
    expect(session.body).toEqual({
      session_key: expect.stringMatching(/^ps_[0-9a-z]{40}$/),
      account_id: runtime.accountId,
      read_only: false,
      expires_at: link.expires_at,
      scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
      primary_color: null,
      product_name: null,
    });
    const seen = await listAllWebhooks(runtime.tenant.withToken(session.body.session_key));
    expect(seen.map((webhook) => webhook.id)).toContain(own.body.id);
    expect(seen.map((webhook) => webhook.id)).not.toContain(othersWebhook.body.id);
    const othersOne = await runtime.tenant
      .withToken(session.body.session_key)
      .get<ErrorBody>(`/v1/webhooks/${othersWebhook.body.id}`);
    expectError(othersOne, 404, 'not_found');
  });

  it("gives another account's link a session of that account, never acc_local's data", async () => {
    // Prepare
    const other = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Stranger' });
    const localWebhook = await runtime.tenant.post<{ id: string }>('/v1/webhooks', aWebhookBody());

    // Act
    const session = await openSession(other.body.id);

    // Assess
    expect(session.account_id).toBe(other.body.id);
    const client = runtime.tenant.withToken(session.session_key);
    expect(await listAllWebhooks(client)).toEqual([]);
    expectError(await client.get<ErrorBody>(`/v1/webhooks/${localWebhook.body.id}`), 404, 'not_found');
  });

  it('gives a read-only link a session that reads but cannot write (403 like a read-only API key)', async () => {
    // Act
    const session = await openSession(runtime.accountId, { read_only: true });

    // Assess
    expect(session.read_only).toBe(true);
    expect(session.scopes).toEqual(['webhooks:read']);
    const client = runtime.tenant.withToken(session.session_key);
    expect((await client.get('/v1/webhooks')).status).toBe(200);
    expectError(await client.post<ErrorBody>('/v1/webhooks', aWebhookBody()), 403, 'forbidden');
  });

  it('refuses a link used already (410) and a forged token (404)', async () => {
    // Prepare
    const token = tokenOf((await mint(runtime.accountId)).url);
    expect((await exchange(token)).status).toBe(201);

    // Act
    const reused = await exchange(token);
    const forged = await exchange(`pl_${randomBytes(32).toString('base64url')}`);
    const malformed = await exchange('not-a-token');

    // Assess
    expectError(reused, 410, 'link_used_or_expired');
    expectError(forged, 404, 'link_not_found');
    expectError(malformed, 404, 'link_not_found');
    for (const refused of [reused, forged, malformed]) expect(refused.body).not.toHaveProperty('session_key');
  });

  it('lets exactly one of two parallel exchanges of one link win', async () => {
    // Prepare
    const token = tokenOf((await mint(runtime.accountId)).url);

    // Act
    const results = await Promise.all([exchange(token), exchange(token)]);

    // Assess
    expect(results.map((result) => result.status).sort()).toEqual([201, 410]);
    const loser = results.find((result) => result.status === 410);
    if (loser) expectError(loser, 410, 'link_used_or_expired');
  });

  it('refuses a link unused for 15 minutes, and a session key from its end on (401)', async () => {
    // Prepare
    const stale = tokenOf((await mint(runtime.accountId, { ttl_seconds: 3600 })).url);
    const session = await openSession(runtime.accountId, { ttl_seconds: 60 });
    const client = runtime.tenant.withToken(session.session_key);
    expect((await client.get('/v1/webhooks')).status).toBe(200);

    // Act
    offsetMs = 15 * 60_000;
    const staleExchange = await exchange(stale);
    const afterEnd = await client.get<ErrorBody>('/v1/webhooks');
    offsetMs = 0;

    // Assess
    expectError(staleExchange, 410, 'link_used_or_expired');
    expectError(afterEnd, 401, 'unauthorized');
  });

  it('carries the branding from the mint to the exchange: the colour in lower case, the name trimmed', async () => {
    // Act
    const branded = await openSession(runtime.accountId, {
      primary_color: '#0A7cFF',
      product_name: '  Acme Hooks 👨‍👩‍👧 — Überblick  ',
      read_only: true,
    });
    const colourOnly = await openSession(runtime.accountId, { primary_color: '#000000' });
    const nameOnly = await openSession(runtime.accountId, { product_name: '東京フック' });

    // Assess
    expect(branded).toMatchObject({
      primary_color: '#0a7cff',
      product_name: 'Acme Hooks 👨‍👩‍👧 — Überblick',
      read_only: true,
    });
    expect(colourOnly).toMatchObject({ primary_color: '#000000', product_name: null });
    expect(nameOnly).toMatchObject({ primary_color: null, product_name: '東京フック' });
  });

  it('takes a product name of exactly 60 characters, emoji counting as characters', async () => {
    // Act
    const ascii = await openSession(runtime.accountId, { product_name: 'x'.repeat(60) });
    const emoji = await openSession(runtime.accountId, { product_name: '👍'.repeat(60) });

    // Assess
    expect(ascii.product_name).toBe('x'.repeat(60));
    expect(emoji.product_name).toBe('👍'.repeat(60));
  });

  it('refuses a bad colour or product name with a 400 naming the field, and mints no link', async () => {
    // Prepare
    const before = await storedLinks();
    const bad: [string, unknown][] = [
      ...['red', '#fff', '#12345g', 'javascript:', 'javascript:alert(1)', '#1a2b3c;', '', 7, null].map(
        (colour): [string, unknown] => ['primary_color', colour],
      ),
      ...[
        '',
        '   ',
        'x'.repeat(61),
        '👍'.repeat(61),
        'x'.repeat(200_000),
        'Acme\nHooks',
        'Acme\u0000',
        'Acme\u0085',
        'Acme\u202eskooH',
        'Acme\ud800',
        ['Acme'],
      ].map((name): [string, unknown] => ['product_name', name]),
    ];

    // Act
    const responses = await Promise.all(
      bad.map(([field, value]) =>
        runtime.admin.post<ErrorBody>(`/v1/admin/accounts/${runtime.accountId}/portal-sessions`, {
          [field]: value,
        }),
      ),
    );

    // Assess
    responses.forEach((response, index) => {
      const [field, value] = bad[index] ?? [];
      const what = `${field} ${JSON.stringify(value).slice(0, 40)}`;
      expect(response.status, what).toBe(400);
      expectError(response, 400, 'validation_error');
      expect(response.body.error.details, what).toEqual([expect.objectContaining({ path: `body.${field}` })]);
    });
    expect(await storedLinks()).toBe(before);
  });

  it('refuses bad bodies with 400 and writes nothing', async () => {
    // Prepare
    const before = await storedLinks();

    // Act
    const responses = await Promise.all(
      [
        { ttl_seconds: 0 },
        { ttl_seconds: 86_401 },
        { ttl_seconds: 59 },
        { ttl_seconds: 600.5 },
        { ttl_seconds: '600' },
        { read_only: 'yes' },
        { scope: 'admin' },
      ].map((body) =>
        runtime.admin.post<ErrorBody>(`/v1/admin/accounts/${runtime.accountId}/portal-sessions`, body),
      ),
    );
    const badExchanges = await Promise.all(
      [{}, { token: 7 }, { token: 'pl_x', extra: true }].map((body) =>
        anonymous.post<ErrorBody>('/v1/portal/sessions', body),
      ),
    );

    // Assess
    for (const response of [...responses, ...badExchanges]) expectError(response, 400, 'validation_error');
    expect(await storedLinks()).toBe(before);
  });

  it('answers 404 for an unknown account and writes nothing', async () => {
    // Prepare
    const before = await storedLinks();

    // Act
    const response = await runtime.admin.post<ErrorBody>(
      `/v1/admin/accounts/acc_${randomBytes(8).toString('hex')}/portal-sessions`,
      {},
    );

    // Assess
    expectError(response, 404, 'not_found');
    expect(await storedLinks()).toBe(before);
  });

  it('lets no tenant key mint a link (403)', async () => {
    // Act
    const response = await runtime.tenant.post<ErrorBody>(
      `/v1/admin/accounts/${runtime.accountId}/portal-sessions`,
      {},
    );

    // Assess
    expectError(response, 403, 'forbidden');
  });
});
