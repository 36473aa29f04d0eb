/**
 * Signing secrets and the signed request a receiver sees: Standard Webhooks headers (verified by the
 * official `standardwebhooks` / `svix` libraries) plus `X-Webhook-Signature: sha256=<hex>` for
 * receivers that verify with a few lines of HMAC code.
 */

import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookEvent } from './model.js';
import { isWellFormedText } from './unicode.js';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const SECRET_PREFIX_LENGTH = 12;

export const MAX_CUSTOM_HEADERS = 20;
export const MAX_CUSTOM_HEADER_VALUE_LENGTH = 1024;

export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** What listings show of a secret: enough to tell secrets apart, useless to an attacker. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, SECRET_PREFIX_LENGTH);
}

/** Standard Webhooks: the HMAC key is the base64-decoded part after `whsec_`. */
const standardWebhooksKey = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

export function signStandardWebhooks(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const digest = createHmac('sha256', standardWebhooksKey(secret))
    .update(`${messageId}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${digest}`;
}

/**
 * The simple scheme: the key is the whole secret string as UTF-8 (`whsec_` included), because that
 * is what the verification snippet in the product docs does.
 */
export function signSha256Hex(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${timestampSeconds}.${body}`, 'utf8')
    .digest('hex');
  return `sha256=${digest}`;
}

/** Names a custom header can never take: ours, and ones that would change the HTTP framing. */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  // The body is sent as-is; a custom encoding would make receivers mis-decode it.
  'content-encoding',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'keep-alive',
  'trailer',
  // Node's client waits for 100-continue when this is set; the sender never does that dance.
  'expect',
]);

export const RESERVED_HEADER_PREFIXES: readonly string[] = ['webhook-', 'x-webhook-', 'proxy-'];

export function isReservedHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    RESERVED_HEADER_NAMES.has(lower) || RESERVED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix))
  );
}

/** RFC 7230 `token`. */
const HEADER_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LINE_BREAK_OR_NUL_PATTERN = /[\r\n\0]/;
/**
 * A value may hold any character but controls (tab aside): HTTP has no place for those. It is sent
 * as its UTF-8 bytes (RFC 9110's obs-text), so emoji and astral characters reach the receiver as
 * given; a lone surrogate has no UTF-8 form and is refused.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const HEADER_VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Why a set of custom headers is unacceptable, or undefined when it is fine. */
export function validateCustomHeaders(headers: Readonly<Record<string, string>>): string | undefined {
  const names = Object.keys(headers);
  if (names.length > MAX_CUSTOM_HEADERS) return `at most ${MAX_CUSTOM_HEADERS} custom headers are allowed`;
  const seen = new Set<string>();
  for (const name of names) {
    const value = headers[name] ?? '';
    const shownName = JSON.stringify(name);
    if (LINE_BREAK_OR_NUL_PATTERN.test(name))
      return `header name ${shownName} must not contain CR, LF or NUL`;
    if (!HEADER_NAME_PATTERN.test(name)) return `header name ${shownName} is not a valid HTTP header name`;
    if (isReservedHeaderName(name)) return `header ${shownName} is reserved and cannot be set`;
    const lower = name.toLowerCase();
    if (seen.has(lower)) return `header ${shownName} is given more than once`;
    seen.add(lower);
    if (LINE_BREAK_OR_NUL_PATTERN.test(value))
      return `header ${shownName} value must not contain CR, LF or NUL`;
    if (HEADER_VALUE_CONTROL.test(value))
      return `header ${shownName} value must not contain control characters`;
    if (!isWellFormedText(value))
      return `header ${shownName} value must be well-formed Unicode (it holds a lone surrogate)`;
    if (value.length > MAX_CUSTOM_HEADER_VALUE_LENGTH) {
      return `header ${shownName} value must be at most ${MAX_CUSTOM_HEADER_VALUE_LENGTH} characters`;
    }
  }
  return undefined;
}

export interface DeliveryPayload {
  readonly id: string;
  readonly type: string;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly data: unknown;
}

/** The body a receiver gets (and GET /v1/deliveries/{id} shows): `{ id, type, timestamp, data }`. */
export const eventPayload = (event: WebhookEvent): DeliveryPayload => ({
  id: event.id,
  type: event.type,
  timestamp: event.timestamp,
  data: event.data,
});

export interface DeliveryRequestInput {
  /** The `webhook-id` receivers dedupe on: stable across attempts. */
  readonly messageId: string;
  readonly eventType: string;
  readonly timestampSeconds: number;
  readonly payload: DeliveryPayload;
  /** Plain secrets, newest first; each valid one signs (rotation grace period). */
  readonly secrets: readonly string[];
  readonly attempt: number;
  readonly customHeaders: Readonly<Record<string, string>>;
  readonly userAgent: string;
}

export interface SignedDelivery {
  readonly body: string;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
}

export function buildDeliveryRequest(input: DeliveryRequestInput): SignedDelivery {
  if (input.secrets.length === 0) throw new Error('a delivery needs at least one signing secret');
  // Built field by field so the key order is always id, type, timestamp, data.
  const body = JSON.stringify({
    id: input.payload.id,
    type: input.payload.type,
    timestamp: input.payload.timestamp,
    data: input.payload.data ?? null,
  });
  const timestamp = String(input.timestampSeconds);
  const headers: Record<string, string> = {};
  // Custom headers go first and only when valid: a stored header that slipped past validation must
  // not break or override the signed request.
  for (const [name, value] of Object.entries(input.customHeaders)) {
    if (validateCustomHeaders({ [name]: value }) === undefined) headers[name.toLowerCase()] = value;
  }
  Object.assign(headers, {
    'content-type': 'application/json',
    'user-agent': input.userAgent,
    'webhook-id': input.messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': input.secrets
      .map((secret) => signStandardWebhooks(secret, input.messageId, input.timestampSeconds, body))
      .join(' '),
    'x-webhook-signature': input.secrets
      .map((secret) => signSha256Hex(secret, input.timestampSeconds, body))
      .join(','),
    'x-webhook-timestamp': timestamp,
    'x-webhook-event': input.eventType,
    'x-webhook-attempt': String(input.attempt),
  });
  return { body, headers };
}
