import { createHash } from 'node:crypto';
import { GetCommand, type LeanDocumentClient, QueryCommand, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { deliveryIdFor, isEventId, isWebhookId, ulidRange } from '../../domain/ids.js';
import type {
  Delivery,
  DeliveryFilter,
  DeliveryStatus,
  EventDelivery,
  EventFilter,
  EventSummary,
  Page,
  WebhookEvent,
} from '../../domain/model.js';
import type { EventLog, FanOutPage } from '../../domain/ports/delivery-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { type Item, num, optionalStr, str } from './attributes.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import { decodeCursor, Expr, encodeCursor, invalidCursor, isLive } from './client.js';
import { DeliveriesTable } from './deliveries-table.js';
import { itemToDelivery } from './delivery-items.js';
import {
  DELIVERY_SK_PREFIX,
  endpointPk,
  eventIdOfDeliverySk,
  eventKey,
  webhookIdOfEndpointPk,
} from './delivery-keys.js';

/**
 * The event log (docs/storage.md, "Event log"): one base item per event in the deliveries table,
 * `EVENTLOG#<account>#<shard>` / `<event id>`, holding the event itself (payload and quota decision,
 * put by DynamoEventRepository) and the first endpoints it was fanned out to; bigger fan-outs add
 * overflow pages `EVENT#<event id>` / `FANOUT#<page>`. No index and nothing per delivery: deliveries
 * are found by key, as their ids derive from (event id, webhook id).
 */

/** An account's entries spread over 4 partitions: ULID keys grow, so one partition would stay hot. */
export const EVENT_LOG_SHARDS = 4;
/** Endpoints kept in the entry itself: a fan-out of up to 25 is one item of ≤ 1 KB. */
export const INLINE_WEBHOOKS = 25;
/** Items one request evaluates at most (log entries per round, deliveries per search). */
export const MAX_EVALUATED = 250;
/** Log rounds (each ≤ MAX_EVALUATED entries) one delivery search reads at most. */
const MAX_LOG_ROUNDS = 2;
const PER_SHARD = Math.floor(MAX_EVALUATED / EVENT_LOG_SHARDS);

export const eventLogShard = (eventId: string): number =>
  createHash('sha256').update(eventId).digest().readUInt32BE(0) % EVENT_LOG_SHARDS;
export const eventLogPk = (accountId: string, shard: number): string => `EVENTLOG#${accountId}#${shard}`;
export const eventLogKey = (accountId: string, eventId: string): { pk: string; sk: string } => ({
  pk: eventLogPk(accountId, eventLogShard(eventId)),
  sk: eventId,
});
const fanOutSk = (index: number): string => `FANOUT#${String(index).padStart(6, '0')}`;
/** The position cursors carry (checked against the caller's account on decode). */
const cursorPk = (accountId: string): string => `EVENTLOG#${accountId}`;

interface Entry extends EventSummary {
  readonly inline: readonly string[];
  readonly overflow: boolean;
}

interface Position {
  readonly eventId: string;
  /** The last webhook of the event already visited; absent: the whole event was. */
  readonly webhookId?: string;
}

function decodePosition(cursor: string, accountId: string, withWebhook: boolean): Position {
  const { pk: _pk, e: eventId, w: webhookId, ...rest } = decodeCursor(cursor, cursorPk(accountId));
  if (eventId === undefined || !isEventId(eventId) || Object.keys(rest).length > 0) throw invalidCursor();
  if (webhookId !== undefined && (!withWebhook || !isWebhookId(webhookId))) throw invalidCursor();
  return { eventId, ...(webhookId !== undefined ? { webhookId } : {}) };
}

const encodePosition = (accountId: string, position: Position): string =>
  encodeCursor({
    pk: cursorPk(accountId),
    e: position.eventId,
    ...(position.webhookId ? { w: position.webhookId } : {}),
  });

const stringSet = (value: unknown): string[] =>
  value instanceof Set ? [...(value as Set<unknown>)].filter((id) => typeof id === 'string') : [];

function itemToEntry(item: Item): Entry {
  const idempotencyKey = optionalStr(item.idempotency_key);
  return {
    id: str(item.sk),
    type: str(item.type),
    timestamp: str(item.created_at),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(item.test === true ? { test: true } : {}),
    ...(item.dropped === true ? { dropped: true } : {}),
    inline: stringSet(item.webhook_ids),
    overflow: item.overflow === true,
  };
}

/** An entry's log fields (listings project these: the payload stays behind). */
const ENTRY_FIELDS = [
  'sk',
  'type',
  'created_at',
  'idempotency_key',
  'test',
  'dropped',
  'expires_at',
] as const;
const FAN_OUT_FIELDS = ['webhook_ids', 'overflow'] as const;

const summaryOf = ({ inline: _inline, overflow: _overflow, ...summary }: Entry): EventSummary => summary;

/** Attributes a delivery listing shows: all but the attempts (up to 50 bounded ones, ~260 KB). */
const DELIVERY_PROJECTION = [
  'pk',
  'sk',
  'account_id',
  'event_type',
  'status',
  'attempt_count',
  'last_status_code',
  'last_response_time_ms',
  'next_attempt_at',
  'failure_reason',
  'created_at',
  'updated_at',
  'test',
  'expires_at',
];

/**
 * A delivery its event's entry names that is not stored: its first attempt has not ended yet (in
 * AWS the first outcome creates it, docs/cost.md), so it is pending. The service leaves out those
 * of deleted endpoints.
 */
function unstoredDelivery(accountId: string, entry: Entry, webhookId: string): Delivery {
  return {
    id: deliveryIdFor(entry.id, webhookId),
    accountId,
    webhookId,
    eventId: entry.id,
    eventType: entry.type,
    status: 'pending',
    attemptCount: 0,
    attempts: [],
    createdAt: entry.timestamp,
    updatedAt: entry.timestamp,
  };
}

/** A page's endpoints: those the entry holds (page 0's first 25) and those for its overflow page. */
export function splitFanOutPage(page: FanOutPage): { inline: string[]; rest: string[] } {
  const ids = [...new Set(page.webhookIds)].sort();
  return page.index === 0
    ? { inline: ids.slice(0, INLINE_WEBHOOKS), rest: ids.slice(INLINE_WEBHOOKS) }
    : { inline: [], rest: ids };
}

/** Adds endpoints to the event's overflow page `index` (a set union, as the entry's). */
export async function addToOverflowPage(
  doc: LeanDocumentClient,
  tableName: string,
  eventId: string,
  index: number,
  webhookIds: readonly string[],
  expiresAt: number,
): Promise<void> {
  await doc.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: eventKey(eventId).pk, sk: fanOutSk(index) },
      UpdateExpression: 'SET expires_at = if_not_exists(expires_at, :exp) ADD webhook_ids :ids',
      ExpressionAttributeValues: { ':exp': expiresAt, ':ids': new Set(webhookIds) },
    }),
  );
}

export class DynamoEventLog extends DeliveriesTable implements EventLog {
  async recordFanOut(
    event: WebhookEvent,
    page: FanOutPage,
    flags: { readonly dropped?: boolean } = {},
  ): Promise<void> {
    const { inline, rest } = splitFanOutPage(page);
    const expiresAt = this.expiresAt();
    if (page.index === 0) {
      const expr = new Expr()
        .set('type', event.type)
        .set('created_at', event.timestamp)
        // The first run's: a replay must not move the event's end (nor an old entry's past its item's).
        .setExpr('expires_at', `if_not_exists(expires_at, :exp)`);
      if (event.idempotencyKey) expr.set('idempotency_key', event.idempotencyKey);
      if (event.test) expr.set('test', true);
      if (flags.dropped) expr.set('dropped', true);
      if (rest.length > 0 || page.more) expr.set('overflow', true);
      if (inline.length > 0) expr.add('webhook_ids', new Set(inline));
      const attributes = expr.attributes();
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: eventLogKey(event.accountId, event.id),
          UpdateExpression: expr.update(),
          ExpressionAttributeNames: attributes.ExpressionAttributeNames,
          ExpressionAttributeValues: { ...attributes.ExpressionAttributeValues, ':exp': expiresAt },
        }),
      );
    }
    if (rest.length > 0) {
      await addToOverflowPage(this.doc, this.tableName, event.id, page.index, rest, expiresAt);
    }
  }

  async list(accountId: string, filter: EventFilter, page: PageRequest): Promise<Page<EventSummary>> {
    const below = page.cursor ? decodePosition(page.cursor, accountId, false).eventId : undefined;
    const { entries, next } = await this.logPage(accountId, filter, page.limit, below);
    return {
      items: entries.map(summaryOf),
      ...(next ? { nextCursor: encodePosition(accountId, { eventId: next }) } : {}),
    };
  }

  /**
   * One round over the 4 shards, newest first, strictly below `below`. Each shard is read with a
   * bounded Limit, so a shard that is not exhausted has shown everything at or above its last
   * evaluated key; B, the highest of those, is where the merge is complete: only entries ≥ B are
   * returned, and the position to go on from is the last one returned, or B.
   */
  private async logPage(
    accountId: string,
    filter: EventFilter,
    limit: number,
    below: string | undefined,
    withFanOut = false,
  ): Promise<{ entries: Entry[]; next?: string }> {
    const { from, to } = ulidRange(filter.since, filter.until);
    const lower = `evt_${from}`;
    const upper = below !== undefined && below < `evt_${to}` ? below : `evt_${to}`;
    if (upper < lower) return { entries: [] };
    const nowSeconds = this.nowSeconds();
    const perShard = filter.type ? PER_SHARD : Math.min(limit, PER_SHARD);
    const shards = await Promise.all(
      Array.from({ length: EVENT_LOG_SHARDS }, async (_, shard) => {
        const expr = new Expr();
        const filters = [
          `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(nowSeconds)})`,
        ];
        if (filter.type) filters.push(`${expr.n('type')} = ${expr.v(filter.type)}`);
        // The log's own fields, never the payload: a page carries what it shows. (A Query is still
        // billed by the bytes it reads, payloads included: docs/storage.md, "Event log".)
        const projection = withFanOut ? [...ENTRY_FIELDS, ...FAN_OUT_FIELDS] : [...ENTRY_FIELDS];
        const result = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: `${expr.n('pk')} = ${expr.v(eventLogPk(accountId, shard))} AND ${expr.n('sk')} BETWEEN ${expr.v(lower)} AND ${expr.v(upper)}`,
            FilterExpression: filters.join(' AND '),
            ProjectionExpression: projection.map((name) => expr.n(name)).join(', '),
            ScanIndexForward: false,
            Limit: perShard,
            // The cursor's entry is in its own shard: start after it there, or it would take that
            // shard's whole Limit again and again (elsewhere no entry has its key).
            ...(upper === below && eventLogShard(below) === shard
              ? { ExclusiveStartKey: { pk: eventLogPk(accountId, shard), sk: below } }
              : {}),
            ...expr.attributes(),
          }),
        );
        const items = (result.Items ?? []).filter(
          (item) =>
            isLive(item, nowSeconds) &&
            item.sk !== below &&
            (filter.type === undefined || item.type === filter.type),
        );
        return { items, last: result.LastEvaluatedKey ? str(result.LastEvaluatedKey.sk) : undefined };
      }),
    );
    const lasts = shards.flatMap((shard) => (shard.last === undefined ? [] : [shard.last]));
    const bound = lasts.sort().at(-1);
    const merged = shards
      .flatMap((shard) => shard.items)
      .filter((item) => bound === undefined || str(item.sk) >= bound)
      .sort((a, b) => (str(a.sk) < str(b.sk) ? 1 : -1))
      .map(itemToEntry);
    const entries = merged.slice(0, limit);
    if (entries.length === limit && (merged.length > limit || bound !== undefined)) {
      return { entries, next: entries.at(-1)!.id };
    }
    return { entries, ...(bound !== undefined ? { next: bound } : {}) };
  }

  /** The entry of an event of the account (eventually consistent: it changes only while fanning out). */
  private async entry(accountId: string, eventId: string): Promise<Entry | undefined> {
    const expr = new Expr();
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventLogKey(accountId, eventId),
        ProjectionExpression: [...ENTRY_FIELDS, ...FAN_OUT_FIELDS].map((name) => expr.n(name)).join(', '),
        ExpressionAttributeNames: expr.attributes().ExpressionAttributeNames,
      }),
    );
    return item && isLive(item, this.nowSeconds()) ? itemToEntry(item) : undefined;
  }

  /** Every endpoint the event was fanned out to, in webhook id order (the entry and its overflow pages). */
  private async fanOutIds(entry: Entry): Promise<string[]> {
    const ids = new Set(entry.inline);
    let start: Record<string, unknown> | undefined;
    while (entry.overflow) {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fanout)',
          ExpressionAttributeValues: { ':pk': eventKey(entry.id).pk, ':fanout': 'FANOUT#' },
          ProjectionExpression: 'webhook_ids',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) for (const id of stringSet(item.webhook_ids)) ids.add(id);
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return [...ids].sort();
  }

  /** The account's live deliveries of (event, webhook) pairs, by delivery id; one projected BatchGet. */
  private async readDeliveries(
    accountId: string,
    pairs: readonly { eventId: string; webhookId: string }[],
  ): Promise<Map<string, Item | null>> {
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      pairs.map(({ eventId, webhookId }) => ({
        pk: endpointPk(webhookId),
        sk: `${DELIVERY_SK_PREFIX}${eventId.slice('evt_'.length)}`,
      })),
      false,
      DELIVERY_PROJECTION,
    );
    const nowSeconds = this.nowSeconds();
    const found = new Map<string, Item | null>();
    for (const item of items) {
      const id = deliveryIdFor(eventIdOfDeliverySk(str(item.sk)), webhookIdOfEndpointPk(str(item.pk)));
      // Never another account's, whatever a log entry says; nor one past its retention. Both are
      // null: left out, where a delivery not stored at all shows as pending.
      found.set(id, item.account_id !== accountId || !isLive(item, nowSeconds) ? null : item);
    }
    return found;
  }

  async eventDeliveries(accountId: string, eventId: string, page: PageRequest): Promise<Page<EventDelivery>> {
    let after: string | undefined;
    if (page.cursor) {
      const position = decodePosition(page.cursor, accountId, true);
      if (position.eventId !== eventId || position.webhookId === undefined) throw invalidCursor();
      after = position.webhookId;
    }
    const entry = await this.entry(accountId, eventId);
    // An event stored before the log existed has no entry: no deliveries to show.
    if (!entry) return { items: [] };
    const ids = (await this.fanOutIds(entry)).filter((id) => after === undefined || id > after);
    const slice = ids.slice(0, page.limit);
    const found = await this.readDeliveries(
      accountId,
      slice.map((webhookId) => ({ eventId, webhookId })),
    );
    const items = slice.flatMap((webhookId): EventDelivery[] => {
      const deliveryId = deliveryIdFor(eventId, webhookId);
      const item = found.get(deliveryId);
      if (item === null) return [];
      // Not stored: its first attempt has not ended yet (docs/cost.md), or its endpoint was deleted
      // and purged (the service leaves those out).
      if (item === undefined) return [{ webhookId, deliveryId, status: 'pending', attemptCount: 0 }];
      return [
        {
          webhookId,
          deliveryId,
          status: str(item.status) as DeliveryStatus,
          attemptCount: num(item.attempt_count),
        },
      ];
    });
    return {
      items,
      ...(ids.length > slice.length
        ? { nextCursor: encodePosition(accountId, { eventId, webhookId: slice.at(-1)! }) }
        : {}),
    };
  }

  /**
   * Walks the log newest first, each event's endpoints in webhook id order, and reads the deliveries
   * by key (BatchGet), where the status filter applies. At most MAX_EVALUATED deliveries and
   * MAX_LOG_ROUNDS log rounds per call; the cursor is the (event, webhook) position reached.
   */
  async searchDeliveries(
    accountId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const start = page.cursor ? decodePosition(page.cursor, accountId, true) : undefined;
    const out: Delivery[] = [];
    let evaluated = 0;
    let position: Position | undefined = start;
    const next = (): Page<Delivery> => ({
      items: out,
      ...(position ? { nextCursor: encodePosition(accountId, position) } : {}),
    });

    /** Visits an event's endpoints after `after`; false once the page is full or the budget spent. */
    const visit = async (entry: Entry, after: string | undefined): Promise<boolean> => {
      if (filter.eventType !== undefined && entry.type !== filter.eventType) {
        position = { eventId: entry.id };
        return true;
      }
      const ids = (await this.fanOutIds(entry)).filter((id) => after === undefined || id > after);
      for (let index = 0; index < ids.length; ) {
        const size = Math.min(100, MAX_EVALUATED - evaluated, filter.status ? 100 : page.limit - out.length);
        const chunk = ids.slice(index, index + size);
        const found = await this.readDeliveries(
          accountId,
          chunk.map((webhookId) => ({ eventId: entry.id, webhookId })),
        );
        for (const webhookId of chunk) {
          index += 1;
          evaluated += 1;
          position = { eventId: entry.id, webhookId };
          const item = found.get(deliveryIdFor(entry.id, webhookId));
          if (item === null) continue;
          const delivery = item ? itemToDelivery(item) : unstoredDelivery(accountId, entry, webhookId);
          if (filter.status !== undefined && delivery.status !== filter.status) continue;
          out.push(delivery);
          if (out.length === page.limit) return false;
        }
        if (evaluated >= MAX_EVALUATED) return false;
      }
      position = { eventId: entry.id };
      return true;
    };

    if (start?.webhookId !== undefined) {
      const entry = await this.entry(accountId, start.eventId);
      if (entry && !(await visit(entry, start.webhookId))) return next();
    }
    let below = start?.eventId;
    for (let round = 0; round < MAX_LOG_ROUNDS; round++) {
      const log = await this.logPage(
        accountId,
        { type: filter.eventType, since: filter.since, until: filter.until },
        25,
        below,
        true,
      );
      for (const entry of log.entries) {
        if (!(await visit(entry, undefined))) return next();
      }
      if (log.next === undefined) return { items: out };
      below = log.next;
      position = { eventId: below };
    }
    return next();
  }

  async purgeAccountLog(accountId: string, budget: number): Promise<{ removed: number; done: boolean }> {
    let removed = 0;
    for (let shard = 0; shard < EVENT_LOG_SHARDS; shard++) {
      const pk = eventLogPk(accountId, shard);
      while (removed < budget) {
        const result = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ProjectionExpression: 'pk, sk, overflow',
            ConsistentRead: true,
            Limit: Math.min(25, budget - removed),
          }),
        );
        const entries = (result.Items ?? []).map((item) => ({ ...itemToEntry(item), pk: str(item.pk) }));
        if (entries.length === 0) break;
        const pages = await Promise.all(
          entries.filter((entry) => entry.overflow).map((entry) => this.overflowKeys(entry.id)),
        );
        // The event items and overflow pages first: a crash leaves the entry, found again next time.
        await batchWriteAll(this.doc, this.tableName, [
          ...entries.map((entry) => ({ DeleteRequest: { Key: eventKey(entry.id) } })),
          ...pages.flat().map((key) => ({ DeleteRequest: { Key: key } })),
        ]);
        await batchWriteAll(
          this.doc,
          this.tableName,
          entries.map((entry) => ({ DeleteRequest: { Key: { pk: entry.pk, sk: entry.id } } })),
        );
        removed += entries.length;
        if (!result.LastEvaluatedKey) break;
      }
      if (removed >= budget) return { removed, done: false };
    }
    return { removed, done: true };
  }

  private async overflowKeys(eventId: string): Promise<{ pk: string; sk: string }[]> {
    const keys: { pk: string; sk: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fanout)',
          ExpressionAttributeValues: { ':pk': eventKey(eventId).pk, ':fanout': 'FANOUT#' },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of result.Items ?? []) keys.push({ pk: str(item.pk), sk: str(item.sk) });
      start = result.LastEvaluatedKey;
    } while (start);
    return keys;
  }
}
