import { GetCommand, type LeanDocumentClient, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { notFound } from '../../domain/errors.js';
import type { FailureState } from '../../domain/model.js';
import type { EndpointHealthRepository } from '../../domain/ports/endpoint-health.js';
import { num } from './attributes.js';
import { isConditionalCheckFailed } from './client.js';
import { itemToFailureState } from './config-items.js';
import { alertMailDayKey, type TableKey, webhookKey } from './keys.js';

/**
 * An endpoint's health on its webhook item in the config table (docs/escalation.md):
 * `consecutive_failures`, `failing_episode`, `episode_state` and `healthy_since`, written by the
 * delivery path and the escalation Tasks with conditional updates that never touch configuration;
 * and the endpoint's alert mails per day (`ALERTMAILS#<webhook id>#<day>`, the daily cap).
 */

export class DynamoEndpointHealthRepository implements EndpointHealthRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Counts a failed delivery outcome (ADD, so concurrent deliveries never lose a count) and returns
   * the counters after it. Throws DomainError('not_found') when the webhook item is gone. Delivery
   * path only.
   */
  async recordFailure(accountId: string, webhookId: string): Promise<FailureState> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(accountId, webhookId),
          // A failure ends any healthy spell: the cool-down starts again at the next 2xx.
          UpdateExpression: 'ADD consecutive_failures :one REMOVE healthy_since',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToFailureState(result.Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound('Webhook');
      throw error;
    }
  }

  /**
   * Ends a failing streak and its episode (a 2xx, or re-enabling). Conditional, so it never
   * rewrites a clean item; callers that know the counters are clean skip the call (a failed
   * condition still costs a write unit).
   */
  async resetFailures(accountId: string, webhookId: string): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET consecutive_failures = :zero, episode_state = :closed REMOVE healthy_since',
      ConditionExpression: 'consecutive_failures > :zero OR episode_state IN (:open, :escalated)',
      ExpressionAttributeValues: {
        ':zero': 0,
        ':closed': 'closed',
        ':open': 'open',
        ':escalated': 'escalated',
      },
    });
  }

  async recordSuccess(accountId: string, webhookId: string, now: string): Promise<void> {
    const escalated = await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression:
        'SET consecutive_failures = :zero, healthy_since = if_not_exists(healthy_since, :now)',
      ConditionExpression: 'episode_state = :escalated',
      ExpressionAttributeValues: { ':zero': 0, ':now': now, ':escalated': 'escalated' },
    });
    // No escalated episode: nothing was announced, so nothing needs damping.
    if (!escalated) await this.resetFailures(accountId, webhookId);
  }

  closeRecovered(
    accountId: string,
    webhookId: string,
    episode: number,
    healthyBefore: string,
  ): Promise<boolean> {
    return this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :closed REMOVE healthy_since',
      ConditionExpression:
        'failing_episode = :episode AND episode_state <> :closed AND consecutive_failures = :zero AND ' +
        '(attribute_not_exists(healthy_since) OR healthy_since <= :healthyBefore)',
      ExpressionAttributeValues: {
        ':closed': 'closed',
        ':episode': episode,
        ':zero': 0,
        ':healthyBefore': healthyBefore,
      },
    });
  }

  /**
   * One conditional ADD on the endpoint's item for the day (`ALERTMAILS#<webhook id>#<day>`, ~80
   * bytes, kept like the usage days): of concurrent claims, at most `cap` succeed.
   */
  async claimAlertMail(accountId: string, webhookId: string, day: string, cap: number): Promise<boolean> {
    if (cap <= 0) return false;
    return this.conditionalUpdate(
      accountId,
      webhookId,
      {
        UpdateExpression: 'ADD mails :one',
        ConditionExpression: 'attribute_not_exists(mails) OR mails < :cap',
        ExpressionAttributeValues: { ':one': 1, ':cap': cap },
      },
      alertMailDayKey(accountId, webhookId, day),
    );
  }

  /**
   * The next episode number, in the same conditional write that checks no episode is open and the
   * streak still reaches the threshold (no reset slipped in): of concurrent callers exactly one wins.
   */
  async openEpisode(accountId: string, webhookId: string, threshold: number): Promise<number | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(accountId, webhookId),
          UpdateExpression:
            'SET failing_episode = if_not_exists(failing_episode, :zero) + :one, episode_state = :open',
          ConditionExpression:
            'attribute_exists(pk) AND consecutive_failures >= :threshold AND ' +
            '(attribute_not_exists(episode_state) OR episode_state = :closed)',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':open': 'open',
            ':closed': 'closed',
            ':threshold': threshold,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return num(result.Attributes?.failing_episode);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async markEscalated(accountId: string, webhookId: string, episode: number): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :escalated',
      ConditionExpression: 'failing_episode = :episode AND episode_state = :open',
      ExpressionAttributeValues: { ':escalated': 'escalated', ':open': 'open', ':episode': episode },
    });
  }

  async closeEpisode(accountId: string, webhookId: string, episode: number): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :closed',
      ConditionExpression: 'failing_episode = :episode AND episode_state <> :closed',
      ExpressionAttributeValues: { ':closed': 'closed', ':episode': episode },
    });
  }

  async getFailureState(accountId: string, webhookId: string): Promise<FailureState | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: webhookKey(accountId, webhookId),
        ProjectionExpression: 'pk, consecutive_failures, failing_episode, episode_state, healthy_since',
        ConsistentRead: true,
      }),
    );
    return item ? itemToFailureState(item) : undefined;
  }

  /**
   * An update of the delivery path's attributes that is simply skipped when its condition fails; true
   * when it applied. `key` defaults to the webhook item's.
   */
  private async conditionalUpdate(
    accountId: string,
    webhookId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    key: TableKey = webhookKey(accountId, webhookId),
  ): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: key, ...update }));
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }
}
