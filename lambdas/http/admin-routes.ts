import { notFound } from '../domain/errors.js';
import {
  accountId,
  createAccountBody,
  createApiKeyBody,
  createPortalSessionBody,
  eventTypeName,
  putEventTypeBody,
  updateAccountBody,
} from '../domain/schemas.js';
import { createAccount, createApiKey, putEventType, updateAccount } from '../services/admin.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import { mintPortalLink } from '../services/portal.js';
import { route } from './api.js';
import { accountResource, eventTypeResource } from './representations.js';

/** Platform-admin routes (IAM-authorised in AWS): accounts, API keys, event-type catalog. */

function pathParam(
  schema: { safeParse(value: unknown): { success: boolean } },
  value: string | undefined,
  what: string,
) {
  if (value === undefined || !schema.safeParse(value).success) throw notFound(what);
  return value;
}

export const adminRoutes = (dependencies: DependenciesProvider) => [
  route({
    method: 'POST',
    path: '/v1/admin/accounts',
    access: 'admin',
    doc: {
      operationId: 'createAccount',
      tag: 'Admin',
      summary: 'Create an account',
      status: 201,
      schema: 'Account',
      errors: [409],
    },
    body: createAccountBody,
    handle: async ({ body }) => ({
      status: 201,
      body: accountResource(await createAccount(dependencies(), body)),
    }),
  }),
  route({
    method: 'PATCH',
    path: '/v1/admin/accounts/{id}',
    access: 'admin',
    doc: {
      operationId: 'updateAccount',
      tag: 'Admin',
      summary: "Set an account's platform-vouched alert addresses (`alert_emails`, at most 20)",
      status: 200,
      schema: 'Account',
    },
    body: updateAccountBody,
    handle: async ({ params, body }) => {
      const account = pathParam(accountId, params.id, 'Account');
      return { status: 200, body: accountResource(await updateAccount(dependencies(), account, body)) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/admin/accounts/{id}/api-keys',
    access: 'admin',
    doc: {
      operationId: 'createApiKey',
      tag: 'Admin',
      summary: 'Issue an API key for an account',
      status: 201,
      schema: 'ApiKey',
    },
    body: createApiKeyBody,
    handle: async ({ params, body }) => {
      const account = pathParam(accountId, params.id, 'Account');
      const { record, key } = await createApiKey(dependencies(), account, body);
      return {
        status: 201,
        body: {
          id: record.id,
          key,
          prefix: record.prefix,
          scopes: record.scopes,
          name: record.name ?? null,
        },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/admin/accounts/{id}/portal-sessions',
    access: 'admin',
    doc: {
      operationId: 'createPortalSession',
      tag: 'Admin',
      summary:
        'Mint a one-time customer-portal link for an account, optionally branded (primary_color, product_name); 409 portal_unavailable while the deployment has no portal',
      status: 201,
      schema: 'PortalLink',
      errors: [409],
    },
    body: createPortalSessionBody,
    handle: async ({ params, body }) => {
      const account = pathParam(accountId, params.id, 'Account');
      const link = await mintPortalLink(dependencies(), account, body);
      return { status: 201, body: { url: link.url, expires_at: link.expiresAt } };
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/admin/event-types/{name}',
    access: 'admin',
    doc: {
      operationId: 'putEventType',
      tag: 'Admin',
      summary: 'Register or update an event type',
      status: 200,
      schema: 'EventType',
    },
    body: putEventTypeBody,
    handle: async ({ params, body }) => {
      const name = pathParam(eventTypeName, params.name, 'Event type');
      return { status: 200, body: eventTypeResource(await putEventType(dependencies(), name, body)) };
    },
  }),
];
