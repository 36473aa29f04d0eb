import { createHash } from 'node:crypto';
import { parseDeliveryId } from '../../domain/ids.js';
import { storableText } from '../../domain/unicode.js';
import type { TableKey } from './keys.js';

/**
 * Every key of the deliveries table (docs/storage.md), built in one place. The config table's are in
 * keys.ts.
 */

/** An endpoint's partition: its deliveries (sk DELIVERY#<event ulid>) and its stats item. */
export const endpointPk = (webhookId: string): string => `WEBHOOK#${webhookId}`;
export const webhookIdOfEndpointPk = (pk: string): string => pk.slice('WEBHOOK#'.length);

const EVENT_PK_PREFIX = 'EVENT#';
export const eventKey = (eventId: string): TableKey => ({ pk: `${EVENT_PK_PREFIX}${eventId}`, sk: '#EVENT' });
export const eventIdOfPk = (pk: string): string => pk.slice(EVENT_PK_PREFIX.length);

export const DELIVERY_SK_PREFIX = 'DELIVERY#';

export interface DeliveryKeys {
  readonly key: TableKey;
  readonly eventUlid: string;
  readonly webhookId: string;
}

/**
 * A delivery's key from its id: pk = WEBHOOK#<webhook id>, sk = DELIVERY#<event ulid> (the id, the
 * webhook id and the event id are not stored: the key gives them). Undefined for a malformed id.
 */
export function deliveryKeys(deliveryId: string): DeliveryKeys | undefined {
  const parsed = parseDeliveryId(deliveryId);
  if (!parsed) return undefined;
  const eventUlid = parsed.eventId.slice('evt_'.length);
  return {
    key: { pk: endpointPk(parsed.webhookId), sk: `${DELIVERY_SK_PREFIX}${eventUlid}` },
    eventUlid,
    webhookId: parsed.webhookId,
  };
}

/** The event id of a delivery item, from its sort key. */
export const eventIdOfDeliverySk = (sk: string): string => `evt_${sk.slice(DELIVERY_SK_PREFIX.length)}`;

/** The shards of the `due` GSI's partition key. */
export const DUE_SHARDS: readonly string[] = Array.from({ length: 10 }, (_, shard) => `DUE#${shard}`);

/** The `due` GSI shard of a delivery: a stable hash of its id, 0–9. */
export function dueShard(deliveryId: string): string {
  const digest = createHash('sha256').update(deliveryId).digest();
  return DUE_SHARDS[digest.readUInt32BE(0) % DUE_SHARDS.length]!;
}

export const dueSk = (nextAttemptAt: string, deliveryId: string): string => `${nextAttemptAt}#${deliveryId}`;

export const statsKey = (webhookId: string): TableKey => ({ pk: endpointPk(webhookId), sk: 'STATS' });

/** Outstanding history purges of deleted endpoints: pk PURGE, sk <webhook id>. */
export const PURGE_PK = 'PURGE';
export const purgeKey = (webhookId: string): TableKey => ({ pk: PURGE_PK, sk: webhookId });

/** Any key: one with a lone surrogate would otherwise share its claim with every other such key. */
export const idempotencyKey = (accountId: string, key: string): TableKey => ({
  pk: `IDEMPOTENCY#${accountId}#${storableText(key)}`,
  sk: '#IDEMPOTENCY',
});

/** Recovers in progress (POST /v1/webhooks/{id}/recover): pk RECOVER, sk <webhook id>. */
export const RECOVER_PK = 'RECOVER';
export const recoverKey = (webhookId: string): TableKey => ({ pk: RECOVER_PK, sk: webhookId });
