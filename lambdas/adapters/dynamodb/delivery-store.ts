import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { invalid } from '../../domain/errors.js';
import { deliveryIdFor, parseDeliveryId } from '../../domain/ids.js';
import type {
  Admission,
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  Page,
  WebhookEvent,
  WebhookStats,
  WindowStats,
} from '../../domain/model.js';
import { boundAttempt, keptAttempts, MAX_STORED_ATTEMPTS } from '../../domain/outcome.js';
import type {
  CreateDeliveryResult,
  DeliveryRepository,
  HistoryPurgeRequest,
  IdempotencyRepository,
  StatsRepository,
} from '../../domain/ports/delivery-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { storableText } from '../../domain/unicode.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import {
  collectQuery,
  decodeCursor,
  Expr,
  encodeCursor,
  epochSeconds,
  type ItemKey,
  invalidCursor,
  isConditionalCheckFailed,
  isLive,
  startKey,
} from './client.js';

/**
 * The deliveries table (docs/storage.md): events, idempotency claims, deliveries with their
 * attempts, per-webhook stats. Items expire through TTL on `expires_at`; as neither dynalite nor
 * DynamoDB (promptly) deletes expired items, every read here treats them as absent.
 */

type Item = Record<string, unknown>;

export interface DeliveryStoreOptions {
  /** How long events, deliveries and their attempts are kept. */
  readonly retentionDays: number;
  readonly clock?: () => Date;
  /**
   * Also index a new pending delivery in the `due` GSI (by its nextAttemptAt), so the reconciler
   * finds first attempts whose queue message was lost (the local runtime's in-memory queue after a
   * crash). Off by default: it costs index writes on the happy path (docs/storage.md, write budget).
   */
  readonly indexFirstAttempt?: boolean;
}

const DAY_SECONDS = 86_400;
const DUE_SHARDS = 10;

const webhookPk = (webhookId: string): string => `WEBHOOK#${webhookId}`;
const eventPk = (eventId: string): string => `EVENT#${eventId}`;
const EVENT_SK = '#EVENT';
const DELIVERY_PREFIX = 'DELIVERY#';
const STATS_SK = 'STATS';
/** Outstanding history purges of deleted endpoints: pk PURGE, sk <webhook id>. */
const PURGE_PK = 'PURGE';
/** Keys read per purge query page (keys only: ~100 bytes each). */
const PURGE_PAGE = 1000;

const isAdmission = (value: unknown): value is Admission => value === 'admitted' || value === 'dropped';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const optionalStr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const optionalNum = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

interface DeliveryKeys {
  readonly key: { pk: string; sk: string };
  readonly eventUlid: string;
  readonly webhookId: string;
}

function deliveryKeys(deliveryId: string): DeliveryKeys | undefined {
  const parsed = parseDeliveryId(deliveryId);
  if (!parsed) return undefined;
  const eventUlid = parsed.eventId.slice('evt_'.length);
  return {
    key: { pk: webhookPk(parsed.webhookId), sk: `${DELIVERY_PREFIX}${eventUlid}` },
    eventUlid,
    webhookId: parsed.webhookId,
  };
}

/** The `due` GSI shard of a delivery: a stable hash of its id, 0–9. */
export function dueShard(deliveryId: string): string {
  const digest = createHash('sha256').update(deliveryId).digest();
  return `DUE#${digest.readUInt32BE(0) % DUE_SHARDS}`;
}

const dueSk = (nextAttemptAt: string, deliveryId: string): string => `${nextAttemptAt}#${deliveryId}`;

function attemptToItem(attempt: DeliveryAttempt): Item {
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

function itemToAttempt(item: Item): DeliveryAttempt {
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
    expires_at: expiresAt,
  };
}

export function itemToDelivery(item: Item): Delivery {
  const webhookId = str(item.pk).slice('WEBHOOK#'.length);
  const eventId = `evt_${str(item.sk).slice(DELIVERY_PREFIX.length)}`;
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
  };
}

/** The item a failed conditional write carried back (real DynamoDB), if any. */
function oldItemOf(error: unknown): Item | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
}

abstract class DeliveriesTable {
  protected readonly clock: () => Date;

  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly options: DeliveryStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  protected nowSeconds(): number {
    return epochSeconds(this.clock());
  }

  protected expiresAt(): number {
    return this.nowSeconds() + Math.round(this.options.retentionDays * DAY_SECONDS);
  }

  /** A live item by key (strongly consistent unless told), or undefined when absent or expired. */
  protected async getLive(key: { pk: string; sk: string }, consistent = true): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return item && isLive(item, this.nowSeconds()) ? item : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Events and deliveries

function itemToEvent(eventId: string, item: Item): WebhookEvent {
  const idempotencyKey = optionalStr(item.idempotency_key);
  return {
    id: eventId,
    accountId: str(item.account_id),
    type: str(item.type),
    data: typeof item.data === 'string' ? (JSON.parse(item.data) as unknown) : undefined,
    timestamp: str(item.timestamp),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

export class DynamoDeliveryRepository extends DeliveriesTable implements DeliveryRepository {
  /**
   * The payload, once per event. Conditional: a replay neither rewrites it nor extends its expiry
   * (an expired item not yet removed by TTL may be replaced). A dropped event is stored without its
   * data: the item is only the record of the decision.
   */
  async putEvent(
    event: WebhookEvent,
    admission?: Admission,
  ): Promise<{ created: boolean; admission?: Admission }> {
    const key = { pk: eventPk(event.id), sk: EVENT_SK };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            account_id: event.accountId,
            type: event.type,
            // JSON text: exact round trip, no 32-level nesting limit, no per-attribute overhead.
            data: admission === 'dropped' ? undefined : JSON.stringify(event.data),
            timestamp: event.timestamp,
            idempotency_key: event.idempotencyKey,
            admission,
            expires_at: this.expiresAt(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
          ExpressionAttributeValues: { ':now': this.nowSeconds() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = oldItemOf(error) ?? (await this.getLive(key));
      return {
        created: false,
        admission: isAdmission(existing?.admission) ? existing.admission : 'admitted',
      };
    }
  }

  async getAdmission(eventId: string): Promise<Admission | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: eventPk(eventId), sk: EVENT_SK },
        ProjectionExpression: 'pk, admission, expires_at',
        ConsistentRead: true,
      }),
    );
    if (!item || !isLive(item, this.nowSeconds())) return undefined;
    return isAdmission(item.admission) ? item.admission : 'admitted';
  }

  async getEvent(eventId: string): Promise<WebhookEvent | undefined> {
    // An event never changes once stored: an eventually consistent read (half the read units of a
    // payload up to 256 KB) is right, except just after the write, so a miss asks again consistently.
    const key = { pk: eventPk(eventId), sk: EVENT_SK };
    const item = (await this.getLive(key, false)) ?? (await this.getLive(key));
    return item ? itemToEvent(eventId, item) : undefined;
  }

  /** As getEvent, for many: one eventually consistent batch read, misses asked again consistently. */
  async getEvents(eventIds: readonly string[]): Promise<Map<string, WebhookEvent>> {
    const ids = [...new Set(eventIds)];
    const found = new Map<string, WebhookEvent>();
    const read = async (wanted: readonly string[], consistent: boolean) => {
      const keys = wanted.map((id) => ({ pk: eventPk(id), sk: EVENT_SK }));
      for (const item of await batchGetAll(this.doc, this.tableName, keys, consistent)) {
        if (!isLive(item, this.nowSeconds())) continue;
        const id = str(item.pk).slice('EVENT#'.length);
        found.set(id, itemToEvent(id, item));
      }
    };
    await read(ids, false);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) await read(missing, true);
    return found;
  }

  /** Live deliveries by id, in one strongly consistent batch read; unknown and expired ids are absent. */
  async getDeliveries(deliveryIds: readonly string[]): Promise<Map<string, Delivery>> {
    const keys = [...new Set(deliveryIds)].flatMap((id) => {
      const parsed = deliveryKeys(id);
      return parsed ? [parsed.key] : [];
    });
    const found = new Map<string, Delivery>();
    for (const item of await batchGetAll(this.doc, this.tableName, keys, true)) {
      if (!isLive(item, this.nowSeconds())) continue;
      const delivery = itemToDelivery(item);
      found.set(delivery.id, delivery);
    }
    return found;
  }

  async createDelivery(delivery: Delivery): Promise<CreateDeliveryResult> {
    const item = deliveryToItem(delivery, this.expiresAt());
    const keys = deliveryKeys(delivery.id)!;
    if (delivery.status === 'failed') {
      item.failed_pk = keys.key.pk;
      item.failed_sk = keys.eventUlid;
    } else if (
      delivery.status === 'pending' &&
      delivery.nextAttemptAt &&
      (delivery.attemptCount > 0 || this.options.indexFirstAttempt)
    ) {
      item.due_pk = dueShard(delivery.id);
      item.due_sk = dueSk(delivery.nextAttemptAt, delivery.id);
    }
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // DynamoDB returns the existing item with the error; dynalite does not, so read it then.
      const existing =
        oldItemOf(error) ??
        (
          await this.doc.send(
            new GetCommand({ TableName: this.tableName, Key: keys.key, ConsistentRead: true }),
          )
        ).Item;
      if (!existing) throw error;
      return { created: false, existing: itemToDelivery(existing) };
    }
  }

  /** The delivery with its attempts; callers compare its accountId with the caller's account. */
  async getDelivery(deliveryId: string): Promise<Delivery | undefined> {
    const keys = deliveryKeys(deliveryId);
    if (!keys) return undefined;
    const item = await this.getLive(keys.key);
    return item ? itemToDelivery(item) : undefined;
  }

  async recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    next: { status: Delivery['status']; nextAttemptAt?: string; failureReason?: string },
  ): Promise<boolean> {
    const keys = deliveryKeys(deliveryId);
    if (!keys) return false;
    const nextAttemptAt = next.status === 'pending' ? next.nextAttemptAt : undefined;
    const expr = new Expr();
    if (attempt.attempt <= MAX_STORED_ATTEMPTS) {
      expr.setExpr(
        'attempts',
        `list_append(if_not_exists(${expr.n('attempts')}, ${expr.v([])}), ${expr.v([attemptToItem(boundAttempt(attempt))])})`,
      );
    } else {
      // The list is full: the oldest kept attempt makes room. A list_append cannot also drop its head
      // (overlapping paths in one expression), so the list is read and written whole; the condition on
      // attempt_count below makes sure it did not change in between.
      const previous = await this.storedAttempts(keys.key, attempt.attempt - 1);
      if (!previous) return false;
      expr.set('attempts', keptAttempts(previous, attempt).map(attemptToItem));
    }
    expr
      .set('status', next.status)
      .set('attempt_count', attempt.attempt)
      .setOrRemove('last_status_code', attempt.statusCode)
      .set('last_response_time_ms', attempt.responseTimeMs)
      .set('updated_at', this.clock().toISOString())
      .setOrRemove('next_attempt_at', nextAttemptAt)
      .setOrRemove('failure_reason', next.failureReason);
    this.indexKeys(expr, keys, deliveryId, next.status, nextAttemptAt);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.key,
          UpdateExpression: expr.update(),
          ConditionExpression: `${expr.n('attempt_count')} = ${expr.v(attempt.attempt - 1)}`,
          ...expr.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** The stored attempts of a delivery whose attempt_count is `count`; undefined when it is not (or gone). */
  private async storedAttempts(
    key: { pk: string; sk: string },
    count: number,
  ): Promise<DeliveryAttempt[] | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ProjectionExpression: 'attempts, attempt_count',
        ConsistentRead: true,
      }),
    );
    if (!item || num(item.attempt_count) !== count) return undefined;
    return (Array.isArray(item.attempts) ? (item.attempts as Item[]) : []).map(itemToAttempt);
  }

  /** Ends a pending delivery without an attempt; a delivery already final is left alone. */
  async markFailed(deliveryId: string, failureReason: string): Promise<void> {
    const keys = deliveryKeys(deliveryId);
    if (!keys) return;
    const expr = new Expr()
      .set('status', 'failed')
      .set('failure_reason', failureReason)
      .set('updated_at', this.clock().toISOString())
      .remove('next_attempt_at');
    this.indexKeys(expr, keys, deliveryId, 'failed', undefined);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.key,
          UpdateExpression: expr.update(),
          ConditionExpression: `${expr.n('status')} = ${expr.v('pending')}`,
          ...expr.attributes(),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** failed → pending with a scheduled attempt; false when it is not (or no longer) failed. */
  async reopen(deliveryId: string, nextAttemptAt: string): Promise<boolean> {
    const keys = deliveryKeys(deliveryId);
    if (!keys) return false;
    const expr = new Expr()
      .set('status', 'pending')
      .set('next_attempt_at', nextAttemptAt)
      .set('updated_at', this.clock().toISOString())
      .remove('failure_reason');
    this.indexKeys(expr, keys, deliveryId, 'pending', nextAttemptAt);
    const condition =
      `${expr.n('status')} = ${expr.v('failed')} AND ` +
      `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(this.nowSeconds())})`;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.key,
          UpdateExpression: expr.update(),
          ConditionExpression: condition,
          ...expr.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Newest first. `failed` reads the sparse `failed` index; the other statuses (or none) read the
   * base partition with a filter. The cursor is the key of the last delivery returned.
   */
  async listDeliveries(
    accountId: string,
    webhookId: string,
    filter: { status?: Delivery['status'] },
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const pk = webhookPk(webhookId);
    const nowSeconds = this.nowSeconds();
    const byFailedIndex = filter.status === 'failed';
    const keyAttributes = byFailedIndex ? ['failed_pk', 'failed_sk', 'pk', 'sk'] : ['pk', 'sk'];
    let exclusiveStartKey: ItemKey | undefined;
    if (page.cursor) {
      exclusiveStartKey = startKey(decodeCursor(page.cursor, pk), keyAttributes);
      if (!exclusiveStartKey.sk?.startsWith(DELIVERY_PREFIX)) throw invalidCursor();
      if (byFailedIndex && exclusiveStartKey.failed_pk !== pk) throw invalidCursor();
    }

    const expr = new Expr();
    const filters = [
      `${expr.n('account_id')} = ${expr.v(accountId)}`,
      `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(nowSeconds)})`,
    ];
    if (filter.status && !byFailedIndex) filters.push(`${expr.n('status')} = ${expr.v(filter.status)}`);
    const input: QueryCommandInput = byFailedIndex
      ? {
          TableName: this.tableName,
          IndexName: 'failed',
          KeyConditionExpression: `${expr.n('failed_pk')} = ${expr.v(pk)}`,
        }
      : {
          TableName: this.tableName,
          KeyConditionExpression: `${expr.n('pk')} = ${expr.v(pk)} AND begins_with(${expr.n('sk')}, ${expr.v(DELIVERY_PREFIX)})`,
          ConsistentRead: true,
        };
    const { items, lastKey } = await collectQuery(
      this.doc,
      { ...input, ScanIndexForward: false, FilterExpression: filters.join(' AND '), ...expr.attributes() },
      {
        limit: page.limit,
        ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
        keyAttributes,
        accept: (item) => {
          if (item.account_id !== accountId || !isLive(item, nowSeconds)) return undefined;
          if (filter.status && item.status !== filter.status) return undefined;
          return itemToDelivery(item);
        },
        // A status filter may skip many items: read bigger pages than the few wanted.
        pageSize:
          filter.status && !byFailedIndex ? (wanted) => Math.max(wanted + 1, 50) : (wanted) => wanted + 1,
      },
    );
    return { items, ...(lastKey ? { nextCursor: encodeCursor(lastKey) } : {}) };
  }

  /** Pending deliveries with a scheduled attempt before `dueBefore`, earliest first, across the 10 shards. */
  async findOverdue(dueBefore: string, limit: number): Promise<Delivery[]> {
    const nowSeconds = this.nowSeconds();
    const shards = Array.from({ length: DUE_SHARDS }, (_, shard) => `DUE#${shard}`);
    const results = await Promise.all(
      shards.map(async (shard) => {
        const expr = new Expr();
        const { items } = await collectQuery(
          this.doc,
          {
            TableName: this.tableName,
            IndexName: 'due',
            KeyConditionExpression: `${expr.n('due_pk')} = ${expr.v(shard)} AND ${expr.n('due_sk')} < ${expr.v(dueBefore)}`,
            FilterExpression:
              `${expr.n('status')} = ${expr.v('pending')} AND ` +
              `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(nowSeconds)})`,
            ScanIndexForward: true,
            ...expr.attributes(),
          },
          {
            limit,
            keyAttributes: ['due_pk', 'due_sk', 'pk', 'sk'],
            accept: (item) =>
              item.status === 'pending' && isLive(item, nowSeconds)
                ? { dueSk: str(item.due_sk), delivery: itemToDelivery(item) }
                : undefined,
          },
        );
        return items;
      }),
    );
    return results
      .flat()
      .sort((a, b) => (a.dueSk < b.dueSk ? -1 : a.dueSk > b.dueSk ? 1 : 0))
      .slice(0, limit)
      .map((entry) => entry.delivery);
  }

  async scanPending(limit: number): Promise<Delivery[]> {
    const nowSeconds = this.nowSeconds();
    const found: Delivery[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#status = :pending AND begins_with(sk, :delivery)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':delivery': DELIVERY_PREFIX },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) {
        if (isLive(item, nowSeconds) && found.length < limit) found.push(itemToDelivery(item));
      }
      startKey = found.length < limit ? result.LastEvaluatedKey : undefined;
    } while (startKey);
    return found;
  }

  /**
   * Deletes the endpoint's delivery items (expired or not), at most `maxItems`. Each query starts
   * from the partition's beginning again: what was deleted is gone (strongly consistent reads), so no
   * cursor is needed and a crash loses nothing. The stats item is not a delivery: StatsRepository
   * retires it.
   */
  async purgeHistory(webhookId: string, maxItems: number): Promise<{ deleted: number; done: boolean }> {
    let deleted = 0;
    for (;;) {
      const wanted = Math.min(PURGE_PAGE, maxItems - deleted);
      if (wanted <= 0) return { deleted, done: false };
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': webhookPk(webhookId), ':prefix': DELIVERY_PREFIX },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          Limit: wanted,
        }),
      );
      const keys = (result.Items ?? []).map((item) => ({ pk: str(item.pk), sk: str(item.sk) }));
      await batchWriteAll(
        this.doc,
        this.tableName,
        keys.map((key) => ({ DeleteRequest: { Key: key } })),
      );
      deleted += keys.length;
      if (keys.length < wanted && !result.LastEvaluatedKey) return { deleted, done: true };
      if (keys.length === 0) return { deleted, done: true };
    }
  }

  async requestHistoryPurge(request: HistoryPurgeRequest): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: PURGE_PK,
          sk: request.webhookId,
          account_id: request.accountId,
          requested_at: request.requestedAt,
        },
      }),
    );
  }

  async listHistoryPurges(limit: number): Promise<HistoryPurgeRequest[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PURGE_PK },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      accountId: str(item.account_id),
      webhookId: str(item.sk),
      requestedAt: str(item.requested_at),
    }));
  }

  async completeHistoryPurge(webhookId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: PURGE_PK, sk: webhookId } }),
    );
  }

  /** SET or REMOVE the sparse index keys so the item is in `failed` / `due` exactly when it should be. */
  private indexKeys(
    expr: Expr,
    keys: DeliveryKeys,
    deliveryId: string,
    status: DeliveryStatus,
    nextAttemptAt: string | undefined,
  ): void {
    if (status === 'failed') expr.set('failed_pk', keys.key.pk).set('failed_sk', keys.eventUlid);
    else expr.remove('failed_pk').remove('failed_sk');
    if (status === 'pending' && nextAttemptAt) {
      expr.set('due_pk', dueShard(deliveryId)).set('due_sk', dueSk(nextAttemptAt, deliveryId));
    } else {
      expr.remove('due_pk').remove('due_sk');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Idempotency claims

/** Any key: one with a lone surrogate would otherwise share its claim with every other such key. */
const claimKey = (accountId: string, key: string) => ({
  pk: `IDEMPOTENCY#${accountId}#${storableText(key)}`,
  sk: '#IDEMPOTENCY',
});

export class DynamoIdempotencyRepository extends DeliveriesTable implements IdempotencyRepository {
  async holder(accountId: string, key: string): Promise<string | undefined> {
    const holder = await this.getLive(claimKey(accountId, key));
    return holder && isLive(holder, this.nowSeconds()) ? str(holder.event_id) : undefined;
  }

  async claim(
    accountId: string,
    key: string,
    eventId: string,
    expiresAt: string,
  ): Promise<string | undefined> {
    const itemKey = claimKey(accountId, key);
    for (let round = 0; round < 3; round++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...itemKey, event_id: eventId, expires_at: epochSeconds(new Date(expiresAt)) },
            ConditionExpression: 'attribute_not_exists(pk) OR expires_at <= :now',
            ExpressionAttributeValues: { ':now': this.nowSeconds() },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return undefined;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const holder = oldItemOf(error) ?? (await this.getLive(itemKey));
        if (holder && isLive(holder, this.nowSeconds())) return str(holder.event_id);
        // The claim expired or vanished between our put and our read: try again.
      }
    }
    throw new Error(`Could not claim idempotency key ${key}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Stats

/** The hour bucket name of a time: 'YYYYMMDDHH' in UTC. */
export function hourOf(date: Date): string {
  return date.toISOString().slice(0, 13).replace(/[-T]/g, '');
}

function hourToTime(hour: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(hour);
  if (!match) throw invalid(`Invalid stats hour ${hour}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]));
}

const HOUR_MS = 3_600_000;
const shiftHour = (hour: string, hours: number): string =>
  hourOf(new Date(hourToTime(hour) + hours * HOUR_MS));
const BUCKET_FIELDS = ['ok', 'fail', 'rt', 'n'] as const;
const BUCKET_ATTRIBUTE = /^h(\d{10})_(ok|fail|rt|n)$/;

export type { WindowStats };

export class DynamoStatsRepository extends DeliveriesTable implements StatsRepository {
  /**
   * One UpdateItem: ADD all-time and hourly counters, REMOVE the buckets 25–27 hours old. When the
   * endpoint was quiet for longer than that, older buckets would linger; the update returns the
   * item, and such leftovers are removed by a second, rare, write.
   */
  async add(
    webhookId: string,
    hour: string,
    delta: { successful: number; failed: number; responseTimeMsTotal: number; timed: number },
  ): Promise<void> {
    hourToTime(hour);
    const expr = new Expr()
      .add('total', delta.successful + delta.failed)
      .add('successful', delta.successful)
      .add('failed', delta.failed)
      .add(`h${hour}_ok`, delta.successful)
      .add(`h${hour}_fail`, delta.failed)
      .add(`h${hour}_rt`, delta.responseTimeMsTotal)
      .add(`h${hour}_n`, delta.timed);
    for (let age = 25; age <= 27; age++) {
      const old = shiftHour(hour, -age);
      for (const field of BUCKET_FIELDS) expr.remove(`h${old}_${field}`);
    }
    let item: Item | undefined;
    try {
      ({ Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: webhookPk(webhookId), sk: STATS_SK },
          UpdateExpression: expr.update(),
          // A retired endpoint (deleted) takes no more counts: a batch in flight must not revive it.
          ConditionExpression: `attribute_not_exists(${expr.n('retired_at')})`,
          ...expr.attributes(),
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (error) {
      if (isConditionalCheckFailed(error)) return;
      throw error;
    }
    const oldest = shiftHour(hour, -27);
    const stale = Object.keys(item ?? {}).filter((name) => {
      const match = BUCKET_ATTRIBUTE.exec(name);
      return match !== null && match[1]! < oldest;
    });
    if (stale.length > 0) {
      const cleanup = new Expr();
      for (const name of stale) cleanup.remove(name);
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: webhookPk(webhookId), sk: STATS_SK },
            UpdateExpression: cleanup.update(),
            ConditionExpression: `attribute_exists(${cleanup.n('pk')}) AND attribute_not_exists(${cleanup.n('retired_at')})`,
            ...cleanup.attributes(),
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }

  /**
   * Replaces the counters with a retirement marker. It expires (TTL) one day after the endpoint's
   * history would have: by then no delivery of the endpoint can be left to count.
   */
  async retire(webhookId: string): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: webhookPk(webhookId),
          sk: STATS_SK,
          retired_at: this.clock().toISOString(),
          expires_at: this.expiresAt() + DAY_SECONDS,
        },
      }),
    );
  }

  async get(webhookId: string): Promise<WebhookStats> {
    return allTime(await this.item(webhookId));
  }

  /** The 24 hourly buckets ending with `now`'s hour, and the all-time counters. */
  async getWindow(webhookId: string, now: Date): Promise<{ last24h: WindowStats; allTime: WebhookStats }> {
    const item = await this.item(webhookId);
    const current = hourOf(now);
    let successful = 0;
    let failed = 0;
    let responseTimeMsTotal = 0;
    let timed = 0;
    for (let age = 0; age < 24; age++) {
      const hour = shiftHour(current, -age);
      successful += num(item[`h${hour}_ok`]);
      failed += num(item[`h${hour}_fail`]);
      responseTimeMsTotal += num(item[`h${hour}_rt`]);
      timed += num(item[`h${hour}_n`]);
    }
    return {
      last24h: { deliveries: successful + failed, successful, failed, responseTimeMsTotal, timed },
      allTime: allTime(item),
    };
  }

  private async item(webhookId: string): Promise<Item> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: webhookPk(webhookId), sk: STATS_SK } }),
    );
    return item ?? {};
  }
}

function allTime(item: Item): WebhookStats {
  return { totalDeliveries: num(item.total), successful: num(item.successful), failed: num(item.failed) };
}
