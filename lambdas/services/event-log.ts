import { notFound } from '../domain/errors.js';
import { isEventId } from '../domain/ids.js';
import type {
  Delivery,
  DeliveryFilter,
  EventDelivery,
  EventFilter,
  EventSummary,
  Page,
  WebhookEvent,
} from '../domain/model.js';
import type { PageRequest } from '../domain/ports/paging.js';
import type { Dependencies } from './dependencies.js';
import { getWebhook } from './webhook-lookup.js';

/** The account's event log and delivery search (issue 12): read-only use cases over the history. */

export function listEvents(
  deps: Pick<Dependencies, 'eventLog'>,
  accountId: string,
  filter: EventFilter,
  page: PageRequest,
): Promise<Page<EventSummary>> {
  return deps.eventLog.list(accountId, filter, page);
}

/** An event of the account with the deliveries fan-out made of it (a page of them, by webhook id). */
export async function getEventWithDeliveries(
  deps: Pick<Dependencies, 'events' | 'eventLog'>,
  accountId: string,
  eventId: string,
  page: PageRequest,
): Promise<{ event: WebhookEvent; deliveries: Page<EventDelivery> }> {
  const event = isEventId(eventId) ? await deps.events.getEvent(eventId) : undefined;
  // Another tenant's event answers exactly like a missing one.
  if (!event || event.accountId !== accountId) throw notFound('Event');
  return { event, deliveries: await deps.eventLog.eventDeliveries(accountId, eventId, page) };
}

/**
 * GET /v1/deliveries: with a webhook id, that endpoint's partition (404 for an endpoint not the
 * account's); without, the event log walked newest first.
 */
export async function searchDeliveries(
  deps: Pick<Dependencies, 'webhooks' | 'deliveries' | 'eventLog'>,
  accountId: string,
  filter: DeliveryFilter & { webhookId?: string },
  page: PageRequest,
): Promise<Page<Delivery>> {
  const { webhookId, ...rest } = filter;
  if (webhookId === undefined) return deps.eventLog.searchDeliveries(accountId, rest, page);
  await getWebhook(deps, accountId, webhookId);
  return deps.deliveries.listDeliveries(accountId, webhookId, rest, page);
}
