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
    handle: async ({ principal, params }) => {
      const stats = await getWebhookStats(dependencies(), tenantOf(principal), params.id!);
      return { status: 200, body: webhookStatsResource(params.id!, stats) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/usage',
    access: 'webhooks:read',
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
