import { GetCommand, type LeanDocumentClient, UpdateCommand } from '../../aws/lean/dynamodb.js';
import type {
  WebhookCount,
  WebhookCounter,
  WebhookSlotReservation,
} from '../../domain/ports/quota-stores.js';
import { isConditionalCheckFailed } from './client.js';
import { accountItemKey } from './keys.js';

/**
 * The webhook counter on the account item of the config table (docs/quotas.md): `webhook_count`
 * (slots taken), `webhook_count_at` (when it last moved) and `webhook_count_since` (the counter
 * accounts for every deletion that happened before this time; a release from an older deletion is
 * ignored, because the count it would correct was taken after that deletion). Every write is one
 * conditional UpdateItem, which DynamoDB (and dynalite, per item) applies atomically.
 */

const NAMES = {
  '#count': 'webhook_count',
  '#at': 'webhook_count_at',
  '#since': 'webhook_count_since',
} as const;

export class DynamoWebhookCounter implements WebhookCounter {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(accountId: string, limit: number | null, now: string): Promise<WebhookSlotReservation> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(accountId),
          UpdateExpression: 'SET #at = :now ADD #count :one',
          // An account being deleted (account-store.ts) takes no new webhook: its purge may be past them.
          ConditionExpression: `attribute_exists(#count) AND attribute_not_exists(#deleting)${
            limit === null ? '' : ' AND #count < :limit'
          }`,
          ExpressionAttributeNames: {
            '#count': NAMES['#count'],
            '#at': NAMES['#at'],
            '#deleting': 'deleting_at',
          },
          ExpressionAttributeValues: {
            ':now': now,
            ':one': 1,
            ...(limit === null ? {} : { ':limit': limit }),
          },
        }),
      );
      return { outcome: 'reserved' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const item = await this.counterItem(accountId);
    if (!item || item.deleting_at !== undefined) return { outcome: 'no_account' };
    const counter = toCount(item);
    return counter ? { outcome: 'full', counter } : { outcome: 'uncounted' };
  }

  async release(accountId: string, since: string, now: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(accountId),
          UpdateExpression: 'SET #at = :now ADD #count :minus',
          ConditionExpression: '#count > :zero AND (attribute_not_exists(#since) OR #since < :since)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':now': now, ':minus': -1, ':zero': 0, ':since': since },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async initialise(accountId: string, count: number, now: string): Promise<boolean> {
    return this.conditionalSet(
      accountId,
      count,
      now,
      'attribute_exists(pk) AND attribute_not_exists(#count)',
      {},
    );
  }

  async repair(accountId: string, seen: WebhookCount, count: number, now: string): Promise<boolean> {
    return seen.updatedAt === undefined
      ? this.conditionalSet(accountId, count, now, '#count = :seen AND attribute_not_exists(#at)', {
          ':seen': seen.count,
        })
      : this.conditionalSet(accountId, count, now, '#count = :seen AND #at = :seenAt', {
          ':seen': seen.count,
          ':seenAt': seen.updatedAt,
        });
  }

  /** The account item's key and counter attributes, read consistently; undefined when no account. */
  private async counterItem(accountId: string): Promise<Record<string, unknown> | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: accountItemKey(accountId),
        ProjectionExpression: 'pk, #count, #at, deleting_at',
        ExpressionAttributeNames: { '#count': NAMES['#count'], '#at': NAMES['#at'] },
        ConsistentRead: true,
      }),
    );
    return item;
  }

  async get(accountId: string): Promise<WebhookCount | undefined> {
    const item = await this.counterItem(accountId);
    return item ? toCount(item) : undefined;
  }

  /** Sets the count, its time, and `since` (= now: the count was taken before this write). */
  private async conditionalSet(
    accountId: string,
    count: number,
    now: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(accountId),
          UpdateExpression: 'SET #count = :count, #at = :now, #since = :now',
          ConditionExpression: condition,
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':count': count, ':now': now, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

function toCount(item: Record<string, unknown>): WebhookCount | undefined {
  if (typeof item.webhook_count !== 'number') return undefined;
  return typeof item.webhook_count_at === 'string'
    ? { count: item.webhook_count, updatedAt: item.webhook_count_at }
    : { count: item.webhook_count };
}
