import {
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '../../aws/lean/dynamodb.js';
import { ulidRange } from '../../domain/ids.js';
import type { Delivery, DeliveryAttempt, DeliveryFilter, DeliveryStatus, Page } from '../../domain/model.js';
import { boundAttempt, keptAttempts, MAX_STORED_ATTEMPTS } from '../../domain/outcome.js';
import type {
  CreateDeliveryResult,
  DeliveryRepository,
  ReopenExpectation,
} from '../../domain/ports/delivery-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { type Item, num, str } from './attributes.js';
import { batchGetAll } from './batch.js';
import {
  collectQuery,
  decodeCursor,
  Expr,
  encodeCursor,
  type ItemKey,
  invalidCursor,
  isConditionalCheckFailed,
  isLive,
  startKey,
} from './client.js';
import { DeliveriesTable, oldItemOf } from './deliveries-table.js';
import { attemptToItem, deliveryToItem, itemToAttempt, itemToDelivery } from './delivery-items.js';
import {
  DELIVERY_SK_PREFIX,
  type DeliveryKeys,
  DUE_SHARDS,
  deliveryKeys,
  dueShard,
  dueSk,
  endpointPk,
} from './delivery-keys.js';
import { MAX_EVALUATED } from './event-log-store.js';
import type { TableKey } from './keys.js';

/**
 * Deliveries in the deliveries table, with their attempts, in their endpoint's partition
 * (`WEBHOOK#<webhook id>` / `DELIVERY#<event ulid>`), and the sparse indexes that find them: `failed`
 * (an endpoint's failed deliveries) and `due` (pending ones by next attempt, for the reconciler).
 */

export class DynamoDeliveryRepository extends DeliveriesTable implements DeliveryRepository {
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

  get pendingBeforeFirstAttempt(): boolean {
    return this.options.indexFirstAttempt ?? false;
  }

  /** The stored item of a delivery, with its sparse index keys as its status asks. */
  private itemOf(delivery: Delivery): Item {
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
    return item;
  }

  async recordFirstOutcome(delivery: Delivery): Promise<boolean> {
    const expr = new Expr();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(delivery),
          // Absent, or stored pending by a fan-out that wrote it before the job (the local runtime, and
          // deliveries fanned out before this version): either way no outcome is recorded yet.
          ConditionExpression: `attribute_not_exists(${expr.n('pk')}) OR (${expr.n('attempt_count')} = ${expr.v(0)} AND ${expr.n('status')} = ${expr.v('pending')})`,
          ...expr.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async createDelivery(delivery: Delivery): Promise<CreateDeliveryResult> {
    const item = this.itemOf(delivery);
    const keys = deliveryKeys(delivery.id)!;
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
  private async storedAttempts(key: TableKey, count: number): Promise<DeliveryAttempt[] | undefined> {
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

  /**
   * Schedules the delivery's next attempt at `nextAttemptAt`, only while it is as the caller read it
   * (status, attempt count and, when pending, due time) and live: a final one (failed or succeeded)
   * becomes pending again, a pending one is due earlier. Of concurrent calls on the same read, one
   * wins; false for the others (or when it changed or expired).
   */
  async reopen(deliveryId: string, expected: ReopenExpectation, nextAttemptAt: string): Promise<boolean> {
    const keys = deliveryKeys(deliveryId);
    if (!keys) return false;
    const expr = new Expr()
      .set('status', 'pending')
      .set('next_attempt_at', nextAttemptAt)
      .set('updated_at', this.clock().toISOString())
      .remove('failure_reason');
    this.indexKeys(expr, keys, deliveryId, 'pending', nextAttemptAt);
    const conditions = [
      `${expr.n('status')} = ${expr.v(expected.status)}`,
      `${expr.n('attempt_count')} = ${expr.v(expected.attemptCount)}`,
      `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(this.nowSeconds())})`,
    ];
    if (expected.status === 'pending') {
      if (!expected.nextAttemptAt) return false;
      conditions.push(`${expr.n('next_attempt_at')} = ${expr.v(expected.nextAttemptAt)}`);
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.key,
          UpdateExpression: expr.update(),
          ConditionExpression: conditions.join(' AND '),
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
   * base partition with a filter. since/until bound the sort key (event ids are ULIDs); status and
   * event type are filters, reading at most MAX_EVALUATED items per call. The cursor is
   * the key of the last delivery returned (or read, when that bound ends the call).
   */
  async listDeliveries(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<Delivery>> {
    const pk = endpointPk(webhookId);
    const nowSeconds = this.nowSeconds();
    const byFailedIndex = filter.status === 'failed';
    const keyAttributes = byFailedIndex ? ['failed_pk', 'failed_sk', 'pk', 'sk'] : ['pk', 'sk'];
    const { from, to } = ulidRange(filter.since, filter.until);
    let exclusiveStartKey: ItemKey | undefined;
    if (page.cursor) {
      exclusiveStartKey = startKey(decodeCursor(page.cursor, pk), keyAttributes);
      const sk = exclusiveStartKey.sk!;
      if (!sk.startsWith(DELIVERY_SK_PREFIX)) throw invalidCursor();
      const ulid = sk.slice(DELIVERY_SK_PREFIX.length);
      if (ulid < from || ulid > to) throw invalidCursor();
      if (byFailedIndex && (exclusiveStartKey.failed_pk !== pk || exclusiveStartKey.failed_sk !== ulid)) {
        throw invalidCursor();
      }
    }

    const expr = new Expr();
    const filters = [
      `${expr.n('account_id')} = ${expr.v(accountId)}`,
      `(attribute_not_exists(${expr.n('expires_at')}) OR ${expr.n('expires_at')} > ${expr.v(nowSeconds)})`,
    ];
    if (filter.status && !byFailedIndex) filters.push(`${expr.n('status')} = ${expr.v(filter.status)}`);
    if (filter.eventType) filters.push(`${expr.n('event_type')} = ${expr.v(filter.eventType)}`);
    const input: QueryCommandInput = byFailedIndex
      ? {
          TableName: this.tableName,
          IndexName: 'failed',
          KeyConditionExpression: `${expr.n('failed_pk')} = ${expr.v(pk)} AND ${expr.n('failed_sk')} BETWEEN ${expr.v(from)} AND ${expr.v(to)}`,
        }
      : {
          TableName: this.tableName,
          KeyConditionExpression: `${expr.n('pk')} = ${expr.v(pk)} AND ${expr.n('sk')} BETWEEN ${expr.v(DELIVERY_SK_PREFIX + from)} AND ${expr.v(DELIVERY_SK_PREFIX + to)}`,
          ConsistentRead: true,
        };
    const filtered = (filter.status !== undefined && !byFailedIndex) || filter.eventType !== undefined;
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
          if (filter.eventType && item.event_type !== filter.eventType) return undefined;
          return itemToDelivery(item);
        },
        // A filter may skip many items: read bigger pages than the few wanted, up to a bound.
        ...(filtered
          ? { pageSize: (wanted: number) => Math.max(wanted + 1, 50), maxEvaluated: MAX_EVALUATED }
          : {}),
      },
    );
    return { items, ...(lastKey ? { nextCursor: encodeCursor(lastKey) } : {}) };
  }

  /** Pending deliveries with a scheduled attempt before `dueBefore`, earliest first, across the 10 shards. */
  async findOverdue(dueBefore: string, limit: number): Promise<Delivery[]> {
    const nowSeconds = this.nowSeconds();
    const results = await Promise.all(
      DUE_SHARDS.map(async (shard) => {
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
          ExpressionAttributeValues: { ':pending': 'pending', ':delivery': DELIVERY_SK_PREFIX },
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
