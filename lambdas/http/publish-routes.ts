import { publishEventBody } from '../domain/schemas.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import { publishEvent } from '../services/events.js';
import { route, tenantOf } from './api.js';

/** POST /v1/events: validate, claim the idempotency key, put the event on the bus. */
export const publishRoutes = (dependencies: DependenciesProvider) => [
  route({
    method: 'POST',
    path: '/v1/events',
    access: 'events:publish',
    doc: {
      operationId: 'publishEvent',
      tag: 'Events',
      summary: 'Publish an event (same idempotency_key within 24 h = same id)',
      status: 202,
      schema: 'EventAccepted',
    },
    body: publishEventBody,
    handle: async ({ principal, body }) => {
      const { id } = await publishEvent(dependencies(), tenantOf(principal), body);
      return { status: 202, body: { id } };
    },
  }),
];
