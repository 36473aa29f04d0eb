import { managementDependencies } from './composition.js';
import type { Page } from './domain/model.js';
import { eventTypeResource, webhookResource } from './domain/resources.js';
import {
  createWebhookBody,
  DEFAULT_GRACE_PERIOD_SECONDS,
  pageQuery,
  rotateSecretBody,
  updateWebhookBody,
} from './domain/schemas.js';
import { createApiHandler, type Route, route, tenantOf } from './http/api.js';
import { deliveryRoutes } from './http/delivery-routes.js';
import { openApiRoute } from './http/openapi-route.js';
import { operationsRoutes } from './http/operations-routes.js';
import type { Dependencies, DependenciesProvider } from './services/dependencies.js';
import * as webhooks from './services/webhooks.js';

/**
 * Tenant API: /v1/webhooks, /v1/event-types, deliveries, and the public GET /v1/openapi.json
 * describing every route of the API (this table, the publish and the admin ones). Parse → use case
 * → resource.
 */

async function toResource(deps: Dependencies, webhook: Parameters<typeof webhookResource>[0]) {
  return webhookResource(webhook, await deps.stats.get(webhook.id));
}

const listBody = <T>(page: Page<T>) => ({ data: page.items, next_cursor: page.nextCursor ?? null });

export function managementRoutes(dependencies: DependenciesProvider): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/webhooks',
      access: 'webhooks:write',
      body: createWebhookBody,
      handle: async ({ principal, body }) => {
        const deps = dependencies();
        const { webhook, secret } = await webhooks.createWebhook(deps, tenantOf(principal), body);
        return { status: 201, body: { ...(await toResource(deps, webhook)), secret } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks',
      access: 'webhooks:read',
      query: pageQuery,
      handle: async ({ principal, query }) => {
        const deps = dependencies();
        const page = await webhooks.listWebhooks(deps, tenantOf(principal), query);
        const items = await Promise.all(page.items.map((webhook) => toResource(deps, webhook)));
        return { status: 200, body: listBody({ items, nextCursor: page.nextCursor }) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/webhooks/{id}',
      access: 'webhooks:read',
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
      handle: async ({ principal, params }) => {
        await webhooks.deleteWebhook(dependencies(), tenantOf(principal), params.id!);
        return { status: 200, body: { deleted: true } };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/webhooks/{id}/rotate-secret',
      access: 'webhooks:write',
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
      handle: async () => {
        const eventTypes = await dependencies().eventTypes.list();
        return { status: 200, body: { data: eventTypes.map(eventTypeResource) } };
      },
    }),
    ...deliveryRoutes(dependencies),
    ...operationsRoutes(dependencies),
    openApiRoute(),
  ];
}

export function createManagementHandler(dependencies: DependenciesProvider) {
  return createApiHandler(managementRoutes(dependencies));
}

export const handler = createManagementHandler(managementDependencies);
