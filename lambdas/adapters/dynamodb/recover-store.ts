import { PutCommand, QueryCommand, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { conflict } from '../../domain/errors.js';
import { ulid } from '../../domain/ids.js';
import type { Delivery } from '../../domain/model.js';
import type { RecoverJob, RecoverRepository } from '../../domain/ports/delivery-stores.js';
import type { RecoverStatus } from '../../domain/recover.js';
import { type Item, num, optionalStr, str } from './attributes.js';
import { Expr, isConditionalCheckFailed, isLive } from './client.js';
import { DAY_SECONDS, DeliveriesTable } from './deliveries-table.js';
import { itemToDelivery } from './delivery-items.js';
import { DELIVERY_SK_PREFIX, endpointPk, RECOVER_PK, recoverKey } from './delivery-keys.js';

/**
 * Recovers in the deliveries table (docs/storage.md): one job item per endpoint in progress
 * (`RECOVER` / `<webhook id>`), and the window of the endpoint's deliveries it walks, oldest first,
 * by event ULID: the `failed` index for failed ones, the endpoint's partition for all.
 */

/** A job left behind (nothing carried it on) stops blocking new recovers of its endpoint after this. */
const JOB_TTL_SECONDS = 2 * DAY_SECONDS;
/** How long a done job answers a repeat of its request with `queued: 0`. */
const DONE_TTL_SECONDS = 60;
const DELIVERY_ATTRIBUTES = [
  'pk',
  'sk',
  'account_id',
  'event_type',
  'status',
  'attempt_count',
  'next_attempt_at',
  'created_at',
  'updated_at',
  'expires_at',
];

const itemToJob = (item: Item): RecoverJob => {
  const cursor = optionalStr(item.cursor);
  return {
    accountId: str(item.account_id),
    webhookId: str(item.sk),
    since: str(item.since),
    until: str(item.until),
    status: str(item.status) as RecoverStatus,
    ...(cursor !== undefined ? { cursor } : {}),
    queued: num(item.queued),
    requestedAt: str(item.requested_at),
    updatedAt: str(item.updated_at),
    ...(item.done === true ? { done: true } : {}),
  };
};

export class DynamoRecoverRepository extends DeliveriesTable implements RecoverRepository {
  async startRecover(
    job: RecoverJob,
    replacing?: RecoverJob,
  ): Promise<{ started: true } | { started: false; existing: RecoverJob }> {
    const item = {
      ...recoverKey(job.webhookId),
      account_id: job.accountId,
      since: job.since,
      until: job.until,
      status: job.status,
      queued: job.queued,
      requested_at: job.requestedAt,
      updated_at: job.updatedAt,
      expires_at: this.nowSeconds() + JOB_TTL_SECONDS,
    };
    for (let tries = 0; ; tries++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: replacing
              ? 'attribute_not_exists(pk) OR expires_at <= :now OR (done = :done AND requested_at = :replaced)'
              : 'attribute_not_exists(pk) OR expires_at <= :now',
            ExpressionAttributeValues: {
              ':now': this.nowSeconds(),
              ...(replacing ? { ':done': true, ':replaced': replacing.requestedAt } : {}),
            },
          }),
        );
        return { started: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const existing = await this.getLive(recoverKey(job.webhookId));
      if (existing) return { started: false, existing: itemToJob(existing) };
      // Completed in between: claim it again (a second time only: then it is busy).
      if (tries > 0) throw conflict('A recover of this webhook is starting; try again');
    }
  }

  async recoverPage(
    job: RecoverJob,
    limit: number,
  ): Promise<{ deliveries: Delivery[]; cursor?: string; done: boolean }> {
    const expr = new Expr();
    // Event ULIDs of the window: the first of `since`'s millisecond to the last of `until`'s; after
    // the cursor, everything greater than it (ULIDs have one length, so `cursor + " "` is the next).
    const from =
      job.cursor === undefined ? ulid(Date.parse(job.since), new Uint8Array(10)) : `${job.cursor} `;
    const to = ulid(Date.parse(job.until), new Uint8Array(10).fill(255));
    const pk = endpointPk(job.webhookId);
    const failedOnly = job.status === 'failed';
    const nowSeconds = this.nowSeconds();
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(failedOnly
          ? {
              IndexName: 'failed',
              KeyConditionExpression: `${expr.n('failed_pk')} = ${expr.v(pk)} AND ${expr.n('failed_sk')} BETWEEN ${expr.v(from)} AND ${expr.v(to)}`,
            }
          : {
              KeyConditionExpression: `${expr.n('pk')} = ${expr.v(pk)} AND ${expr.n('sk')} BETWEEN ${expr.v(DELIVERY_SK_PREFIX + from)} AND ${expr.v(DELIVERY_SK_PREFIX + to)}`,
              ConsistentRead: true,
              FilterExpression: `${expr.n('status')} <> ${expr.v('pending')}`,
            }),
        ProjectionExpression: DELIVERY_ATTRIBUTES.map((name) => expr.n(name)).join(', '),
        ScanIndexForward: true,
        Limit: limit,
        ...expr.attributes(),
      }),
    );
    const deliveries = (result.Items ?? [])
      .filter((item) => item.account_id === job.accountId && isLive(item, nowSeconds))
      .filter((item) => (failedOnly ? item.status === 'failed' : item.status !== 'pending'))
      .map(itemToDelivery);
    const last = result.LastEvaluatedKey;
    if (!last) return { deliveries, done: true };
    const cursor = failedOnly ? str(last.failed_sk) : str(last.sk).slice(DELIVERY_SK_PREFIX.length);
    return { deliveries, cursor, done: false };
  }

  async advanceRecover(job: RecoverJob, to: string, queued: number): Promise<boolean> {
    const expr = new Expr()
      .set('cursor', to)
      .set('updated_at', this.clock().toISOString())
      .add('queued', queued);
    const condition =
      job.cursor === undefined
        ? `attribute_exists(${expr.n('pk')}) AND attribute_not_exists(${expr.n('cursor')})`
        : `${expr.n('cursor')} = ${expr.v(job.cursor)}`;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: recoverKey(job.webhookId),
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

  async completeRecover(webhookId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: recoverKey(webhookId),
          UpdateExpression: 'SET done = :done, expires_at = :expires',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':done': true, ':expires': this.nowSeconds() + DONE_TTL_SECONDS },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async listRecovers(limit: number): Promise<RecoverJob[]> {
    const nowSeconds = this.nowSeconds();
    const jobs: RecoverJob[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Done and expired jobs linger until TTL removes them (one item per endpoint at most): skipped.
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': RECOVER_PK },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) {
        if (isLive(item, nowSeconds) && item.done !== true && jobs.length < limit) jobs.push(itemToJob(item));
      }
      startKey = jobs.length < limit ? result.LastEvaluatedKey : undefined;
    } while (startKey);
    return jobs;
  }
}
