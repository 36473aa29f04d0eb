import { planLimitsResource } from '../domain/plans.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import { getWebhookStats } from '../services/stats.js';
import { getUsage } from '../services/usage.js';
import { route, tenantOf } from './api.js';
import { webhookStatsResource } from './representations.js';

/** Routes over counters: an endpoint's stats, the account's plan usage. */
export const operationsRoutes = (dependencies: DependenciesProvider) => [
  route({
    method: 'GET',
    path: '/v1/webhooks/{id}/stats',
    access: 'webhooks:read',
    doc: {
      operationId: 'getWebhookStats',
      tag: 'Webhooks',
      summary: 'Delivery stats',
      status: 200,
      schema: 'WebhookStats',
    },
    handle: async ({ principal, params }) => {
      const stats = await getWebhookStats(dependencies(), tenantOf(principal), params.id!);
      return { status: 200, body: webhookStatsResource(params.id!, stats) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/usage',
    access: 'webhooks:read',
    doc: {
      operationId: 'getUsage',
      tag: 'Account',
      summary: "The plan's limits and today's usage",
      status: 200,
      schema: 'Usage',
    },
    handle: async ({ principal }) => {
      const usage = await getUsage(dependencies(), tenantOf(principal));
      return {
        status: 200,
        body: {
          plan: usage.plan,
          limits: planLimitsResource(usage.limits),
          webhooks: usage.webhooks,
          events_today: usage.today.events,
          dropped_today: usage.today.dropped,
          day: usage.day,
        },
      };
    },
  }),
];
