import { deliveriesQuery, recoverBody, testWebhookBody } from '../domain/schemas.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import * as history from '../services/history.js';
import { recoverWebhook } from '../services/recover.js';
import { route, tenantOf } from './api.js';
import { deliveryDetailResource, deliverySummaryResource, pageResource } from './representations.js';

/** Routes over delivery history: list, detail, retry, retry-failed, recover, test send. */
export const deliveryRoutes = (dependencies: DependenciesProvider) => [
  route({
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    access: 'webhooks:read',
    doc: {
      operationId: 'listDeliveries',
      tag: 'Deliveries',
      summary: "List an endpoint's deliveries, newest first",
      status: 200,
      schema: 'DeliveryPage',
    },
    query: deliveriesQuery,
    handle: async ({ principal, params, query }) => {
      const page = await history.listDeliveries(
        dependencies(),
        tenantOf(principal),
        params.id!,
        { status: query.status, eventType: query.event_type, since: query.since, until: query.until },
        { limit: query.limit, cursor: query.cursor },
      );
      return {
        status: 200,
        body: pageResource(page, deliverySummaryResource),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/deliveries/{id}',
    access: 'webhooks:read',
    doc: {
      operationId: 'getDelivery',
      tag: 'Deliveries',
      summary: 'Get a delivery with its attempts and payload',
      status: 200,
      schema: 'DeliveryDetail',
    },
    handle: async ({ principal, params }) => {
      const { delivery, event } = await history.getDelivery(dependencies(), tenantOf(principal), params.id!);
      return { status: 200, body: deliveryDetailResource(delivery, event) };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/deliveries/{id}/retry',
    access: 'webhooks:write',
    doc: {
      operationId: 'retryDelivery',
      tag: 'Deliveries',
      summary:
        'Send a delivery again now: a final one (succeeded too) gets one more attempt, a pending one is sent now',
      status: 202,
      schema: 'RetryQueued',
      errors: [409],
    },
    handle: async ({ principal, params }) => {
      await history.retryDelivery(dependencies(), tenantOf(principal), params.id!);
      return { status: 202, body: { id: params.id, status: 'pending' } };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{id}/retry-failed',
    access: 'webhooks:write',
    doc: {
      operationId: 'retryFailedDeliveries',
      tag: 'Deliveries',
      summary: 'Queue one more attempt for every failed delivery',
      status: 202,
      schema: 'Queued',
      errors: [409],
    },
    handle: async ({ principal, params }) => {
      const queued = await history.retryFailed(dependencies(), tenantOf(principal), params.id!);
      return { status: 202, body: { queued } };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{id}/recover',
    access: 'webhooks:write',
    doc: {
      operationId: 'recoverDeliveries',
      tag: 'Deliveries',
      summary:
        "Send again an endpoint's deliveries in a window (failed ones, or all): a large window continues in the background",
      status: 202,
      schema: 'RecoverQueued',
      errors: [409],
    },
    body: recoverBody,
    handle: async ({ principal, params, body }) => {
      const result = await recoverWebhook(dependencies(), tenantOf(principal), params.id!, body);
      return { status: 202, body: { queued: result.queued, done: result.done } };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/webhooks/{id}/test',
    access: 'webhooks:write',
    doc: {
      operationId: 'sendTestEvent',
      tag: 'Webhooks',
      summary: 'Send a test event',
      status: 200,
      schema: 'TestResult',
    },
    body: testWebhookBody,
    handle: async ({ principal, params, body, timeLeftMs }) => {
      const result = await history.sendTestEvent(
        dependencies(),
        tenantOf(principal),
        params.id!,
        body.event_type,
        timeLeftMs,
      );
      return {
        status: 200,
        body: {
          success: result.success,
          delivery_id: result.deliveryId,
          status_code: result.record.statusCode ?? null,
          response_time_ms: result.record.responseTimeMs,
          response_body: result.record.responseBody ?? null,
          ...(result.record.error ? { error: result.record.error } : {}),
        },
      };
    },
  }),
];
