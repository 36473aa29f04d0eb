import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import { aWebhookBody } from '../support/factories.js';
import {
  type ApiClient,
  type ApiResponse,
  startTestRuntime,
  type TestRuntime,
  type WebhookPage,
} from '../support/local-runtime.js';

/**
 * The platform-admin API end to end: accounts, API keys, the event-type catalog, and who may call
 * it (locally: the bearer admin token; never a tenant key, never nobody).
 */

interface AccountBody {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
  readonly alert_email: string | null;
  readonly created_at: string;
}
interface ApiKeyBody {
  readonly id: string;
  readonly key: string;
  readonly prefix: string;
  readonly scopes: string[];
  readonly name: string | null;
}
interface AccountPage {
  readonly data: AccountBody[];
  readonly next_cursor: string | null;
}
interface ApiKeySummary {
  readonly id: string;
  readonly name: string | null;
  readonly type: 'api_key' | 'portal_session';
  readonly prefix: string;
  readonly scopes: string[];
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}
interface ApiKeyPage {
  readonly data: ApiKeySummary[];
  readonly next_cursor: string | null;
}
interface EventTypeResource {
  readonly name: string;
  readonly description: string;
  readonly example: unknown;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

const uniqueId = (prefix: string): string => `${prefix}_${randomBytes(4).toString('hex')}`;

function anAccountBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Globex', ...overrides };
}

describe('admin API', () => {
  let runtime: TestRuntime;
  let admin: ApiClient;

  const createAccount = async (overrides: Record<string, unknown> = {}): Promise<AccountBody> => {
    const response = await admin.post<AccountBody>('/v1/admin/accounts', anAccountBody(overrides));
    expect(response.status).toBe(201);
    return response.body;
  };

  const eventTypeNames = async (): Promise<string[]> => {
    const response = await runtime.tenant.get<{ data: EventTypeResource[] }>('/v1/event-types');
    expect(response.status).toBe(200);
    return response.body.data.map((eventType) => eventType.name);
  };

  beforeAll(async () => {
    runtime = await startTestRuntime();
    admin = runtime.admin;
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  describe('POST /v1/admin/accounts', () => {
    it('creates an account with a generated id and the default plan', async () => {
      // Act
      const response = await admin.post<AccountBody>(
        '/v1/admin/accounts',
        anAccountBody({ name: 'Initech' }),
      );

      // Assess
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ name: 'Initech', plan: 'scale', alert_email: null });
      expect(response.body.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(response.body.created_at).toMatch(ISO_8601);
    });

    it('creates an account with the id and plan given', async () => {
      // Prepare
      const id = uniqueId('acc_given');

      // Act
      const response = await admin.post<AccountBody>(
        '/v1/admin/accounts',
        anAccountBody({ id, plan: 'enterprise', alert_email: 'ops@globex.example' }),
      );

      // Assess
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ id, plan: 'enterprise', alert_email: 'ops@globex.example' });
    });

    it('answers 409 for an id that is taken', async () => {
      // Prepare
      const id = uniqueId('acc_dup');
      await createAccount({ id, name: 'First' });

      // Act
      const response = await admin.post<ErrorBody>(
        '/v1/admin/accounts',
        anAccountBody({ id, name: 'Second' }),
      );

      // Assess
      expectError(response, 409, 'conflict');
    });

    it('gives every generated account its own id', async () => {
      // Act
      const first = await createAccount();
      const second = await createAccount();

      // Assess
      expect(first.id).not.toBe(second.id);
    });

    it.each([
      ['a missing name', {}],
      ['an unknown plan', { name: 'x', plan: 'platinum' }],
      ['an unknown field', { name: 'x', owner: 'me' }],
      ['an id with a slash', { name: 'x', id: 'acc/evil' }],
      ['a name over 200 characters', { name: 'n'.repeat(201) }],
    ])('rejects %s with 400 and creates nothing', async (_label, body) => {
      // Prepare: the id the body would have created must still be free afterwards
      const id = uniqueId('acc_bad');
      const withId = 'id' in body ? body : { ...body, id };

      // Act
      const response = await admin.post<ErrorBody>('/v1/admin/accounts', withId);

      // Assess
      expectError(response, 400, 'validation_error');
      if (!('id' in body)) {
        const retry = await admin.post<AccountBody>('/v1/admin/accounts', anAccountBody({ id }));
        expect(retry.status).toBe(201);
      }
    });
  });

  describe('POST /v1/admin/accounts/{id}/api-keys', () => {
    it('answers 201 with the key, shown once, its prefix and scopes', async () => {
      // Prepare
      const account = await createAccount();

      // Act
      const response = await admin.post<ApiKeyBody>(`/v1/admin/accounts/${account.id}/api-keys`, {
        scopes: ['webhooks:read', 'events:publish'],
        name: 'ci',
      });

      // Assess
      expect(response.status).toBe(201);
      expect(response.body.key).toMatch(/^ak_[0-9a-z]+$/);
      expect(response.body.key.startsWith(response.body.prefix)).toBe(true);
      expect(response.body.prefix.length).toBeLessThan(response.body.key.length);
      expect(response.body.scopes).toEqual(['webhooks:read', 'events:publish']);
      expect(response.body.name).toBe('ci');
      expect(typeof response.body.id).toBe('string');
      expect(response.body.id).not.toContain(response.body.key);
    });

    it('issues a key that authenticates as the account', async () => {
      // Prepare
      const account = await createAccount();
      const issued = await admin.post<ApiKeyBody>(`/v1/admin/accounts/${account.id}/api-keys`, {
        scopes: ['webhooks:read', 'webhooks:write'],
      });
      const client = runtime.tenant.withToken(issued.body.key);

      // Act
      const created = await client.post<WebhookResource>('/v1/webhooks', aWebhookBody());
      const listed = await client.get<WebhookPage>('/v1/webhooks');

      // Assess
      expect(created.status).toBe(201);
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((webhook) => webhook.id)).toEqual([created.body.id]);
    });

    it('issues a different key every time', async () => {
      // Prepare
      const account = await createAccount();
      const path = `/v1/admin/accounts/${account.id}/api-keys`;

      // Act
      const first = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });
      const second = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });

      // Assess
      expect(first.body.key).not.toBe(second.body.key);
      expect(first.body.id).not.toBe(second.body.id);
    });

    it('answers 404 for an unknown account', async () => {
      // Act
      const response = await admin.post<ErrorBody>(`/v1/admin/accounts/${uniqueId('acc_none')}/api-keys`, {
        scopes: ['webhooks:read'],
      });

      // Assess
      expectError(response, 404, 'not_found');
    });

    it.each([
      ['no scopes', { scopes: [] }],
      ['an unknown scope', { scopes: ['admin'] }],
      ['a repeated scope', { scopes: ['webhooks:read', 'webhooks:read'] }],
      ['a missing scopes field', {}],
      ['an unknown field', { scopes: ['webhooks:read'], expires: 'never' }],
    ])('rejects %s with 400', async (_label, body) => {
      // Prepare
      const account = await createAccount();

      // Act
      const response = await admin.post<ErrorBody>(`/v1/admin/accounts/${account.id}/api-keys`, body);

      // Assess
      expectError(response, 400, 'validation_error');
    });
  });

  describe('GET /v1/admin/accounts and GET /v1/admin/accounts/{id}', () => {
    const allAccounts = async (limit: number): Promise<AccountBody[]> => {
      const found: AccountBody[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const response: ApiResponse<AccountPage> = await admin.get<AccountPage>(
          `/v1/admin/accounts?limit=${limit}${query}`,
        );
        expect(response.status).toBe(200);
        expect(response.body.data.length).toBeLessThanOrEqual(limit);
        found.push(...response.body.data);
        cursor = response.body.next_cursor;
        if (!cursor) return found;
      }
      throw new Error('the accounts list did not end');
    };

    it('lists every account exactly once across pages, as GET shows each', async () => {
      // Prepare
      const created = [
        await createAccount({ plan: 'pro' }),
        await createAccount({ plan: 'enterprise' }),
        await createAccount(),
      ];

      // Act
      const listed = await allAccounts(2);

      // Assess
      const ids = listed.map((account) => account.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const account of created) {
        expect(listed.find((item) => item.id === account.id)).toEqual(account);
        const got = await admin.get<AccountBody>(`/v1/admin/accounts/${account.id}`);
        expect(got.status).toBe(200);
        expect(got.body).toEqual(account);
      }
      expect(ids).toContain(runtime.accountId);
    });

    it('answers 404 for an unknown account and for an id that cannot be one', async () => {
      for (const id of [uniqueId('acc_none'), 'a%20b', 'x'.repeat(65)]) {
        expectError(await admin.get<ErrorBody>(`/v1/admin/accounts/${id}`), 404, 'not_found');
      }
    });

    it.each([
      ['a cursor that is not one', 'cursor=abc'],
      ['a limit of 0', 'limit=0'],
      ['a limit above 100', 'limit=101'],
      ['an unknown parameter', 'plan=pro'],
    ])('rejects %s with 400', async (_label, query) => {
      expectError(await admin.get<ErrorBody>(`/v1/admin/accounts?${query}`), 400, 'validation_error');
    });
  });

  describe('PATCH /v1/admin/accounts/{id}', () => {
    it('changes the name and the plan, and the new plan applies to the next request', async () => {
      // Prepare
      const account = await createAccount({ plan: 'scale' });
      const issued = await admin.post<ApiKeyBody>(`/v1/admin/accounts/${account.id}/api-keys`, {
        scopes: ['webhooks:read'],
      });
      const tenant = runtime.tenant.withToken(issued.body.key);
      const before = await tenant.get<{ plan: string }>('/v1/usage');

      // Act
      const patched = await admin.patch<AccountBody>(`/v1/admin/accounts/${account.id}`, {
        name: 'Renamed',
        plan: 'enterprise',
      });
      const after = await tenant.get<{ plan: string; limits: unknown }>('/v1/usage');

      // Assess
      expect(before.body.plan).toBe('scale');
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...account, name: 'Renamed', plan: 'enterprise' });
      expect((await admin.get<AccountBody>(`/v1/admin/accounts/${account.id}`)).body).toEqual(patched.body);
      expect(after.body.plan).toBe('enterprise');
    });

    it.each([
      ['an unknown plan', { plan: 'gold' }],
      ['an empty name', { name: '' }],
      ['an empty body', {}],
      ['an unknown field', { name: 'x', webhook_count: 0 }],
    ])('rejects %s with 400 and changes nothing', async (_label, body) => {
      // Prepare
      const account = await createAccount();

      // Act
      const response = await admin.patch<ErrorBody>(`/v1/admin/accounts/${account.id}`, body);

      // Assess
      expectError(response, 400, 'validation_error');
      expect((await admin.get<AccountBody>(`/v1/admin/accounts/${account.id}`)).body).toEqual(account);
    });

    it('answers 404 for an unknown account and creates none', async () => {
      // Prepare
      const id = uniqueId('acc_none');

      // Act
      const response = await admin.patch<ErrorBody>(`/v1/admin/accounts/${id}`, { plan: 'pro' });

      // Assess
      expectError(response, 404, 'not_found');
      expectError(await admin.get<ErrorBody>(`/v1/admin/accounts/${id}`), 404, 'not_found');
    });
  });

  describe('GET and DELETE /v1/admin/accounts/{id}/api-keys', () => {
    it("lists the account's keys without the key or its hash", async () => {
      // Prepare
      const account = await createAccount();
      const other = await createAccount();
      const path = `/v1/admin/accounts/${account.id}/api-keys`;
      const first = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'], name: 'ci' });
      const second = await admin.post<ApiKeyBody>(path, { scopes: ['events:publish', 'webhooks:read'] });
      await admin.post(`/v1/admin/accounts/${other.id}/api-keys`, { scopes: ['webhooks:read'] });

      // Act
      const listed = await admin.get<ApiKeyPage>(path);

      // Assess
      expect(listed.status).toBe(200);
      expect(listed.body.next_cursor).toBeNull();
      const expected = [first.body, second.body]
        .map((key) => ({
          id: key.id,
          name: key.name,
          type: 'api_key',
          prefix: key.prefix,
          scopes: key.scopes,
          created_at: expect.stringMatching(ISO_8601),
          expires_at: null,
          last_used_at: null,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      // The index keeps an account's keys in no particular order (docs/storage.md): compared by id.
      expect([...listed.body.data].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(expected);
      const text = JSON.stringify(listed.body);
      for (const key of [first.body.key, second.body.key]) expect(text).not.toContain(key);
      expect(text).not.toMatch(/[0-9a-f]{64}/);
    });

    it('shows when a key was last let in, recorded once within the hour', async () => {
      // Prepare
      const account = await createAccount();
      const path = `/v1/admin/accounts/${account.id}/api-keys`;
      const issued = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });
      const unused = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });
      const client = runtime.tenant.withToken(issued.body.key);
      const lastUsed = async (id: string) =>
        (await admin.get<ApiKeyPage>(path)).body.data.find((key) => key.id === id)?.last_used_at;

      // Act
      expect((await client.get('/v1/webhooks')).status).toBe(200);
      const first = await lastUsed(issued.body.id);
      expect((await client.get('/v1/webhooks')).status).toBe(200);
      const second = await lastUsed(issued.body.id);

      // Assess
      expect(first).toMatch(ISO_8601);
      expect(second).toBe(first);
      expect(await lastUsed(unused.body.id)).toBeNull();
    });

    it('lists a live portal session as type portal_session, and revokes it: 401 from then on', async () => {
      // Prepare
      const account = await createAccount();
      const minted = await admin.post<{ url: string }>(`/v1/admin/accounts/${account.id}/portal-sessions`, {
        ttl_seconds: 3600,
      });
      const token = new URLSearchParams(new URL(minted.body.url).hash.slice(1)).get('token');
      const opened = await runtime.tenant
        .withToken(undefined)
        .post<{ session_key: string; expires_at: string }>('/v1/portal/sessions', { token });
      expect(opened.status).toBe(201);
      const session = runtime.tenant.withToken(opened.body.session_key);
      expect((await session.get('/v1/webhooks')).status).toBe(200);
      const path = `/v1/admin/accounts/${account.id}/api-keys`;

      // Act
      const listed = await admin.get<ApiKeyPage>(path);
      const [sessionKey] = listed.body.data;
      const revoked = await admin.delete(`${path}/${sessionKey?.id}`);

      // Assess
      expect(listed.body.data).toHaveLength(1);
      expect(sessionKey).toMatchObject({
        id: expect.stringMatching(/^ses_/),
        type: 'portal_session',
        prefix: opened.body.session_key.slice(0, 10),
        expires_at: opened.body.expires_at,
      });
      expect(JSON.stringify(listed.body)).not.toContain(opened.body.session_key);
      expect(revoked.status).toBe(200);
      expectError(await session.get<ErrorBody>('/v1/webhooks'), 401, 'unauthorized');
    });

    it('pages the keys with a cursor', async () => {
      // Prepare
      const account = await createAccount();
      const path = `/v1/admin/accounts/${account.id}/api-keys`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] })).body.id);

      // Act
      const page1 = await admin.get<ApiKeyPage>(`${path}?limit=2`);
      const page2 = await admin.get<ApiKeyPage>(`${path}?limit=2&cursor=${page1.body.next_cursor}`);

      // Assess
      expect(page1.body.data).toHaveLength(2);
      expect(page2.body.next_cursor).toBeNull();
      expect([...page1.body.data, ...page2.body.data].map((key) => key.id).sort()).toEqual([...ids].sort());
    });

    it('revokes a key: 401 from the next request on, the other keys keep working', async () => {
      // Prepare
      const account = await createAccount();
      const path = `/v1/admin/accounts/${account.id}/api-keys`;
      const revoked = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });
      const kept = await admin.post<ApiKeyBody>(path, { scopes: ['webhooks:read'] });
      const client = runtime.tenant.withToken(revoked.body.key);
      expect((await client.get('/v1/webhooks')).status).toBe(200);

      // Act
      const response = await admin.delete<{ deleted: boolean }>(`${path}/${revoked.body.id}`);

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ deleted: true });
      expectError(await client.get<ErrorBody>('/v1/webhooks'), 401, 'unauthorized');
      expect((await runtime.tenant.withToken(kept.body.key).get('/v1/webhooks')).status).toBe(200);
      expect((await admin.get<ApiKeyPage>(path)).body.data.map((key) => key.id)).toEqual([kept.body.id]);
      expectError(await admin.delete<ErrorBody>(`${path}/${revoked.body.id}`), 404, 'not_found');
    });

    it("answers 404 for another account's key and revokes nothing", async () => {
      // Prepare
      const owner = await createAccount();
      const stranger = await createAccount();
      const issued = await admin.post<ApiKeyBody>(`/v1/admin/accounts/${owner.id}/api-keys`, {
        scopes: ['webhooks:read'],
      });

      // Act
      const response = await admin.delete<ErrorBody>(
        `/v1/admin/accounts/${stranger.id}/api-keys/${issued.body.id}`,
      );

      // Assess
      expectError(response, 404, 'not_found');
      expect((await runtime.tenant.withToken(issued.body.key).get('/v1/webhooks')).status).toBe(200);
    });

    it('answers 404 for an unknown account, 400 for a bad cursor', async () => {
      const unknown = `/v1/admin/accounts/${uniqueId('acc_none')}/api-keys`;
      expectError(await admin.get<ErrorBody>(unknown), 404, 'not_found');
      expectError(await admin.delete<ErrorBody>(`${unknown}/key_x`), 404, 'not_found');
      const account = await createAccount();
      expectError(
        await admin.get<ErrorBody>(`/v1/admin/accounts/${account.id}/api-keys?cursor=abc`),
        400,
        'validation_error',
      );
    });
  });

  describe('PUT /v1/admin/event-types/{name}', () => {
    it('registers a type that then appears in GET /v1/event-types', async () => {
      // Prepare
      const name = `invoice.${randomBytes(3).toString('hex')}`;

      // Act
      const response = await admin.put<EventTypeResource>(`/v1/admin/event-types/${name}`, {
        description: 'An invoice was issued',
        example: { invoice_id: 'inv_1' },
      });

      // Assess
      expect(response.status).toBeLessThan(300);
      expect(response.body).toEqual({
        name,
        description: 'An invoice was issued',
        example: { invoice_id: 'inv_1' },
      });
      const catalog = await runtime.tenant.get<{ data: EventTypeResource[] }>('/v1/event-types');
      expect(catalog.body.data).toContainEqual({
        name,
        description: 'An invoice was issued',
        example: { invoice_id: 'inv_1' },
      });
    });

    it('makes a type that was rejected in events usable once registered', async () => {
      // Prepare
      const name = `refund.${randomBytes(3).toString('hex')}`;
      const before = await runtime.tenant.post<ErrorBody>('/v1/webhooks', aWebhookBody({ events: [name] }));
      expectError(before, 400, 'validation_error');

      // Act
      await admin.put(`/v1/admin/event-types/${name}`, { description: 'A refund' });
      const after = await runtime.tenant.post<WebhookResource>(
        '/v1/webhooks',
        aWebhookBody({ events: [name] }),
      );

      // Assess
      expect(after.status).toBe(201);
      expect(after.body.events).toEqual([name]);
    });

    it('updates the description of a registered type without duplicating it', async () => {
      // Prepare
      const name = `shipment.${randomBytes(3).toString('hex')}`;
      await admin.put(`/v1/admin/event-types/${name}`, { description: 'old', example: { a: 1 } });

      // Act
      const response = await admin.put<EventTypeResource>(`/v1/admin/event-types/${name}`, {
        description: 'new',
      });

      // Assess
      expect(response.status).toBeLessThan(300);
      expect(response.body).toEqual({ name, description: 'new', example: { a: 1 } });
      const names = await eventTypeNames();
      expect(names.filter((listed) => listed === name)).toHaveLength(1);
    });

    it.each([
      ['an unknown field', { description: 'x', schema: {} }],
      ['a non-object example', { example: 'text' }],
      ['a non-string description', { description: 42 }],
    ])('rejects %s with 400 and registers nothing', async (_label, body) => {
      // Prepare
      const name = `bad.${randomBytes(3).toString('hex')}`;

      // Act
      const response = await admin.put<ErrorBody>(`/v1/admin/event-types/${name}`, body);

      // Assess
      expectError(response, 400, 'validation_error');
      expect(await eventTypeNames()).not.toContain(name);
    });

    it('rejects an example holding a number JSON cannot represent (1e400) with 400 and registers nothing', async () => {
      // Prepare
      const name = `huge.${randomBytes(3).toString('hex')}`;

      // Act
      const response = await admin.put<ErrorBody>(
        `/v1/admin/event-types/${name}`,
        '{"example": {"amount": 1e400}}',
      );

      // Assess
      expectError(response, 400, 'validation_error');
      expect(await eventTypeNames()).not.toContain(name);
    });

    it('never answers 5xx to an example holding an integer beyond 2^53', async () => {
      // Prepare
      const name = `bigint.${randomBytes(3).toString('hex')}`;
      const body = '{"example": {"amount": 123456789012345678901234567890123456789012}}';

      // Act
      const response = await admin.put<EventTypeResource | ErrorBody>(`/v1/admin/event-types/${name}`, body);

      // Assess: either stored or rejected as invalid, never an internal error
      expect([200, 400]).toContain(response.status);
      if (response.status === 400) expectError(response as ApiResponse<ErrorBody>, 400, 'validation_error');
      else expect(await eventTypeNames()).toContain(name);
    });

    it('rejects an example nested deeper than DynamoDB stores (32 levels) with 400 and registers nothing', async () => {
      // Prepare: DynamoDB rejects maps nested more than 32 levels, so storing this would fail on AWS
      const name = `nested.${randomBytes(3).toString('hex')}`;
      const depth = 40;
      const example = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

      // Act
      const response = await admin.put<ErrorBody>(`/v1/admin/event-types/${name}`, `{"example": ${example}}`);

      // Assess
      expectError(response, 400, 'validation_error');
      expect(await eventTypeNames()).not.toContain(name);
    });

    it('rejects a name with characters outside letters, digits, ".", "_" and "-"', async () => {
      // Prepare
      const before = await eventTypeNames();

      // Act
      const response = await admin.put<ErrorBody>('/v1/admin/event-types/bad%20name!', { description: 'x' });

      // Assess
      expect([400, 404]).toContain(response.status);
      expect(['validation_error', 'not_found']).toContain(response.body.error.code);
      expect(await eventTypeNames()).toEqual(before);
    });
  });

  describe('admin authentication', () => {
    it('answers 403 to a tenant API key and creates nothing', async () => {
      // Prepare
      const id = uniqueId('acc_tenant');

      // Act
      const response = await runtime.tenant.post<ErrorBody>('/v1/admin/accounts', anAccountBody({ id }));

      // Assess
      expectError(response, 403, 'forbidden');
      const retry = await admin.post<AccountBody>('/v1/admin/accounts', anAccountBody({ id }));
      expect(retry.status).toBe(201);
    });

    it('answers 403 without any token and creates nothing', async () => {
      // Prepare
      const id = uniqueId('acc_anon');

      // Act
      const response = await admin
        .withToken(undefined)
        .post<ErrorBody>('/v1/admin/accounts', anAccountBody({ id }));

      // Assess
      expectError(response, 403, 'forbidden');
      const retry = await admin.post<AccountBody>('/v1/admin/accounts', anAccountBody({ id }));
      expect(retry.status).toBe(201);
    });

    it('answers 403 to a wrong admin token', async () => {
      // Act
      const response = await admin
        .withToken(`${runtime.adminToken}x`)
        .post<ErrorBody>('/v1/admin/accounts', anAccountBody());

      // Assess
      expectError(response, 403, 'forbidden');
    });

    it('answers 403 to a tenant key issuing API keys', async () => {
      // Act
      const response = await runtime.tenant.post<ErrorBody>(
        `/v1/admin/accounts/${runtime.accountId}/api-keys`,
        {
          scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
        },
      );

      // Assess
      expectError(response, 403, 'forbidden');
    });

    it('answers 403 to a tenant key registering an event type, and registers nothing', async () => {
      // Prepare
      const name = `sneaky.${randomBytes(3).toString('hex')}`;

      // Act
      const response = await runtime.tenant.put<ErrorBody>(`/v1/admin/event-types/${name}`, {
        description: 'x',
      });

      // Assess
      expectError(response, 403, 'forbidden');
      expect(await eventTypeNames()).not.toContain(name);
    });

    it('does not accept the admin token as a tenant API key', async () => {
      // Act
      const response = await runtime.tenant.withToken(runtime.adminToken).get<ErrorBody>('/v1/webhooks');

      // Assess
      expectError(response, 401, 'unauthorized');
    });

    it('answers 404 JSON for an unknown admin route', async () => {
      // Act
      const response = await admin.get<ErrorBody>('/v1/admin/nothing-here');

      // Assess
      expectError(response, 404, 'not_found');
    });

    it('answers 405 JSON for a wrong method on an admin route', async () => {
      // Act
      const response = await admin.delete<ErrorBody>('/v1/admin/accounts');

      // Assess
      expectError(response, 405, 'method_not_allowed');
    });
  });
});
