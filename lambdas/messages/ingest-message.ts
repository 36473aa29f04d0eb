import * as z from 'zod/mini';
import { isOperationalEventType } from '../domain/escalation.js';
import { eventIdFromBusEvent, isEventId } from '../domain/ids.js';
import type { WebhookEvent } from '../domain/model.js';
import { accountId, eventData, eventTypeName, idempotencyKey } from '../domain/schemas.js';

/**
 * What arrives on the ingest queue, and what the service makes of it (docs/bus.md):
 *
 * - An EventBridge envelope, from the bus rule: the event of any publisher on the bus, the API's
 *   included. Its id is derived from the envelope's `id`, which EventBridge assigns: nothing in the
 *   detail names the event, so no publisher can make fan-out reuse another account's event.
 *   Operational types are refused here: they are the service's to send.
 * - `{"service_event": …}`, the service's own operational events, sent to the queue directly.
 *   EventBridge wraps all it delivers in its envelope, so this shape comes only from a principal
 *   allowed to send to the queue.
 */

const detailFields = {
  account_id: accountId,
  data: eventData,
  idempotency_key: z.optional(idempotencyKey),
};
/** Other fields a publisher adds (a trace id, …) are ignored, as the `event_id` older APIs sent is. */
const busDetail = z.object(detailFields);

const busEnvelope = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  time: z.string().check(z.minLength(1)),
  'detail-type': eventTypeName,
  detail: z.record(z.string(), z.unknown()),
});

const serviceEvent = z.strictObject({
  service_event: z.strictObject({
    id: z.string().check(z.refine(isEventId, 'must be an event id')),
    type: eventTypeName,
    timestamp: z.string().check(z.minLength(1)),
    ...detailFields,
  }),
});

export type ParsedIngestMessage = { ok: true; event: WebhookEvent } | { ok: false; reason: string };

const refused = (reason: string): ParsedIngestMessage => ({ ok: false, reason });
const issuesOf = (error: z.core.$ZodError, prefix: string): string =>
  error.issues.map((issue) => [prefix, ...issue.path].join('.')).join(', ');

/**
 * The design card spells the detail `{accountId, data, idempotencyKey?}`, the API `account_id` and
 * `idempotency_key`: publishers may use either; the snake_case field wins when both are present. A
 * detail sent as `{account_id, detail_json}` (what the API sends when the data holds a character
 * SQS refuses, domain/bus-event.ts) is read from its JSON string.
 */
function normalizedDetail(detail: Record<string, unknown>): Record<string, unknown> | string {
  const { accountId: camelAccountId, idempotencyKey: camelKey, detail_json: encoded, ...rest } = detail;
  if (encoded !== undefined) {
    if (typeof encoded !== 'string' || Object.keys(rest).some((key) => key !== 'account_id'))
      return 'detail_json must be a string and stand alone beside account_id';
    let inner: unknown;
    try {
      inner = JSON.parse(encoded);
    } catch {
      return 'detail_json is not JSON';
    }
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
      return 'detail_json is not an object';
    if (rest.account_id !== undefined && rest.account_id !== (inner as { account_id?: unknown }).account_id)
      return 'detail_json names another account than account_id';
    return normalizedDetail(inner as Record<string, unknown>);
  }
  return {
    ...(camelAccountId !== undefined ? { account_id: camelAccountId } : {}),
    ...(camelKey !== undefined ? { idempotency_key: camelKey } : {}),
    ...rest,
  };
}

function parseServiceEvent(json: unknown): ParsedIngestMessage {
  const parsed = serviceEvent.safeParse(json);
  if (!parsed.success) return refused(`not a service event: ${issuesOf(parsed.error, 'service_event')}`);
  const { id, account_id, type, timestamp, data, idempotency_key } = parsed.data.service_event;
  if (!isOperationalEventType(type)) return refused(`${type} is not an operational event type`);
  if (Number.isNaN(Date.parse(timestamp))) return refused('service event timestamp is not a date');
  return {
    ok: true,
    event: { id, accountId: account_id, type, data, timestamp, idempotencyKey: idempotency_key },
  };
}

export function parseIngestMessage(body: string): ParsedIngestMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return refused('message body is not JSON');
  }
  if (typeof json === 'object' && json !== null && 'service_event' in json) return parseServiceEvent(json);
  const envelope = busEnvelope.safeParse(json);
  if (!envelope.success) return refused(`not a webhook event: ${issuesOf(envelope.error, 'envelope')}`);
  const type = envelope.data['detail-type'];
  if (isOperationalEventType(type))
    return refused(`${type} is published by the service itself, never through the bus`);
  const normalized = normalizedDetail(envelope.data.detail);
  if (typeof normalized === 'string') return refused(`not a webhook event: ${normalized}`);
  const detail = busDetail.safeParse(normalized);
  if (!detail.success) return refused(`not a webhook event: ${issuesOf(detail.error, 'detail')}`);
  const timeMs = Date.parse(envelope.data.time);
  if (Number.isNaN(timeMs)) return refused('event time is not a date');
  return {
    ok: true,
    event: {
      id: eventIdFromBusEvent(envelope.data.id, timeMs),
      accountId: detail.data.account_id,
      type,
      data: detail.data.data,
      timestamp: new Date(timeMs).toISOString(),
      idempotencyKey: detail.data.idempotency_key,
    },
  };
}
