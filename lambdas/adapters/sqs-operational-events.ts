import { type LeanSqsClient, SendMessageCommand } from '../aws/lean/sqs.js';
import { serviceEventMessage } from '../domain/bus-event.js';
import type { WebhookEvent } from '../domain/model.js';
import type { OperationalEventSink } from '../domain/ports/queues.js';
import { sqsSafeJson } from '../domain/sqs-text.js';

/**
 * Operational events go onto the ingest queue as the service's own message, not through the bus:
 * EventBridge always wraps what it delivers in its envelope, so a message of this shape can only
 * come from a principal allowed to send to the queue, which is the service (docs/bus.md).
 */
export class SqsOperationalEvents implements OperationalEventSink {
  constructor(
    private readonly client: LeanSqsClient,
    private readonly ingestQueueUrl: string,
  ) {}

  async publish(event: WebhookEvent): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.ingestQueueUrl,
        // Tenant text (the webhook's name) rides in it: escaped so that SQS takes any character.
        MessageBody: sqsSafeJson(serviceEventMessage(event)),
      }),
    );
  }
}
