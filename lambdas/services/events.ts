import { invalid } from '../domain/errors.js';
import { isOperationalEventType } from '../domain/escalation.js';
import { newEventId } from '../domain/ids.js';
import type { WebhookEvent } from '../domain/model.js';
import type { PublishEventBody } from '../domain/schemas.js';
import type { Dependencies } from './dependencies.js';
import { assertEventQuota } from './usage.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * POST /v1/events: checks the type and the day's quota (429 when it is used up), claims the
 * idempotency key, and puts the event on the bus.
 * A repeated key within 24 h answers with the first event's id and never delivers twice.
 */
export async function publishEvent(
  deps: Dependencies,
  accountId: string,
  input: PublishEventBody,
): Promise<{ id: string; duplicate: boolean }> {
  if (isOperationalEventType(input.type)) {
    throw invalid(`${input.type} is published by the service itself`, [
      { path: 'body.type', message: 'reserved for the operational events of the service' },
    ]);
  }
  if (!(await deps.eventTypes.get(input.type))) {
    throw invalid(`Unknown event type: ${input.type}`, [
      { path: 'body.type', message: 'unknown event type' },
    ]);
  }
  // Before the idempotency claim: a refused event must not hold its key.
  await assertEventQuota(deps, accountId);
  const now = deps.clock.now();
  const event: WebhookEvent = {
    id: newEventId(now.getTime()),
    accountId,
    type: input.type,
    data: input.data,
    timestamp: now.toISOString(),
    idempotencyKey: input.idempotency_key,
  };
  if (input.idempotency_key) {
    const expiresAt = new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS).toISOString();
    const holder = await deps.idempotency.claim(accountId, input.idempotency_key, event.id, expiresAt);
    if (holder) {
      // The first call may have died between its claim and its publish. Publishing again under the
      // held id completes it, and is harmless otherwise: fan-out is idempotent per event id.
      await deps.publisher.publish({ ...event, id: holder });
      return { id: holder, duplicate: true };
    }
  }
  await deps.publisher.publish(event);
  return { id: event.id, duplicate: false };
}
