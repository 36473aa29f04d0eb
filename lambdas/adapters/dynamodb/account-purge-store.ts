import { CONFIG_INDEX } from '../../../lib/storage-schema.js';
import {
  DeleteCommand,
  type LeanDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '../../aws/lean/dynamodb.js';
import type { AccountPurgeJob, AccountPurgeRepository, Deletion } from '../../domain/ports/config-stores.js';
import { type Item, str } from './attributes.js';
import { batchWriteAll } from './batch.js';
import { isConditionalCheckFailed } from './client.js';
import { ALERT_EMAIL_OUTBOX_PK, accountItemKey, accountPk, WEBHOOK_SK_PREFIX } from './keys.js';

/**
 * Account deletions in the config table (docs/storage.md): the job item `ACCOUNT_PURGE` /
 * `<account id>` (no `account_id` attribute, so it stays out of the `account_items` index), and
 * the deletes of the account's items by kind. Every delete query starts from the beginning again:
 * what was deleted is gone, so no cursor is needed and a crash loses nothing.
 */

const JOB_PK = 'ACCOUNT_PURGE';

const itemToJob = (item: Item): AccountPurgeJob => ({
  accountId: str(item.sk),
  requestedAt: str(item.requested_at),
  step: str(item.step),
  updatedAt: str(item.updated_at),
});

export class DynamoAccountPurgeRepository implements AccountPurgeRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async request(accountId: string, firstStep: string, now: string): Promise<AccountPurgeJob> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: JOB_PK, sk: accountId },
        UpdateExpression:
          'SET requested_at = if_not_exists(requested_at, :now), #step = if_not_exists(#step, :first), updated_at = if_not_exists(updated_at, :now)',
        ExpressionAttributeNames: { '#step': 'step' },
        ExpressionAttributeValues: { ':now': now, ':first': firstStep },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return itemToJob(result.Attributes ?? {});
  }

  async list(limit: number): Promise<AccountPurgeJob[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': JOB_PK },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(itemToJob);
  }

  async advance(accountId: string, from: string, to: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: JOB_PK, sk: accountId },
          UpdateExpression: 'SET #step = :to, updated_at = :now',
          ConditionExpression: '#step = :from',
          ExpressionAttributeNames: { '#step': 'step' },
          ExpressionAttributeValues: { ':from': from, ':to': to, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async complete(accountId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: JOB_PK, sk: accountId } }));
  }

  async webhookIds(accountId: string, limit: number): Promise<string[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': accountPk(accountId), ':prefix': WEBHOOK_SK_PREFIX },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => str(item.sk).slice(WEBHOOK_SK_PREFIX.length));
  }

  /** Portal links: `sk = #PORTALLINK AND account_id = a` on the index (keys only). */
  deletePortalLinks(accountId: string, limit: number): Promise<Deletion> {
    return this.deleteIndexed('#PORTALLINK', accountId, limit);
  }

  /** Alert-address confirmation tokens: `sk = #EMAILTOKEN AND account_id = a` on the index. */
  deleteEmailTokens(accountId: string, limit: number): Promise<Deletion> {
    return this.deleteIndexed('#EMAILTOKEN', accountId, limit);
  }

  /** Confirmation mails still to send: `ALERTEMAIL_OUTBOX`, `begins_with(sk, <account id>#)`. */
  deleteOutbox(accountId: string, limit: number): Promise<Deletion> {
    return this.deleteQueried(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': ALERT_EMAIL_OUTBOX_PK, ':prefix': `${accountId}#` },
        ConsistentRead: true,
      },
      limit,
    );
  }

  /**
   * Usage, mail-counter days and alert addresses: the account's partition but its item (the webhook
   * step ran before: a webhook created since, by a request in flight then, goes without its history purge).
   */
  deletePartition(accountId: string, limit: number): Promise<Deletion> {
    return this.deleteQueried(
      {
        KeyConditionExpression: 'pk = :pk AND sk > :account',
        ExpressionAttributeValues: { ':pk': accountPk(accountId), ':account': '#ACCOUNT' },
        ConsistentRead: true,
      },
      limit,
    );
  }

  async deleteAccountItem(accountId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: accountItemKey(accountId) }));
  }

  private deleteIndexed(sk: string, accountId: string, limit: number): Promise<Deletion> {
    return this.deleteQueried(
      {
        IndexName: CONFIG_INDEX.accountItems,
        KeyConditionExpression: 'sk = :sk AND account_id = :account',
        ExpressionAttributeValues: { ':sk': sk, ':account': accountId },
      },
      limit,
    );
  }

  /** One query page of at most `limit` keys, deleted with BatchWriteItem; done when the page was the last. */
  private async deleteQueried(query: Omit<QueryCommandInput, 'TableName'>, limit: number): Promise<Deletion> {
    const result = await this.doc.send(
      new QueryCommand({ TableName: this.tableName, ...query, ProjectionExpression: 'pk, sk', Limit: limit }),
    );
    const keys = (result.Items ?? []).map((item) => ({ pk: str(item.pk), sk: str(item.sk) }));
    await batchWriteAll(
      this.doc,
      this.tableName,
      keys.map((key) => ({ DeleteRequest: { Key: key } })),
    );
    return { deleted: keys.length, done: result.LastEvaluatedKey === undefined };
  }
}
