import { normaliseEmail } from '../domain/alert-emails.js';
import {
  createWebhookRequest,
  DEFAULT_GRACE_PERIOD_SECONDS,
  MAX_NAME_LENGTH,
  pageQuery,
  rotateSecretBody,
  updateWebhookBody,
} from '../domain/schemas.js';
import { alertEmailStatuses, confirmAlertEmail } from '../services/alert-emails.js';
import type { Dependencies, DependenciesProvider } from '../services/dependencies.js';
import * as webhooks from '../services/webhooks.js';
import { type Route, route, tenantOf } from './api.js';
import { deliveryRoutes } from './delivery-routes.js';
import { eventLogRoutes } from './event-log-routes.js';
import { operationsRoutes } from './operations-routes.js';
import { eventTypeResource, pageResource, webhookResource } from './representations.js';
import { seed003Routes } from './seed003-routes.js';

/**
 * Tenant routes over endpoints: /v1/webhooks, /v1/event-types and the alert-address confirmation
 * link. Parse → use case → representation.
 */

type WebhookRecord = Parameters<typeof webhookResource>[0];
/** What a webhook's representation reads: its stats and its alert address's status. */
type ResourcePorts = Pick<Dependencies, 'stats'> & Parameters<typeof alertEmailStatuses>[0];

/** The resources of one account's webhooks: stats, and their alert addresses' status in one read. */
async function toResources(deps: ResourcePorts, accountId: string, list: readonly WebhookRecord[]) {
  const emails = list.flatMap((webhook) => (webhook.alerting.email ? [webhook.alerting.email] : []));
  const statuses = await alertEmailStatuses(deps, accountId, emails);
  return Promise.all(
    list.map(async (webhook) =>
      webhookResource(
        webhook,
        await deps.stats.get(webhook.id),
        webhook.alerting.email ? (statuses.get(normaliseEmail(webhook.alerting.email)) ?? null) : null,
      ),
    ),
  );
}

async function toResource(deps: ResourcePorts, webhook: WebhookRecord) {
  const [resource] = await toResources(deps, webhook.accountId, [webhook]);
  if (!resource) throw new Error('no resource');
  return resource;
}

/** A webhook created without a name is named after its URL's host (seed 003's example has none). */
function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

export function webhookRoutes(dependencies: DependenciesProvider): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/webhooks',
      access: 'webhooks:write',
      doc: {
        operationId: 'createWebhook',
        tag: 'Webhooks',
        summary: 'Create an endpoint',
        status: 201,
        schema: 'CreatedWebhook',
      },
      body: createWebhookRequest,
      handle: async ({ principal, body }) => {
        const deps = dependencies();
        const name = body.name ?? hostOf(body.url).slice(0, MAX_NAME_LENGTH);
        const input = { ...body, name };
        const { webhook, secret } = await webhooks.createWebhook(deps, tenantOf(principal), input);
        return { status: 201, body: { ...(await toResource(deps, webhook)), secret } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks',
      access: 'webhooks:read',
      doc: {
        operationId: 'listWebhooks',
        tag: 'Webhooks',
        summary: 'List endpoints',
        status: 200,
        schema: 'WebhookPage',
      },
      query: pageQuery,
      handle: async ({ principal, query }) => {
        const deps = dependencies();
        const page = await webhooks.listWebhooks(deps, tenantOf(principal), query);
        const items = await toResources(deps, tenantOf(principal), page.items);
        return { status: 200, body: pageResource({ items, nextCursor: page.nextCursor }, (item) => item) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks/{id}',
      access: 'webhooks:read',
      doc: {
        operationId: 'getWebhook',
        tag: 'Webhooks',
        summary: 'Get an endpoint',
        status: 200,
        schema: 'Webhook',
      },
      handle: async ({ principal, params }) => {
        const deps = dependencies();
        const webhook = await webhooks.getWebhook(deps, tenantOf(principal), params.id!);
        return { status: 200, body: await toResource(deps, webhook) };
      },
    }),
    route({
      method: 'PATCH',
      path: '/v1/webhooks/{id}',
      access: 'webhooks:write',
      doc: {
        operationId: 'updateWebhook',
        tag: 'Webhooks',
        summary: 'Update an endpoint',
        status: 200,
        schema: 'Webhook',
        errors: [409],
      },
      body: updateWebhookBody,
      handle: async ({ principal, params, body }) => {
        const deps = dependencies();
        const webhook = await webhooks.updateWebhook(deps, tenantOf(principal), params.id!, body);
        return { status: 200, body: await toResource(deps, webhook) };
      },
    }),
    route({
      method: 'DELETE',
      path: '/v1/webhooks/{id}',
      access: 'webhooks:write',
      doc: {
        operationId: 'deleteWebhook',
        tag: 'Webhooks',
        summary: 'Delete an endpoint',
        status: 200,
        schema: 'Deleted',
      },
      handle: async ({ principal, params }) => {
        await webhooks.deleteWebhook(dependencies(), tenantOf(principal), params.id!);
        return { status: 200, body: { deleted: true } };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      access: 'webhooks:write',
      doc: {
        operationId: 'rotateSecret',
        tag: 'Webhooks',
        summary: 'Rotate the signing secret (the old one stays valid for the grace period)',
        status: 200,
        schema: 'RotatedSecret',
        errors: [409],
      },
      body: rotateSecretBody,
      handle: async ({ principal, params, body }) => {
        const grace = body.grace_period_seconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
        const rotated = await webhooks.rotateSecret(dependencies(), tenantOf(principal), params.id!, grace);
        return {
          status: 200,
          body: { id: rotated.id, secret: rotated.secret, rotated_at: rotated.rotatedAt },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/event-types',
      access: 'webhooks:read',
      doc: {
        operationId: 'listEventTypes',
        tag: 'Events',
        summary: 'List the event types',
        status: 200,
        schema: 'EventTypeList',
      },
      handle: async () => {
        const eventTypes = await dependencies().eventTypes.list();
        return { status: 200, body: { data: eventTypes.map(eventTypeResource) } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/email-confirmations/{token}',
      // The link in a confirmation mail: no API key; the unguessable token is the credential.
      access: 'public',
      doc: {
        operationId: 'confirmAlertEmail',
        tag: 'Meta',
        summary: 'Confirm an alert address (the link in its confirmation mail; no API key)',
        status: 200,
        schema: 'EmailConfirmation',
      },
      handle: async ({ params }) => {
        const confirmed = await confirmAlertEmail(dependencies(), params.token ?? '');
        return {
          status: 200,
          body: { email: confirmed.email, status: confirmed.status, confirmed_at: confirmed.confirmedAt },
        };
      },
    }),
  ];
}

const withSeed003Routes = (table: Route[]): Route[] => [...table, ...seed003Routes(table)];

/**
 * Every route of the management function (the tenant API): these, delivery history, counters, and
 * the public alert-address confirmation link. (GET /v1/openapi.json is the admin function's:
 * portal-routes.ts.)
 */
export const managementRoutes = (dependencies: DependenciesProvider): Route[] => [
  ...withSeed003Routes(webhookRoutes(dependencies)),
  ...deliveryRoutes(dependencies),
  ...eventLogRoutes(dependencies),
  ...operationsRoutes(dependencies),
];
