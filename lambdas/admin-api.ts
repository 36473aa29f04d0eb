import { adminDependencies } from './composition.js';
import { adminRoutes } from './http/admin-routes.js';
import { createApiHandler } from './http/api.js';
import type { DependenciesProvider } from './services/dependencies.js';

/** Platform-admin API (IAM-authorised in AWS); the route table is lambdas/http/admin-routes.ts. */
export function createAdminHandler(dependencies: DependenciesProvider) {
  return createApiHandler(adminRoutes(dependencies));
}

export const handler = createAdminHandler(adminDependencies);
