import * as z from 'zod/mini';
import { deliveryIdFor, eventIdFromBusEvent, isEventId } from '../domain/ids.js';
import type { Delivery, WebhookEvent } from '../domain/model.js';
import type { DeliveryJob } from '../domain/ports.js';
import { accountId, eventTypeName, idempotencyKey } from '../domain/schemas.js';
import type { Dependencies } from './dependencies.js';
import { admitEvent } from './usage.js';

/**
 * Fan-out: one bus event → one delivery per active subscribed endpoint. The delivery id derives from
 * (event id, endpoint id) and is created with a conditional write, so a replayed ingest message
 * never creates a second delivery. The account's daily event quota is enforced here, before any
 * delivery exists: an event beyond it is dropped whole (docs/quotas.md).
 */

const SUBSCRIPTION_PAGE = 1000;
const WRITE_CONCURRENCY = 25;

/** The EventBridge envelope as the ingest queue receives it. */
const busEnvelope = z.object({
  id: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  'detail-type': eventTypeName,
  detail: z.object({
    account_id: accountId,
    data: z.unknown(),
    idempotency_key: z.optional(idempotencyKey),
    event_id: z.optional(z.string()),
  }),
});

/**
 * The design card spells the detail `{accountId, data, idempotencyKey?}`, the API `account_id` and
 * `idempotency_key`: publishers may use either. The snake_case field wins when both are present.
 */
function withSnakeCaseDetail(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const detail = (json as { detail?: unknown }).detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return json;
  const { accountId: camelAccountId, idempotencyKey: camelKey, ...rest } = detail as Record<string, unknown>;
  return {
    ...json,
    detail: {
      ...(camelAccountId !== undefined ? { account_id: camelAccountId } : {}),
      ...(camelKey !== undefined ? { idempotency_key: camelKey } : {}),
      ...rest,
    },
  };
}

export type ParsedBusEvent =
  | { ok: true; event: WebhookEvent; fromApi: boolean }
  | { ok: false; reason: string };

export function parseBusEvent(body: string): ParsedBusEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const parsed = busEnvelope.safeParse(withSnakeCaseDetail(json));
  if (!parsed.success) {
    return {
      ok: false,
      reason: `not a webhook event: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    };
  }
  const envelope = parsed.data;
  const timeMs = Date.parse(envelope.time);
  if (Number.isNaN(timeMs)) return { ok: false, reason: 'event time is not a date' };
  const apiEventId = envelope.detail.event_id;
  const fromApi = apiEventId !== undefined && isEventId(apiEventId);
  return {
    ok: true,
    fromApi,
    event: {
      id: fromApi ? apiEventId : eventIdFromBusEvent(envelope.id, timeMs),
      accountId: envelope.detail.account_id,
      type: envelope['detail-type'],
      data: envelope.detail.data ?? {},
      timestamp: new Date(timeMs).toISOString(),
      idempotencyKey: envelope.detail.idempotency_key,
    },
  };
}

async function inChunks<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
  }
}

/**
 * A replay (ingest message redelivered, or an idempotent re-publish) finds an existing delivery. If
 * no attempt was made and it is old, the first run may have died before sending its job: send it
 * again (the delivery handler drops a duplicate job). A young one's job is most likely still
 * queued, and sending it twice would race two first attempts.
 */
export const REPLAY_REQUEUE_AFTER_MS = 60_000;
const firstJobMayBeLost = (existing: Delivery, now: string): boolean =>
  existing.status === 'pending' &&
  existing.attemptCount === 0 &&
  Date.parse(now) - Date.parse(existing.createdAt) > REPLAY_REQUEUE_AFTER_MS;

export interface FanOutResult {
  readonly deliveries: number;
  readonly duplicateEvent: boolean;
  /** The account's events for today were used up: the event was dropped, nothing was delivered. */
  readonly dropped: boolean;
}

export async function fanOut(
  deps: Dependencies,
  event: WebhookEvent,
  fromApi: boolean,
): Promise<FanOutResult> {
  // The API claimed the idempotency key before publishing; events put on the bus directly are
  // claimed here. A replay of the same bus event carries the same id and passes.
  if (event.idempotencyKey && !fromApi) {
    const expiresAt = new Date(Date.parse(event.timestamp) + 24 * 3600 * 1000).toISOString();
    const holder = await deps.idempotency.claim(event.accountId, event.idempotencyKey, event.id, expiresAt);
    if (holder !== undefined && holder !== event.id)
      return { deliveries: 0, duplicateEvent: true, dropped: false };
  }
  // Counts the event and stores it with the decision (a replay finds the decision and follows it).
  const admission = await admitEvent(deps, event);
  if (admission === 'dropped') return { deliveries: 0, duplicateEvent: false, dropped: true };
  const now = deps.clock.now().toISOString();
  let deliveries = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.webhooks.findSubscriptions(event.accountId, event.type, {
      limit: SUBSCRIPTION_PAGE,
      cursor,
    });
    const jobs: DeliveryJob[] = [];
    const active = page.items.filter((subscription) => subscription.status === 'active');
    await inChunks(active, WRITE_CONCURRENCY, async (subscription) => {
      const delivery: Delivery = {
        id: deliveryIdFor(event.id, subscription.webhookId),
        accountId: event.accountId,
        webhookId: subscription.webhookId,
        eventId: event.id,
        eventType: event.type,
        status: 'pending',
        attemptCount: 0,
        attempts: [],
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      };
      const result = await deps.deliveries.createDelivery(delivery);
      if (result.created || firstJobMayBeLost(result.existing, now)) {
        jobs.push({ deliveryId: delivery.id, attempt: 1, dueAt: now });
      }
    });
    await deps.queue.enqueue(jobs);
    deliveries += jobs.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { deliveries, duplicateEvent: false, dropped: false };
}
