import { invalid } from '../domain/errors.js';
import { BUILT_IN_EVENT_TYPES, isOperationalEventType } from '../domain/escalation.js';
import type { EventType } from '../domain/model.js';
import type { EventTypeRepository } from '../domain/ports/config-stores.js';

/** When the built-in types "changed": constant, so listings are stable. */
const BUILT_IN_UPDATED_AT = '2025-01-01T00:00:00.000Z';

// Pure: a bundle that imports this module without calling withBuiltInEventTypes (the escalation
// function's, through the composition) drops the built-in types' examples too.
const builtIns: readonly EventType[] = /* @__PURE__ */ BUILT_IN_EVENT_TYPES.map((type) => ({
  ...type,
  updatedAt: BUILT_IN_UPDATED_AT,
}));

/**
 * The event catalog with the service's operational event types (endpoint.failing,
 * endpoint.recovered, endpoint.disabled) built in: listed and found in every deployment and in the
 * local runtime without a deploy-time seed, and never stored or overwritten through the admin API.
 */
export function withBuiltInEventTypes(catalog: EventTypeRepository): EventTypeRepository {
  return {
    async put(eventType) {
      if (isOperationalEventType(eventType.name)) {
        throw invalid(`${eventType.name} is a built-in event type`, [
          { path: 'path.name', message: 'reserved for the operational events of the service' },
        ]);
      }
      await catalog.put(eventType);
    },
    async get(name) {
      return builtIns.find((type) => type.name === name) ?? (await catalog.get(name));
    },
    async list() {
      const stored = (await catalog.list()).filter((type) => !isOperationalEventType(type.name));
      // In name order, as the catalog lists (DynamoDB sort key order).
      return [...stored, ...builtIns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
