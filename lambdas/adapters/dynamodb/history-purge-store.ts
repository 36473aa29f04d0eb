import { DeleteCommand, type LeanDocumentClient, PutCommand, QueryCommand } from '../../aws/lean/dynamodb.js';
import type { HistoryPurgeRepository, HistoryPurgeRequest } from '../../domain/ports/delivery-stores.js';
import { str } from './attributes.js';
import { batchWriteAll } from './batch.js';
import { DELIVERY_SK_PREFIX, endpointPk, PURGE_PK, purgeKey } from './delivery-keys.js';

/**
 * Purging a deleted endpoint's history from the deliveries table (docs/retention.md): its delivery
 * items, and the outstanding purge requests (`PURGE` / `<webhook id>`) the reconciler finishes.
 */

/** Keys read per purge query page (keys only: ~100 bytes each). */
const PURGE_PAGE = 1000;

export class DynamoHistoryPurgeRepository implements HistoryPurgeRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

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
          ExpressionAttributeValues: { ':pk': endpointPk(webhookId), ':prefix': DELIVERY_SK_PREFIX },
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
          ...purgeKey(request.webhookId),
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
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: purgeKey(webhookId) }));
  }
}
