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
      const response = await admin.get<ErrorBody>('/v1/admin/accounts');

      // Assess
      expectError(response, 405, 'method_not_allowed');
    });
  });
});
