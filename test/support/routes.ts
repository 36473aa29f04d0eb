import { adminRoutes } from '../../lambdas/http/admin-routes.js';
import type { Route } from '../../lambdas/http/api.js';
import { portalRoutes } from '../../lambdas/http/portal-routes.js';
import { publishRoutes } from '../../lambdas/http/publish-routes.js';
import { managementRoutes } from '../../lambdas/http/webhook-routes.js';
import type { DependenciesProvider } from '../../lambdas/services/dependencies.js';

/** The route tables are only read by tests that enumerate them; nothing may call into dependencies. */
const tablesOnly: DependenciesProvider = () => {
  throw new Error('route tables are read, not run, by this test');
};

/** Every route the three API functions serve, from their own route tables (admin-api: admin and portal). */
export const SERVED_ROUTES: readonly Route[] = [
  ...managementRoutes(tablesOnly),
  ...publishRoutes(tablesOnly),
  ...adminRoutes(tablesOnly),
  ...portalRoutes(tablesOnly),
];
