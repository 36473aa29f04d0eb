import { managementDependencies } from './composition.js';
import { createApiHandler } from './http/api.js';
import { managementRoutes } from './http/webhook-routes.js';
import type { DependenciesProvider } from './services/dependencies.js';

/** Tenant API; the route tables are lambdas/http/webhook-routes.ts and the ones it names. */
export function createManagementHandler(dependencies: DependenciesProvider) {
  return createApiHandler(managementRoutes(dependencies), () => dependencies().clock.now());
}

export const handler = createManagementHandler(managementDependencies);
