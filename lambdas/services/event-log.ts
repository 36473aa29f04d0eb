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
  deps: Pick<Dependencies, 'events' | 'eventLog' | 'webhooks'>,
  accountId: string,
  eventId: string,
  page: PageRequest,
): Promise<{ event: WebhookEvent; deliveries: Page<EventDelivery> }> {
  // Read under the caller's account: another tenant's event answers exactly like a missing one.
  const event = isEventId(eventId) ? await deps.events.getEvent(accountId, eventId) : undefined;
  if (!event || event.accountId !== accountId) throw notFound('Event');
  const deliveries = await deps.eventLog.eventDeliveries(accountId, eventId, page);
  return { event, deliveries: await withoutDeletedEndpoints(deps, accountId, deliveries) };
}

/**
 * Leaves out the deliveries of endpoints deleted since: their history is purged, and a delivery the
 * log names but nobody stored (its first attempt not ended yet) would otherwise show as pending.
 */
async function withoutDeletedEndpoints<T extends { readonly webhookId: string }>(
  deps: Pick<Dependencies, 'webhooks'>,
  accountId: string,
  page: Page<T>,
): Promise<Page<T>> {
  if (page.items.length === 0) return page;
  const ids = [...new Set(page.items.map((item) => item.webhookId))];
  const live = await deps.webhooks.getManyWithFailureState(
    ids.map((webhookId) => ({ accountId, webhookId })),
  );
  return {
    ...page,
    items: page.items.filter((item) => live.get(item.webhookId)?.webhook.accountId === accountId),
  };
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
  if (webhookId === undefined) {
    return withoutDeletedEndpoints(
      deps,
      accountId,
      await deps.eventLog.searchDeliveries(accountId, rest, page),
    );
  }
  await getWebhook(deps, accountId, webhookId);
  return deps.deliveries.listDeliveries(accountId, webhookId, rest, page);
}
