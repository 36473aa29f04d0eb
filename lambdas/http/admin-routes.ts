import { notFound } from '../domain/errors.js';
import {
  accountId,
  apiKeyId,
  createAccountBody,
  createApiKeyBody,
  createPortalSessionBody,
  eventTypeName,
  pageQuery,
  putEventTypeBody,
  updateAccountBody,
} from '../domain/schemas.js';
import { deleteAccount } from '../services/account-deletion.js';
import {
  createAccount,
  createApiKey,
  getAccount,
  listAccounts,
  listApiKeys,
  putEventType,
  revokeApiKey,
  updateAccount,
} from '../services/admin.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import { mintPortalLink } from '../services/portal.js';
import { route } from './api.js';
import { accountResource, apiKeyResource, eventTypeResource, pageResource } from './representations.js';

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
    method: 'GET',
    path: '/v1/admin/accounts',
    access: 'admin',
    doc: {
      operationId: 'listAccounts',
      tag: 'Admin',
      summary: 'List every account, paged by id (an account being deleted is left out)',
      status: 200,
      schema: 'AccountPage',
    },
    query: pageQuery,
    handle: async ({ query }) => {
      const page = await listAccounts(dependencies(), { limit: query.limit, cursor: query.cursor });
      return {
        status: 200,
        body: pageResource(page, accountResource),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/admin/accounts/{id}',
    access: 'admin',
    doc: {
      operationId: 'getAccount',
      tag: 'Admin',
      summary: 'Get an account',
      status: 200,
      schema: 'Account',
    },
    handle: async ({ params }) => {
      const account = pathParam(accountId, params.id, 'Account');
      return { status: 200, body: accountResource(await getAccount(dependencies(), account)) };
    },
  }),
  route({
    method: 'PATCH',
    path: '/v1/admin/accounts/{id}',
    access: 'admin',
    doc: {
      operationId: 'updateAccount',
      tag: 'Admin',
      summary:
        "Change an account's name or plan (applies from the next request), or set its platform-vouched alert addresses (`alert_emails`, at most 20)",
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
    method: 'DELETE',
    path: '/v1/admin/accounts/{id}',
    access: 'admin',
    doc: {
      operationId: 'deleteAccount',
      tag: 'Admin',
      summary:
        'Delete an account and all its data: its keys stop working at once (in AWS once the authorizer cache, 5 minutes, lets go), the account reads as not found, the rest is removed in the background; again while in progress, 202 again',
      status: 202,
      schema: 'Deleted',
    },
    handle: async ({ params }) => {
      const account = pathParam(accountId, params.id, 'Account');
      await deleteAccount(dependencies(), account);
      return { status: 202, body: { deleted: true } };
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
    method: 'GET',
    path: '/v1/admin/accounts/{id}/api-keys',
    access: 'admin',
    doc: {
      operationId: 'listApiKeys',
      tag: 'Admin',
      summary:
        "List an account's API keys and live portal session keys (`type`), paged (in no particular order); never a key or its hash",
      status: 200,
      schema: 'ApiKeyPage',
    },
    query: pageQuery,
    handle: async ({ params, query }) => {
      const account = pathParam(accountId, params.id, 'Account');
      const page = await listApiKeys(dependencies(), account, { limit: query.limit, cursor: query.cursor });
      return {
        status: 200,
        body: pageResource(page, apiKeyResource),
      };
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/admin/accounts/{id}/api-keys/{key_id}',
    access: 'admin',
    doc: {
      operationId: 'revokeApiKey',
      tag: 'Admin',
      summary:
        'Revoke an API key (or a portal session key): refused from then on, in AWS once the authorizer cache (5 minutes) has let go of it',
      status: 200,
      schema: 'Deleted',
    },
    handle: async ({ params }) => {
      const account = pathParam(accountId, params.id, 'Account');
      const key = pathParam(apiKeyId, params.key_id, 'API key');
      await revokeApiKey(dependencies(), account, key);
      return { status: 200, body: { deleted: true } };
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
