import { busEntryFor, busEntrySize, MAX_BUS_ENTRY_BYTES } from '../domain/bus-event.js';
import { DomainError, invalid } from '../domain/errors.js';
import { isOperationalEventType } from '../domain/escalation.js';
import { eventIdFromBusEvent } from '../domain/ids.js';
import type { PublishEventBody } from '../domain/schemas.js';
import type { Dependencies } from './dependencies.js';
import { assertEventQuota } from './usage.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type PublishPorts = Pick<
  Dependencies,
  'eventTypes' | 'idempotency' | 'publisher' | 'accounts' | 'usage' | 'planLimits' | 'clock'
>;

/**
 * POST /v1/events: checks the type, the entry's size and the day's quota (429 when it is used up),
 * puts the event on the bus, and claims the idempotency key for it.
 *
 * The event's id derives from the id EventBridge gives the entry, exactly as fan-out derives it
 * from the envelope: ids are the service's, and nothing a publisher writes names an event. So the
 * key is claimed after the PutEvents. A repeated key within 24 h answers with the holder's id; its
 * extra entry reaches fan-out, which claims the key too, finds another holder and drops it. A call
 * that dies between its PutEvents and its claim loses nothing: fan-out claims the key for it.
 */
export async function publishEvent(
  deps: PublishPorts,
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
  const now = deps.clock.now();
  const entry = busEntryFor({
    accountId,
    type: input.type,
    data: input.data,
    idempotencyKey: input.idempotency_key,
    time: now,
  });
  const size = busEntrySize(entry);
  if (size > MAX_BUS_ENTRY_BYTES) {
    throw new DomainError(
      'payload_too_large',
      `The event is ${size} bytes as an EventBridge entry (type, data, idempotency key and the service's own fields); at most ${MAX_BUS_ENTRY_BYTES} fit`,
      { entry_bytes: size, max_entry_bytes: MAX_BUS_ENTRY_BYTES },
    );
  }
  await assertEventQuota(deps, accountId);
  const held = input.idempotency_key
    ? await deps.idempotency.holder(accountId, input.idempotency_key)
    : undefined;
  if (held) return { id: held, duplicate: true };
  const { busEventId } = await deps.publisher.put(entry);
  const id = eventIdFromBusEvent(busEventId, entry.Time.getTime());
  if (input.idempotency_key) {
    const expiresAt = new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS).toISOString();
    const holder = await deps.idempotency.claim(accountId, input.idempotency_key, id, expiresAt);
    if (holder && holder !== id) return { id: holder, duplicate: true };
  }
  return { id, duplicate: false };
}
