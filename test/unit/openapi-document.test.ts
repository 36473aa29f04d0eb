import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, documentedRoutes } from '../../lambdas/http/openapi.js';
import { openApiDocument } from '../../lambdas/http/openapi-route.js';

describe('the served OpenAPI document', () => {
  it('is the one the route tables describe now (after changing a route: npm run openapi)', async () => {
    // Prepare
    const current = JSON.parse(JSON.stringify(buildOpenApiDocument(await documentedRoutes())));

    // Act
    const served = openApiDocument();

    // Assess
    expect(served).toEqual(current);
  });
});
