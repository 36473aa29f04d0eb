import { RECORDING_MARGIN_MS, synchronousSendTimeoutMs } from '../domain/deadlines.js';
import { invalid, notFound } from '../domain/errors.js';
import { deliveryIdFor, newEventId, parseDeliveryId } from '../domain/ids.js';
import type { Delivery, DeliveryFilter, Page, WebhookEvent } from '../domain/model.js';
import type { PageRequest } from '../domain/ports/paging.js';
import { sendAttempt } from './delivery.js';
import type { Dependencies } from './dependencies.js';
import { assertActive, type RetryPorts, resend } from './resend.js';
import { recordStats } from './stats.js';
import { getWebhook } from './webhook-lookup.js';

/** Delivery history, manual retries and test sends: the use cases behind deliveries routes. */

export async function listDeliveries(
  deps: Pick<Dependencies, 'webhooks' | 'deliveries'>,
  accountId: string,
  webhookId: string,
  filter: DeliveryFilter,
  page: PageRequest,
): Promise<Page<Delivery>> {
  await getWebhook(deps, accountId, webhookId);
  return deps.deliveries.listDeliveries(accountId, webhookId, filter, page);
}

type DeliveryReadPorts = Pick<Dependencies, 'deliveries' | 'events' | 'webhooks'>;

export async function getDelivery(
  deps: DeliveryReadPorts,
  accountId: string,
  deliveryId: string,
): Promise<{ delivery: Delivery; event: WebhookEvent | undefined }> {
  const delivery = parseDeliveryId(deliveryId) ? await deps.deliveries.getDelivery(deliveryId) : undefined;
  // Another tenant's delivery answers exactly like a missing one; so does the delivery of a deleted
  // endpoint whose history is still being purged in the background.
  if (!delivery || delivery.accountId !== accountId) throw notFound('Delivery');
  if (!(await deps.webhooks.get(accountId, delivery.webhookId))) throw notFound('Delivery');
  return { delivery, event: await deps.events.getEvent(accountId, delivery.eventId) };
}

/**
 * POST /v1/deliveries/{id}/retry: one more attempt now, whatever the delivery's state (a succeeded
 * one is sent again, a pending one is sent now rather than at its scheduled time). Concurrent
 * requests queue one attempt between them; each answers with the delivery pending.
 */
export async function retryDelivery(deps: RetryPorts, accountId: string, deliveryId: string): Promise<void> {
  const { delivery } = await getDelivery(deps, accountId, deliveryId);
  assertActive(await getWebhook(deps, accountId, delivery.webhookId));
  await resend(deps, delivery);
}

/** Seed 000's "Retry All Failed": every failed delivery of the endpoint gets one more attempt. */
export async function retryFailed(deps: RetryPorts, accountId: string, webhookId: string): Promise<number> {
  assertActive(await getWebhook(deps, accountId, webhookId));
  let queued = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.listDeliveries(
      accountId,
      webhookId,
      { status: 'failed' },
      { limit: 100, cursor },
    );
    const requeued = await Promise.all(page.items.map((delivery) => resend(deps, delivery)));
    queued += requeued.filter(Boolean).length;
    cursor = page.nextCursor;
  } while (cursor);
  return queued;
}

/**
 * Why a test delivery is failed when nothing else was recorded: it is written failed before the
 * send, so a request cut off (function timeout, crash) never leaves it pending (issue 9).
 */
export const TEST_INTERRUPTED = 'test_interrupted';

export type TestSendPorts = Pick<
  Dependencies,
  'webhooks' | 'eventTypes' | 'events' | 'deliveries' | 'stats' | 'sender' | 'cipher' | 'clock'
>;

/**
 * POST /v1/webhooks/{id}/test: one synchronous, signed delivery of the type's example payload,
 * kept in the history like any other (one attempt, no retries). It waits for the receiver up to the
 * endpoint's timeout, cut to the time the request has left (`timeLeftMs`: the function's remaining
 * time, under API Gateway's 29 s) less a margin to record the outcome: a receiver that hangs gets a
 * timely `success: false` with a timeout error, never a gateway timeout.
 */
export async function sendTestEvent(
  deps: TestSendPorts,
  accountId: string,
  webhookId: string,
  eventType?: string,
  timeLeftMs: () => number = () => Number.POSITIVE_INFINITY,
) {
  const webhook = await getWebhook(deps, accountId, webhookId);
  const typeName = eventType ?? webhook.events[0] ?? (await deps.eventTypes.list())[0]?.name;
  const type = typeName ? await deps.eventTypes.get(typeName) : undefined;
  if (!type) throw invalid(`Unknown event type: ${typeName ?? '(none registered)'}`);
  const now = deps.clock.now();
  const event: WebhookEvent = {
    id: newEventId(now.getTime()),
    accountId,
    type: type.name,
    data: type.example,
    timestamp: now.toISOString(),
    test: true,
  };
  // The event and its log entry (marked test, with its one endpoint) in one write.
  await deps.events.putEvent(event, 'admitted', { index: 0, webhookIds: [webhook.id], more: false });
  // Final from the start (failed, no attempt): the attempt recorded below replaces that outcome.
  const delivery: Delivery = {
    id: deliveryIdFor(event.id, webhook.id),
    accountId,
    webhookId: webhook.id,
    eventId: event.id,
    eventType: event.type,
    status: 'failed',
    failureReason: TEST_INTERRUPTED,
    attemptCount: 0,
    attempts: [],
    createdAt: event.timestamp,
    updatedAt: event.timestamp,
    test: true,
  };
  await deps.deliveries.createDelivery(delivery);
  const endpointTimeoutMs = webhook.timeoutSeconds * 1000;
  const timeoutMs = synchronousSendTimeoutMs(endpointTimeoutMs, timeLeftMs());
  const sent = await sendAttempt(deps, webhook, event, 1, timeoutMs);
  const { outcome } = sent;
  const record =
    timeoutMs < endpointTimeoutMs && sent.record.error?.startsWith('timeout')
      ? {
          ...sent.record,
          error: `${sent.record.error} (a test send waits at most the time the API request has left, less ${RECORDING_MARGIN_MS} ms to record it; the endpoint's timeout is ${webhook.timeoutSeconds} s)`,
        }
      : sent.record;
  const success = outcome.kind === 'delivered';
  await deps.deliveries.recordAttempt(delivery.id, record, {
    status: success ? 'succeeded' : 'failed',
    failureReason: success ? undefined : 'test_failed',
  });
  await recordStats(deps, [
    {
      kind: 'attempted',
      webhookId: webhook.id,
      outcome: outcome.kind,
      final: true,
      responseTimeMs: record.responseTimeMs,
      test: true,
    },
  ]);
  return { deliveryId: delivery.id, success, record };
}
