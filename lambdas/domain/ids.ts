import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers. Event ids are ULIDs (time first), so a webhook's deliveries, keyed by event id,
 * sort by time. A delivery id is derived from (event id, webhook id): fan-out replays land on the
 * same record, and the id alone locates the record (no lookup index needed).
 */

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeBase32(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.padEnd(length, '0');
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** A 26-character ULID: 10 characters of milliseconds, 16 of the given or random entropy. */
export function ulid(timeMs: number, entropy: Uint8Array = randomBytes(10)): string {
  return encodeTime(timeMs) + encodeBase32(entropy, 16);
}

/**
 * The ULIDs of a time window, both ends inclusive: the smallest ULID of `since`'s millisecond and
 * the largest of `until`'s (then `~`, above every character a key may put after a ULID).
 */
export function ulidRange(since?: string, until?: string): { from: string; to: string } {
  return {
    from: since === undefined ? '0' : `${encodeTime(Date.parse(since))}${'0'.repeat(16)}`,
    to: `${until === undefined ? 'z'.repeat(26) : `${encodeTime(Date.parse(until))}${'z'.repeat(16)}`}~`,
  };
}

const randomBody = (length = 20): string => encodeBase32(randomBytes(Math.ceil((length * 5) / 8)), length);

export const newWebhookId = (): string => `wh_${randomBody()}`;
export const newAccountId = (): string => `acc_${randomBody(16)}`;
export const newApiKeyId = (): string => `key_${randomBody(16)}`;
export const newEventId = (timeMs: number): string => `evt_${ulid(timeMs)}`;

/** A stable event id for a bus event that arrived without one: same bus event, same id. */
export const eventIdFromBusEvent = (busEventId: string, timeMs: number): string =>
  `evt_${ulid(timeMs, createHash('sha256').update(busEventId).digest().subarray(0, 10))}`;

const ID_BODY = /^[0-9a-z]+$/;

export function deliveryIdFor(eventId: string, webhookId: string): string {
  return `dlv_${eventId.slice('evt_'.length)}_${webhookId.slice('wh_'.length)}`;
}

/** The event and webhook a delivery id was derived from; undefined for anything else. */
export function parseDeliveryId(deliveryId: string): { eventId: string; webhookId: string } | undefined {
  const match = /^dlv_([0-9a-z]{26})_([0-9a-z]{1,64})$/.exec(deliveryId);
  if (!match) return undefined;
  return { eventId: `evt_${match[1]}`, webhookId: `wh_${match[2]}` };
}

export const isWebhookId = (id: string): boolean =>
  id.startsWith('wh_') && id.length <= 67 && ID_BODY.test(id.slice(3));

export const isEventId = (id: string): boolean => /^evt_[0-9a-z]{26}$/.test(id);

/** API keys: `ak_` + 40 base32 characters (200 bits). */
export const newApiKey = (): string => `ak_${randomBody(40)}`;

/** Portal session keys (docs/portal.md): `ps_` + 40 base32 characters, authenticated like API keys. */
export const newPortalSessionKey = (): string => `ps_${randomBody(40)}`;
export const newPortalSessionId = (): string => `ses_${randomBody(16)}`;

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');
