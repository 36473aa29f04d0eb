import { GetCommand, PutCommand } from '../../aws/lean/dynamodb.js';
import type { Admission, WebhookEvent } from '../../domain/model.js';
import type { AccountEvent, EventRepository, FanOutPage } from '../../domain/ports/delivery-stores.js';
import { type Item, optionalStr, str } from './attributes.js';
import { batchGetAll } from './batch.js';
import { isConditionalCheckFailed, isLive } from './client.js';
import { DeliveriesTable, oldItemOf } from './deliveries-table.js';
import { itemToEvent } from './delivery-items.js';
import { eventIdOfPk, eventKey } from './delivery-keys.js';
import { addToOverflowPage, eventLogKey, splitFanOutPage } from './event-log-store.js';

/**
 * Events in the deliveries table, once per event, in the event's log entry
 * (`EVENTLOG#<account>#<shard>` / `<event id>`, docs/storage.md): the payload (`data`), fan-out's
 * quota decision (`adm`) and the log's fields, one write for both. Events stored before that
 * (issue 13) are `EVENT#<event id>` / `#EVENT` items, their entry holding no payload (or no entry at
 * all): every read falls back to them while they live (until their retention ends).
 */

const isAdmission = (value: unknown): value is Admission => value === 'admitted' || value === 'dropped';

/** An entry written with its event holds the decision: the mark of the payload being there. */
const holdsEvent = (item: Item | undefined): item is Item => isAdmission(item?.adm);

/** What a read of the event takes from its entry: not the endpoints (up to 25 ids, ~1 KB). */
const EVENT_FIELDS = [
  'pk',
  'sk',
  'type',
  'data',
  'created_at',
  'idempotency_key',
  'test',
  'adm',
  'expires_at',
];

function entryToEvent(accountId: string, item: Item): WebhookEvent {
  const idempotencyKey = optionalStr(item.idempotency_key);
  return {
    id: str(item.sk),
    accountId,
    type: str(item.type),
    data: typeof item.data === 'string' ? (JSON.parse(item.data) as unknown) : undefined,
    timestamp: str(item.created_at),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(item.test === true ? { test: true } : {}),
  };
}

/** An event item of the old shape, if it is the account's (another account's is absent). */
const oldItemToEvent = (
  accountId: string,
  eventId: string,
  item: Item | undefined,
): WebhookEvent | undefined =>
  item && item.account_id === accountId ? itemToEvent(eventId, item) : undefined;

export class DynamoEventRepository extends DeliveriesTable implements EventRepository {
  /**
   * The event with its log entry, once (conditional: a replay neither rewrites it nor extends its
   * expiry; an expired entry not yet removed by TTL may be replaced). A dropped event is stored
   * without its data and endpoints: the entry is the record of the decision, marked `dropped`.
   * Page 0's endpoints beyond the entry's 25 go to its overflow page, as recordFanOut does.
   */
  async putEvent(
    event: WebhookEvent,
    admission: Admission = 'admitted',
    firstPage: FanOutPage = { index: 0, webhookIds: [], more: false },
  ): Promise<{ created: boolean; admission?: Admission }> {
    const key = eventLogKey(event.accountId, event.id);
    const dropped = admission === 'dropped';
    const { inline, rest } = dropped ? { inline: [], rest: [] } : splitFanOutPage({ ...firstPage, index: 0 });
    const expiresAt = this.expiresAt();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            type: event.type,
            created_at: event.timestamp,
            // JSON text: exact round trip, no 32-level nesting limit, no per-attribute overhead.
            data: dropped ? undefined : JSON.stringify(event.data),
            idempotency_key: event.idempotencyKey,
            test: event.test ? true : undefined,
            dropped: dropped ? true : undefined,
            adm: admission,
            webhook_ids: inline.length > 0 ? new Set(inline) : undefined,
            overflow: rest.length > 0 || (!dropped && firstPage.more) ? true : undefined,
            expires_at: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
          ExpressionAttributeValues: { ':now': this.nowSeconds() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = oldItemOf(error) ?? (await this.getLive(key));
      // An entry logged before issue 13 holds no decision: the old event item has it.
      const stored = holdsEvent(existing) ? existing.adm : await this.oldAdmission(event.accountId, event.id);
      return { created: false, admission: isAdmission(stored) ? stored : 'admitted' };
    }
    if (rest.length > 0) await addToOverflowPage(this.doc, this.tableName, event.id, 0, rest, expiresAt);
    return { created: true };
  }

  async getAdmission(accountId: string, eventId: string): Promise<Admission | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventLogKey(accountId, eventId),
        ProjectionExpression: 'pk, adm, expires_at',
        ConsistentRead: true,
      }),
    );
    const live = item && isLive(item, this.nowSeconds()) ? item : undefined;
    if (holdsEvent(live)) return live.adm as Admission;
    // Not stored, or stored before issue 13: the old item's decision is the one a replay follows.
    return this.oldAdmission(accountId, eventId);
  }

  /**
   * The decision on an event item of the old shape. Eventually consistent: nothing writes those any
   * more, so a read of one is never just after its write.
   */
  private async oldAdmission(accountId: string, eventId: string): Promise<Admission | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventKey(eventId),
        ProjectionExpression: 'pk, account_id, admission, expires_at',
      }),
    );
    if (!item || !isLive(item, this.nowSeconds()) || item.account_id !== accountId) return undefined;
    return isAdmission(item.admission) ? item.admission : 'admitted';
  }

  async getEvent(accountId: string, eventId: string): Promise<WebhookEvent | undefined> {
    // An event never changes once stored: an eventually consistent read (half the read units of a
    // payload up to 256 KB) is right, except just after the write, so a miss asks again consistently.
    const key = eventLogKey(accountId, eventId);
    const entry = (await this.getLiveEntry(key, false)) ?? (await this.getLiveEntry(key, true));
    if (entry) return entryToEvent(accountId, entry);
    return oldItemToEvent(accountId, eventId, await this.getLive(eventKey(eventId), false));
  }

  /** An entry holding its event, live, with the event's fields only. */
  private async getLiveEntry(
    key: { pk: string; sk: string },
    consistent: boolean,
  ): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: consistent,
        ProjectionExpression: EVENT_FIELDS.map((_, index) => `#f${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(EVENT_FIELDS.map((name, index) => [`#f${index}`, name])),
      }),
    );
    return item && isLive(item, this.nowSeconds()) && holdsEvent(item) ? item : undefined;
  }

  /**
   * As getEvent, for many: one eventually consistent batch read of the entries, misses asked again
   * consistently, then the old event items of those still not found.
   */
  async getEvents(events: readonly AccountEvent[]): Promise<Map<string, WebhookEvent>> {
    const accountOf = new Map(events.map(({ accountId, eventId }) => [eventId, accountId]));
    const found = new Map<string, WebhookEvent>();
    const wanted = () => [...accountOf].filter(([eventId]) => !found.has(eventId));
    const readEntries = async (consistent: boolean) => {
      const keys = wanted().map(([eventId, accountId]) => eventLogKey(accountId, eventId));
      if (keys.length === 0) return;
      for (const item of await batchGetAll(this.doc, this.tableName, keys, consistent, EVENT_FIELDS)) {
        const eventId = str(item.sk);
        const accountId = accountOf.get(eventId);
        if (accountId === undefined || !isLive(item, this.nowSeconds()) || !holdsEvent(item)) continue;
        found.set(eventId, entryToEvent(accountId, item));
      }
    };
    await readEntries(false);
    await readEntries(true);
    const old = wanted();
    if (old.length > 0) {
      const items = await batchGetAll(
        this.doc,
        this.tableName,
        old.map(([eventId]) => eventKey(eventId)),
        false,
      );
      for (const item of items) {
        const eventId = eventIdOfPk(str(item.pk));
        const accountId = accountOf.get(eventId);
        if (accountId === undefined || !isLive(item, this.nowSeconds())) continue;
        const event = oldItemToEvent(accountId, eventId, item);
        if (event) found.set(eventId, event);
      }
    }
    return found;
  }
}
