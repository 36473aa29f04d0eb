import type { WebhookEvent } from './model.js';
import { isSqsSafeText, sqsSafeJson } from './sqs-text.js';

/**
 * The entry the API puts on the bus for an event, and its size as EventBridge counts it. Pure, so
 * POST /v1/events can refuse an event whose entry would not fit before anything is claimed or sent.
 */

export const EVENT_SOURCE = 'serverless-webhooks.api';

/** EventBridge's PutEvents limit: the entries of one request, counted as below, at most 256 KB. */
export const MAX_BUS_ENTRY_BYTES = 256 * 1024;

export interface BusDetail {
  readonly account_id: string;
  readonly data: unknown;
  readonly idempotency_key?: string;
}

export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  /** Whole seconds: the envelope's `time` has no fraction, and the event id derives from it. */
  readonly Time: Date;
}

/**
 * The Detail text. EventBridge delivers it to the ingest queue inside its envelope, and SQS refuses
 * U+FFFE and U+FFFF in a message body; whether EventBridge keeps an escape it was given or writes
 * the character out again is not documented. So a detail that holds either character is sent as
 * `{account_id, detail_json}`, the whole detail as an SQS-safe JSON string: its text stays escaped
 * however it is re-serialized, and fan-out reads it back to the same value. Every other detail,
 * emoji and controls included, goes plain (JSON.stringify escapes controls and lone surrogates).
 */
export function busDetailText(detail: BusDetail): string {
  const plain = JSON.stringify(detail);
  if (isSqsSafeText(plain)) return plain;
  return JSON.stringify({ account_id: detail.account_id, detail_json: sqsSafeJson(detail) });
}

export function busEntryFor(input: {
  readonly accountId: string;
  readonly type: string;
  readonly data: unknown;
  readonly idempotencyKey?: string;
  readonly time: Date;
}): BusEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: input.type,
    Detail: busDetailText({
      account_id: input.accountId,
      data: input.data,
      ...(input.idempotencyKey === undefined ? {} : { idempotency_key: input.idempotencyKey }),
    }),
    Time: new Date(Math.floor(input.time.getTime() / 1000) * 1000),
  };
}

/** EventBridge's count ("Calculating PutEvents event entry size"): Time is 14 bytes, the rest UTF-8. */
export function busEntrySize(entry: {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Time?: unknown;
  readonly Resources?: readonly string[];
}): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

/**
 * The service's own message on the ingest queue for one of its operational events (read back by
 * messages/ingest-message.ts). Here, without a schema library: the escalation bundle sends it.
 */
export function serviceEventMessage(event: WebhookEvent): { service_event: Record<string, unknown> } {
  return {
    service_event: {
      id: event.id,
      account_id: event.accountId,
      type: event.type,
      timestamp: event.timestamp,
      data: event.data,
      ...(event.idempotencyKey === undefined ? {} : { idempotency_key: event.idempotencyKey }),
    },
  };
}
