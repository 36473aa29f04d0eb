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

  /**
   * One conditional ADD of `count` while the day has room for all of them. When it has room for
   * fewer, the room left is read and taken with a write conditioned on the count read (so a
   * concurrent fan-out cannot slip in between), a few rounds at most; what did not fit is dropped.
   */
  async admitEvents(accountId: string, day: string, limit: number | null, count: number): Promise<number> {
    if (count <= 0) return 0;
    if (count === 1) return (await this.admitEvent(accountId, day, limit)) ? 1 : 0;
    const key = usageKey(accountId, day);
    const add = async (
      events: number,
      condition?: { expression: string; values: Record<string, number> },
    ) => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'ADD events :n',
            ...(condition ? { ConditionExpression: condition.expression } : {}),
            ExpressionAttributeValues: { ':n': events, ...condition?.values },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
    };
    let admitted = 0;
    if (limit === null) {
      await add(count);
      admitted = count;
    } else if (
      limit >= count &&
      (await add(count, {
        expression: 'attribute_not_exists(events) OR events <= :max',
        values: { ':max': limit - count },
      }))
    ) {
      admitted = count;
    } else {
      let full = false;
      for (let round = 0; round < 5 && admitted === 0 && !full; round++) {
        const counted = (await this.get(accountId, day)).events;
        const room = Math.min(count, limit - counted);
        full = room <= 0;
        if (full) break;
        const taken = await add(room, {
          expression: counted === 0 ? 'attribute_not_exists(events) OR events = :seen' : 'events = :seen',
          values: { ':seen': counted },
        });
        if (taken) admitted = room;
      }
      // Five lost races in a row: the rest go one by one, each exact on its own.
      if (admitted === 0 && !full) {
        for (let index = 0; index < count; index++) {
          if (await this.admitEvent(accountId, day, limit)) admitted += 1;
        }
        return admitted;
      }
    }
    if (admitted < count) await this.countDroppedEvents(accountId, day, count - admitted);
    return admitted;
  }

  async countDropped(accountId: string, day: string): Promise<void> {
    await this.countDroppedEvents(accountId, day, 1);
  }

  private async countDroppedEvents(accountId: string, day: string, count: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: usageKey(accountId, day),
        UpdateExpression: 'ADD dropped :n',
        ExpressionAttributeValues: { ':n': count },
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
