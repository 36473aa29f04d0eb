import { PutCommand } from '../../aws/lean/dynamodb.js';
import type { IdempotencyRepository } from '../../domain/ports/delivery-stores.js';
import { str } from './attributes.js';
import { epochSeconds, isConditionalCheckFailed, isLive } from './client.js';
import { DeliveriesTable, oldItemOf } from './deliveries-table.js';
import { idempotencyKey } from './delivery-keys.js';

/**
 * Idempotency claims in the deliveries table (`IDEMPOTENCY#<account>#<key>` / `#IDEMPOTENCY`): the
 * event holding a key, until the claim expires (24 h).
 */

export class DynamoIdempotencyRepository extends DeliveriesTable implements IdempotencyRepository {
  async holder(accountId: string, key: string): Promise<string | undefined> {
    const holder = await this.getLive(idempotencyKey(accountId, key));
    return holder && isLive(holder, this.nowSeconds()) ? str(holder.event_id) : undefined;
  }

  async claim(
    accountId: string,
    key: string,
    eventId: string,
    expiresAt: string,
  ): Promise<string | undefined> {
    const itemKey = idempotencyKey(accountId, key);
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
