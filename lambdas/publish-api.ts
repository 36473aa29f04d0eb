import { publishDependencies } from './composition.js';
import { publishEventBody } from './domain/schemas.js';
import { createApiHandler, route, tenantOf } from './http/api.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { publishEvent } from './services/events.js';

/** POST /v1/events: validate, claim the idempotency key, put the event on the bus. */
export function createPublishHandler(dependencies: DependenciesProvider) {
  return createApiHandler([
    route({
      method: 'POST',
      path: '/v1/events',
      access: 'events:publish',
      body: publishEventBody,
      handle: async ({ principal, body }) => {
        const { id } = await publishEvent(dependencies(), tenantOf(principal), body);
        return { status: 202, body: { id } };
      },
    }),
  ]);
}

export const handler = createPublishHandler(publishDependencies);
