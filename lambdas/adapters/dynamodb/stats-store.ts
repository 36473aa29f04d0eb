import { GetCommand, PutCommand, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { invalid } from '../../domain/errors.js';
import type { AllTimeStats, WebhookStats, WindowStats } from '../../domain/model.js';
import type { StatsDelta, StatsRepository } from '../../domain/ports/delivery-stores.js';
import { hourBucket } from '../../domain/stats-hours.js';
import { type Item, num } from './attributes.js';
import { Expr, isConditionalCheckFailed } from './client.js';
import { DAY_SECONDS, DeliveriesTable } from './deliveries-table.js';
import { statsKey } from './delivery-keys.js';

/**
 * Per-webhook stats in the deliveries table: one item per endpoint (`WEBHOOK#<id>` / `STATS`) with
 * all-time counters (`total`, `successful`, `failed`, and `rt`/`n`: response time sum and timed attempts) and hourly buckets (`h<YYYYMMDDHH>_ok|fail|rt|n`) for the last 24 hours.
 */

function hourToTime(hour: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(hour);
  if (!match) throw invalid(`Invalid stats hour ${hour}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]));
}

const HOUR_MS = 3_600_000;
const shiftHour = (hour: string, hours: number): string =>
  hourBucket(new Date(hourToTime(hour) + hours * HOUR_MS));
const BUCKET_FIELDS = ['ok', 'fail', 'rt', 'n'] as const;
const BUCKET_ATTRIBUTE = /^h(\d{10})_(ok|fail|rt|n)$/;

export class DynamoStatsRepository extends DeliveriesTable implements StatsRepository {
  /**
   * One UpdateItem: ADD all-time and hourly counters, REMOVE the buckets 25–27 hours old. When the
   * endpoint was quiet for longer than that, older buckets would linger; the update returns the
   * item, and such leftovers are removed by a second, rare, write.
   */
  async add(webhookId: string, hour: string, delta: StatsDelta): Promise<void> {
    hourToTime(hour);
    const expr = new Expr()
      .add('total', delta.successful + delta.failed)
      .add('successful', delta.successful)
      .add('failed', delta.failed)
      .add('rt', delta.responseTimeMsTotal)
      .add('n', delta.timed)
      .add(`h${hour}_ok`, delta.successful)
      .add(`h${hour}_fail`, delta.failed)
      .add(`h${hour}_rt`, delta.responseTimeMsTotal)
      .add(`h${hour}_n`, delta.timed);
    if (delta.testSuccessful) expr.add('test_ok', delta.testSuccessful);
    if (delta.testFailed) expr.add('test_fail', delta.testFailed);
    for (let age = 25; age <= 27; age++) {
      const old = shiftHour(hour, -age);
      for (const field of BUCKET_FIELDS) expr.remove(`h${old}_${field}`);
    }
    let item: Item | undefined;
    try {
      ({ Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: statsKey(webhookId),
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
            Key: statsKey(webhookId),
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
          ...statsKey(webhookId),
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
  async getWindow(webhookId: string, now: Date): Promise<{ last24h: WindowStats; allTime: AllTimeStats }> {
    const item = await this.item(webhookId);
    const current = hourBucket(now);
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
      allTime: { ...allTime(item), responseTimeMsTotal: num(item.rt), timed: num(item.n) },
    };
  }

  private async item(webhookId: string): Promise<Item> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: statsKey(webhookId) }),
    );
    return item ?? {};
  }
}

function allTime(item: Item): WebhookStats {
  return {
    totalDeliveries: num(item.total),
    successful: num(item.successful),
    failed: num(item.failed),
    // Only once a test send was counted (the representation shows zeros until then).
    ...(item.test_ok !== undefined || item.test_fail !== undefined
      ? { testSends: { successful: num(item.test_ok), failed: num(item.test_fail) } }
      : {}),
  };
}
