import { GetCommand, type LeanDocumentClient, UpdateCommand } from '../../aws/lean/dynamodb.js';
import type { DailyUsage } from '../../domain/model.js';
import type { UsageRepository } from '../../domain/ports/quota-stores.js';
import { num } from './attributes.js';
import { isConditionalCheckFailed } from './client.js';
import { usageKey } from './keys.js';

/**
 * Usage-day counters in the config table (docs/storage.md): pk `ACCOUNT#<account id>`,
 * sk `USAGE#<YYYY-MM-DD>`, numbers `events` and `dropped`. One item per account per active day
 * (~60 bytes); they are kept as the account's usage history.
 */

export class DynamoUsageRepository implements UsageRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One conditional ADD: DynamoDB applies it only while `events < limit`, so concurrent fan-outs can
   * never admit more than the limit between them. On refusal, a second ADD counts the drop.
   */
  async admitEvent(accountId: string, day: string, limit: number | null): Promise<boolean> {
    // A limit of 0 admits nothing (the condition below would let the very first event in).
    if (limit !== null && limit <= 0) {
      await this.countDropped(accountId, day);
      return false;
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: usageKey(accountId, day),
          UpdateExpression: 'ADD events :one',
          ...(limit === null
            ? { ExpressionAttributeValues: { ':one': 1 } }
            : {
                ConditionExpression: 'attribute_not_exists(events) OR events < :limit',
                ExpressionAttributeValues: { ':one': 1, ':limit': limit },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    await this.countDropped(accountId, day);
    return false;
  }

  async countDropped(accountId: string, day: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: usageKey(accountId, day),
        UpdateExpression: 'ADD dropped :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  async get(accountId: string, day: string): Promise<DailyUsage> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: usageKey(accountId, day), ConsistentRead: true }),
    );
    return { events: num(item?.events), dropped: num(item?.dropped) };
  }
}
