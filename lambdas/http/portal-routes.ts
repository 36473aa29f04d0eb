import { exchangePortalLinkBody } from '../domain/schemas.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import { exchangePortalLink } from '../services/portal.js';
import { type Route, route } from './api.js';
import { openApiRoute } from './openapi-route.js';

/**
 * The admin function's public routes: POST /v1/portal/sessions (docs/portal.md): no API key, the
 * one-time link token is the credential; the link's minting is an admin route (admin-routes.ts).
 * And GET /v1/openapi.json, the API's description: served here rather than by the management
 * function, whose bundle is at its size budget (test/infra/bundles.test.ts).
 */
export const portalRoutes = (dependencies: DependenciesProvider): Route[] => [
  route({
    method: 'POST',
    path: '/v1/portal/sessions',
    access: 'public',
    doc: {
      operationId: 'exchangePortalLink',
      tag: 'Meta',
      summary:
        "Exchange a one-time portal link token for a session key and the session's branding (no API key; 404 link_not_found, 410 link_used_or_expired)",
      status: 201,
      schema: 'PortalSession',
      errors: [404, 410],
    },
    body: exchangePortalLinkBody,
    handle: async ({ body }) => {
      const session = await exchangePortalLink(dependencies(), body.token);
      return {
        status: 201,
        body: {
          session_key: session.key,
          account_id: session.record.accountId,
          read_only: session.link.readOnly,
          expires_at: session.record.expiresAt,
          scopes: session.record.scopes,
          primary_color: session.link.primaryColor ?? null,
          product_name: session.link.productName ?? null,
        },
      };
    },
  }),
  openApiRoute(),
];
