import { gunzipSync } from 'node:zlib';
import { type Route, route } from './api.js';
import { OPENAPI_DOCUMENT_GZIP_BASE64 } from './openapi-document.generated.js';

export const OPENAPI_PATH = '/v1/openapi.json';

/** The OpenAPI document as served: decompressed on the first request and kept. */
export function openApiDocument(): unknown {
  return JSON.parse(gunzipSync(Buffer.from(OPENAPI_DOCUMENT_GZIP_BASE64, 'base64')).toString('utf8'));
}

/** GET /v1/openapi.json, public: the document generated from the route tables (lambdas/http/openapi.ts). */
export function openApiRoute(): Route {
  let document: unknown;
  return route({
    method: 'GET',
    path: OPENAPI_PATH,
    access: 'public',
    doc: {
      operationId: 'getOpenApiDocument',
      tag: 'Meta',
      summary: 'This OpenAPI document',
      status: 200,
      schema: 'OpenApiDocument',
    },
    handle: async () => {
      document ??= openApiDocument();
      return { status: 200, body: document };
    },
  });
}
