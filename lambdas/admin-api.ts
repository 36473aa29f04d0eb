import { adminDependencies } from './composition.js';
import { adminRoutes } from './http/admin-routes.js';
import { createApiHandler } from './http/api.js';
import { portalRoutes } from './http/portal-routes.js';
import type { DependenciesProvider } from './services/dependencies.js';

/**
 * Platform-admin API (IAM-authorised in AWS; lambdas/http/admin-routes.ts) and the portal-link
 * exchange (public, its token the credential; lambdas/http/portal-routes.ts): both touch the config
 * table only, and the links are minted here.
 */
export function createAdminHandler(dependencies: DependenciesProvider) {
  return createApiHandler([...adminRoutes(dependencies), ...portalRoutes(dependencies)], () =>
    dependencies().clock.now(),
  );
}

export const handler = createAdminHandler(adminDependencies);
