import { GetCommand, PutCommand } from '../../aws/lean/dynamodb.js';
import type { Admission, WebhookEvent } from '../../domain/model.js';
import type { EventRepository } from '../../domain/ports/delivery-stores.js';
import { str } from './attributes.js';
import { batchGetAll } from './batch.js';
import { isConditionalCheckFailed, isLive } from './client.js';
import { DeliveriesTable, oldItemOf } from './deliveries-table.js';
import { itemToEvent } from './delivery-items.js';
import { eventIdOfPk, eventKey } from './delivery-keys.js';

/**
 * Event payloads in the deliveries table, once per event (`EVENT#<event id>` / `#EVENT`), with
 * fan-out's quota decision (`admission`).
 */

const isAdmission = (value: unknown): value is Admission => value === 'admitted' || value === 'dropped';

export class DynamoEventRepository extends DeliveriesTable implements EventRepository {
  /**
   * The payload, once per event. Conditional: a replay neither rewrites it nor extends its expiry
   * (an expired item not yet removed by TTL may be replaced). A dropped event is stored without its
   * data: the item is only the record of the decision.
   */
  async putEvent(
    event: WebhookEvent,
    admission?: Admission,
  ): Promise<{ created: boolean; admission?: Admission }> {
    const key = eventKey(event.id);
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
            test: event.test ? true : undefined,
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
        Key: eventKey(eventId),
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
    const key = eventKey(eventId);
    const item = (await this.getLive(key, false)) ?? (await this.getLive(key));
    return item ? itemToEvent(eventId, item) : undefined;
  }

  /** As getEvent, for many: one eventually consistent batch read, misses asked again consistently. */
  async getEvents(eventIds: readonly string[]): Promise<Map<string, WebhookEvent>> {
    const ids = [...new Set(eventIds)];
    const found = new Map<string, WebhookEvent>();
    const read = async (wanted: readonly string[], consistent: boolean) => {
      const keys = wanted.map(eventKey);
      for (const item of await batchGetAll(this.doc, this.tableName, keys, consistent)) {
        if (!isLive(item, this.nowSeconds())) continue;
        const id = eventIdOfPk(str(item.pk));
        found.set(id, itemToEvent(id, item));
      }
    };
    await read(ids, false);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) await read(missing, true);
    return found;
  }
}
