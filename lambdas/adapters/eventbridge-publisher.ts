import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { WebhookEvent } from '../domain/model.js';
import type { EventPublisher } from '../domain/ports.js';

export const EVENT_SOURCE = 'serverless-webhooks.api';
/** The source of the operational events escalation publishes (endpoint.failing, …). */
export const ESCALATION_EVENT_SOURCE = 'serverless-webhooks.escalation';

/**
 * Puts an event on the service's bus in the shape internal services use (DetailType = type,
 * Detail = { account_id, data, idempotency_key? }), plus the id the API already answered with, so
 * fan-out keeps it.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly source: string = EVENT_SOURCE,
  ) {}

  async publish(event: WebhookEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: this.source,
            DetailType: event.type,
            Time: new Date(event.timestamp),
            Detail: JSON.stringify({
              account_id: event.accountId,
              data: event.data,
              idempotency_key: event.idempotencyKey,
              event_id: event.id,
            }),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      throw new Error(
        `PutEvents failed: ${result.Entries?.[0]?.ErrorCode} ${result.Entries?.[0]?.ErrorMessage}`,
      );
    }
  }
}
