import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OpsNotice, OpsNotifier } from '../domain/ports/alerting.js';

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
export function snsSubject(subject: string): string {
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/**
 * Escalation transitions to the platform team's topic. The message is JSON (subscribers filter on
 * the `transition` message attribute or parse the body); email subscriptions get it as text.
 */
export class SnsOpsNotifier implements OpsNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(notice: OpsNotice): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(`[webhooks] ${notice.subject}`),
        Message: JSON.stringify(
          {
            transition: notice.transition,
            account_id: notice.accountId,
            webhook_id: notice.webhookId,
            episode: notice.episode,
            summary: notice.message,
            detail: notice.detail,
          },
          null,
          2,
        ),
        MessageAttributes: {
          transition: { DataType: 'String', StringValue: notice.transition },
          account_id: { DataType: 'String', StringValue: notice.accountId },
        },
      }),
    );
  }
}
