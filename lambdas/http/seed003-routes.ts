import * as z from 'zod/mini';
import { invalid } from '../domain/errors.js';
import { rotateSecretByQueryBody, updateWebhookByQueryBody } from '../domain/schemas.js';
import { type Route, route } from './api.js';

/**
 * Seed 003's routes, as its reference writes them (docs/seed-003.md): the webhook id in `?id=`,
 * under `/api/v1` and `/v1` alike. Each is a path-id route of `table` (webhook-routes.ts) under
 * another path: same scope, schemas, use case and answer; only where the id comes from differs.
 */

const idQuery = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(200)) });
type IdQuery = z.infer<typeof idQuery>;

/** A body may repeat the query's id (and only that id); the use case never sees it. */
function withoutId(body: unknown, query: IdQuery): unknown {
  if (typeof body !== 'object' || body === null || !('id' in body)) return body;
  const { id, ...rest } = body as Record<string, unknown>;
  if (id !== query.id) {
    throw invalid('Invalid request body', [{ path: 'body.id', message: 'must be the id in the query' }]);
  }
  return rest;
}

/** [seed method, seed path, operation of `table` it serves, body schema if other than the base's]. */
const OPERATIONS: ReadonlyArray<[Route['method'], string, string, z.ZodMiniType?]> = [
  ['GET', '/webhooks/get', 'getWebhook'],
  ['PUT', '/webhooks/update', 'updateWebhook', updateWebhookByQueryBody],
  ['DELETE', '/webhooks/delete', 'deleteWebhook'],
  ['POST', '/webhooks/rotate-secret', 'rotateSecret', rotateSecretByQueryBody],
];

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export function seed003Routes(table: readonly Route[]): Route[] {
  const base = (operationId: string): Route => {
    const found = table.find((candidate) => candidate.doc.operationId === operationId);
    if (!found) throw new Error(`no route ${operationId}`);
    return found;
  };
  return ['/api/v1', '/v1'].flatMap((prefix) => {
    const suffix = prefix === '/v1' ? 'UnderVOne' : '';
    const alias = (method: Route['method'], path: string, of: Route, operationId: string): Route => ({
      ...of,
      method,
      path: prefix + path,
      doc: {
        ...of.doc,
        operationId: `seedThree${capitalised(operationId)}${suffix}`,
        summary: `${of.doc.summary} (seed 003)`,
      },
    });
    const byQuery = OPERATIONS.map(([method, path, operationId, body]) => {
      const of = base(operationId);
      return route<unknown, IdQuery>({
        ...alias(method, path, of, operationId),
        query: idQuery,
        ...(body ? { body } : {}),
        handle: (request) =>
          of.handle({
            ...request,
            params: { id: request.query.id },
            body: withoutId(request.body, request.query),
            query: {},
          }),
      });
    });
    const direct =
      prefix === '/api/v1'
        ? [
            alias('GET', '/webhooks', base('listWebhooks'), 'listWebhooks'),
            alias('POST', '/webhooks', base('createWebhook'), 'createWebhook'),
          ]
        : [];
    return [
      ...direct,
      ...byQuery,
      alias('GET', '/webhooks/event-types', base('listEventTypes'), 'listEventTypes'),
    ];
  });
}
