import { accountDeliveriesQuery, eventDetailQuery, eventsQuery } from '../domain/schemas.js';
import type { DependenciesProvider } from '../services/dependencies.js';
import * as eventLog from '../services/event-log.js';
import { route, tenantOf } from './api.js';
import {
  deliverySummaryResource,
  eventDetailResource,
  eventSummaryResource,
  pageResource,
} from './representations.js';

/** Issue 12's event log and delivery search: GET /v1/events, /v1/events/{id}, /v1/deliveries. */
export const eventLogRoutes = (dependencies: DependenciesProvider) => [
  route({
    method: 'GET',
    path: '/v1/events',
    access: 'webhooks:read',
    doc: {
      operationId: 'listEvents',
      tag: 'Events',
      summary: "List the account's events, newest first (test sends marked `test`)",
      status: 200,
      schema: 'EventPage',
    },
    query: eventsQuery,
    handle: async ({ principal, query }) => {
      const page = await eventLog.listEvents(
        dependencies(),
        tenantOf(principal),
        { type: query.type, since: query.since, until: query.until },
        { limit: query.limit, cursor: query.cursor },
      );
      return {
        status: 200,
        body: pageResource(page, eventSummaryResource),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/events/{id}',
    access: 'webhooks:read',
    doc: {
      operationId: 'getEvent',
      tag: 'Events',
      summary: 'Get an event with its data and its deliveries (paged: limit, cursor)',
      status: 200,
      schema: 'EventDetail',
    },
    query: eventDetailQuery,
    handle: async ({ principal, params, query }) => {
      const { event, deliveries } = await eventLog.getEventWithDeliveries(
        dependencies(),
        tenantOf(principal),
        params.id!,
        { limit: query.limit, cursor: query.cursor },
      );
      return { status: 200, body: eventDetailResource(event, deliveries) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/deliveries',
    access: 'webhooks:read',
    doc: {
      operationId: 'searchDeliveries',
      tag: 'Deliveries',
      summary: "Search the account's deliveries, newest first",
      status: 200,
      schema: 'DeliveryPage',
    },
    query: accountDeliveriesQuery,
    handle: async ({ principal, query }) => {
      const page = await eventLog.searchDeliveries(
        dependencies(),
        tenantOf(principal),
        {
          webhookId: query.webhook_id,
          status: query.status,
          eventType: query.event_type,
          since: query.since,
          until: query.until,
        },
        { limit: query.limit, cursor: query.cursor },
      );
      return {
        status: 200,
        body: pageResource(page, deliverySummaryResource),
      };
    },
  }),
];
