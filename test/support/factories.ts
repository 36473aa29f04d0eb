import { randomBytes } from 'node:crypto';
import {
  deliveryIdFor,
  hashApiKey,
  newAccountId,
  newApiKey,
  newApiKeyId,
  newEventId,
  newWebhookId,
} from '../../lambdas/domain/ids.js';
import type {
  Account,
  ApiKeyRecord,
  Delivery,
  DeliveryAttempt,
  EventType,
  Webhook,
  WebhookEvent,
} from '../../lambdas/domain/model.js';

/** Fixture builders: valid records with fresh ids; tests override only what they are about. */

const NOW = '2025-01-15T10:00:00.000Z';

export function anAccount(overrides: Partial<Account> = {}): Account {
  return { id: newAccountId(), name: 'Acme', plan: 'pro', createdAt: NOW, ...overrides };
}

export function anApiKey(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord & { key: string } {
  const key = newApiKey();
  return {
    key,
    id: newApiKeyId(),
    accountId: newAccountId(),
    keyHash: hashApiKey(key),
    prefix: key.slice(0, 10),
    scopes: ['webhooks:read', 'webhooks:write'],
    createdAt: NOW,
    ...overrides,
  };
}

export function anEventType(overrides: Partial<EventType> = {}): EventType {
  return {
    name: `order.${randomBytes(3).toString('hex')}`,
    description: 'An order event',
    example: { id: 'ord_1', total: 42 },
    updatedAt: NOW,
    ...overrides,
  };
}

export function aWebhook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: newWebhookId(),
    accountId: newAccountId(),
    name: 'Orders endpoint',
    url: 'https://example.com/hooks',
    description: 'Receives orders',
    events: ['order.created'],
    status: 'active',
    headers: { 'x-team': 'billing' },
    retryPolicy: { maxRetries: 5, intervalsSeconds: [5, 30, 300] },
    timeoutSeconds: 10,
    alerting: { email: 'ops@example.com', failureThreshold: 10 },
    secrets: [{ ciphertext: 'c2VjcmV0', prefix: 'whsec_abcdef', createdAt: NOW }],
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function anEvent(overrides: Partial<WebhookEvent> & { timeMs?: number } = {}): WebhookEvent {
  const { timeMs, ...rest } = overrides;
  return {
    id: newEventId(timeMs ?? Date.parse(NOW)),
    accountId: newAccountId(),
    type: 'order.created',
    data: { id: 'ord_1', total: 42, lines: [{ sku: 'A', qty: 2 }] },
    timestamp: NOW,
    ...rest,
  };
}

/** A fresh pending delivery; pass eventId/webhookId to place it, the id follows from them. */
export function aDelivery(
  overrides: Partial<Delivery> & { eventId?: string; webhookId?: string } = {},
): Delivery {
  const eventId = overrides.eventId ?? newEventId(Date.parse(NOW));
  const webhookId = overrides.webhookId ?? newWebhookId();
  return {
    accountId: newAccountId(),
    eventType: 'order.created',
    status: 'pending',
    attemptCount: 0,
    attempts: [],
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
    id: deliveryIdFor(eventId, webhookId),
    eventId,
    webhookId,
  };
}

export function anAttempt(overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    attempt: 1,
    startedAt: NOW,
    finishedAt: '2025-01-15T10:00:00.120Z',
    statusCode: 200,
    responseTimeMs: 120,
    responseBody: 'ok',
    ...overrides,
  };
}

/** A valid POST /v1/webhooks body; override any field. */
export function aWebhookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Orders endpoint',
    url: 'https://example.com/hooks/orders',
    events: ['order.created'],
    ...overrides,
  };
}
