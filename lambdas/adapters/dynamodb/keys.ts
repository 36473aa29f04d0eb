/**
 * Every key of the config table (docs/storage.md), built in one place: what one store writes, another
 * reads. The deliveries table's are in delivery-keys.ts.
 */

/** An item's primary key, in either table. */
export type TableKey = { readonly pk: string; readonly sk: string };

/**
 * The account partition: the account item, its usage days, its alert-address records and days, and
 * its webhooks all live under `ACCOUNT#<id>`.
 */
export const accountPk = (accountId: string): string => `ACCOUNT#${accountId}`;

/** The account item itself. */
export const accountItemKey = (accountId: string): TableKey => ({ pk: accountPk(accountId), sk: '#ACCOUNT' });

export const apiKeyKey = (keyHash: string): TableKey => ({ pk: `APIKEY#${keyHash}`, sk: '#APIKEY' });

/** The event-type catalog: one partition, sk = the type's name. */
export const EVENT_TYPE_PK = 'EVENTTYPE';
export const eventTypeKey = (name: string): TableKey => ({ pk: EVENT_TYPE_PK, sk: name });

/** The sort keys of an account's webhooks begin with this. */
export const WEBHOOK_SK_PREFIX = 'WEBHOOK#';
export const webhookKey = (accountId: string, webhookId: string): TableKey => ({
  pk: accountPk(accountId),
  sk: `${WEBHOOK_SK_PREFIX}${webhookId}`,
});

/** The event type of the subscription entry of an endpoint that takes every type. */
export const ALL_EVENT_TYPES = '*';
/** The subscription entries of an account and event type: pk SUB#<account>#<type>, sk = the webhook id. */
export const subscriptionPk = (accountId: string, eventType: string): string =>
  `SUB#${accountId}#${eventType}`;
export const subscriptionKey = (accountId: string, eventType: string, webhookId: string): TableKey => ({
  pk: subscriptionPk(accountId, eventType),
  sk: webhookId,
});

/** An endpoint's alert mails of one UTC day (the daily cap), in its account's partition. */
export const alertMailDayKey = (accountId: string, webhookId: string, day: string): TableKey => ({
  pk: accountPk(accountId),
  sk: `ALERTMAILS#${webhookId}#${day}`,
});

/** A usage day of an account: its events and drops. */
export const usageKey = (accountId: string, day: string): TableKey => ({
  pk: accountPk(accountId),
  sk: `USAGE#${day}`,
});

const ALERT_EMAIL_SK_PREFIX = 'ALERTEMAIL#';
/** An alert address of an account: its confirmation status. */
export const alertEmailKey = (accountId: string, address: string): TableKey => ({
  pk: accountPk(accountId),
  sk: `${ALERT_EMAIL_SK_PREFIX}${address}`,
});
/** The confirmation mails an account queued on one UTC day (bounded). */
export const alertEmailDayKey = (accountId: string, day: string): TableKey => ({
  pk: accountPk(accountId),
  sk: `ALERTEMAILDAY#${day}`,
});
/** Confirmation mails to send: one small partition, sk <account>#<address>. */
export const ALERT_EMAIL_OUTBOX_PK = 'ALERTEMAIL_OUTBOX';
export const alertEmailOutboxKey = (accountId: string, address: string): TableKey => ({
  pk: ALERT_EMAIL_OUTBOX_PK,
  sk: `${accountId}#${address}`,
});
/** What a confirmation link confirms, by the hash of its token. */
export const emailTokenKey = (tokenHash: string): TableKey => ({
  pk: `EMAILTOKEN#${tokenHash}`,
  sk: '#EMAILTOKEN',
});
/** A one-time portal link, by the hash of its token (docs/portal.md). */
export const portalLinkKey = (tokenHash: string): TableKey => ({
  pk: `PORTALLINK#${tokenHash}`,
  sk: '#PORTALLINK',
});
