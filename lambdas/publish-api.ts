import { publishDependencies } from './composition.js';
import { createApiHandler } from './http/api.js';
import { publishRoutes } from './http/publish-routes.js';
import type { DependenciesProvider } from './services/dependencies.js';

/** POST /v1/events (the route table is lambdas/http/publish-routes.ts). */
export function createPublishHandler(dependencies: DependenciesProvider) {
  return createApiHandler(publishRoutes(dependencies), () => dependencies().clock.now());
}

export const handler = createPublishHandler(publishDependencies);
