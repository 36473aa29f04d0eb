import { invalid } from '../../domain/errors.js';
import { deliveryIdFor } from '../../domain/ids.js';
import type { Delivery, DeliveryAttempt, DeliveryStatus, WebhookEvent } from '../../domain/model.js';
import { boundAttempt, MAX_STORED_ATTEMPTS } from '../../domain/outcome.js';
import { type Item, num, optionalNum, optionalStr, str } from './attributes.js';
import { deliveryKeys, eventIdOfDeliverySk, webhookIdOfEndpointPk } from './delivery-keys.js';

/** The deliveries table's items as the domain sees them, and back: events, deliveries, attempts. */

export function itemToEvent(eventId: string, item: Item): WebhookEvent {
  const idempotencyKey = optionalStr(item.idempotency_key);
  return {
    id: eventId,
    accountId: str(item.account_id),
    type: str(item.type),
    data: typeof item.data === 'string' ? (JSON.parse(item.data) as unknown) : undefined,
    timestamp: str(item.timestamp),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(item.test === true ? { test: true } : {}),
  };
}

export function attemptToItem(attempt: DeliveryAttempt): Item {
  return {
    attempt: attempt.attempt,
    started_at: attempt.startedAt,
    finished_at: attempt.finishedAt,
    status_code: attempt.statusCode,
    response_time_ms: attempt.responseTimeMs,
    response_body: attempt.responseBody,
    error: attempt.error,
  };
}

export function itemToAttempt(item: Item): DeliveryAttempt {
  const statusCode = optionalNum(item.status_code);
  const responseBody = optionalStr(item.response_body);
  const error = optionalStr(item.error);
  return {
    attempt: num(item.attempt),
    startedAt: str(item.started_at),
    finishedAt: str(item.finished_at),
    ...(statusCode !== undefined ? { statusCode } : {}),
    responseTimeMs: num(item.response_time_ms),
    ...(responseBody !== undefined ? { responseBody } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * The stored form of a delivery. The id, webhook id and event id are not stored: the key gives them
 * (pk = WEBHOOK#<webhook id>, sk = DELIVERY#<event ulid>), which keeps the item small.
 */
export function deliveryToItem(delivery: Delivery, expiresAt: number): Item {
  const keys = deliveryKeys(delivery.id);
  if (!keys) throw invalid(`Invalid delivery id ${delivery.id}`);
  return {
    ...keys.key,
    account_id: delivery.accountId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    attempts: delivery.attempts
      .slice(-MAX_STORED_ATTEMPTS)
      .map((attempt) => attemptToItem(boundAttempt(attempt))),
    last_status_code: delivery.lastStatusCode,
    last_response_time_ms: delivery.lastResponseTimeMs,
    next_attempt_at: delivery.nextAttemptAt,
    failure_reason: delivery.failureReason,
    created_at: delivery.createdAt,
    updated_at: delivery.updatedAt,
    test: delivery.test ? true : undefined,
    expires_at: expiresAt,
  };
}

export function itemToDelivery(item: Item): Delivery {
  const webhookId = webhookIdOfEndpointPk(str(item.pk));
  const eventId = eventIdOfDeliverySk(str(item.sk));
  const lastStatusCode = optionalNum(item.last_status_code);
  const lastResponseTimeMs = optionalNum(item.last_response_time_ms);
  const nextAttemptAt = optionalStr(item.next_attempt_at);
  const failureReason = optionalStr(item.failure_reason);
  return {
    id: deliveryIdFor(eventId, webhookId),
    accountId: str(item.account_id),
    webhookId,
    eventId,
    eventType: str(item.event_type),
    status: str(item.status) as DeliveryStatus,
    attemptCount: num(item.attempt_count),
    attempts: (Array.isArray(item.attempts) ? (item.attempts as Item[]) : []).map(itemToAttempt),
    ...(lastStatusCode !== undefined ? { lastStatusCode } : {}),
    ...(lastResponseTimeMs !== undefined ? { lastResponseTimeMs } : {}),
    ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}),
    ...(failureReason !== undefined ? { failureReason } : {}),
    createdAt: str(item.created_at),
    updatedAt: str(item.updated_at),
    ...(item.test === true ? { test: true } : {}),
  };
}
