import { type LeanSesV2Client, SendEmailCommand } from '../aws/lean/sesv2.js';
import type { EmailMessage, Mailer } from '../domain/ports/alerting.js';

/** Alert emails through SES v2, from the verified identity the construct was given. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: LeanSesV2Client,
    private readonly fromAddress: string,
  ) {}

  async send(message: EmailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.fromAddress,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: message.text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}

/**
 * The mailer of a deployment without `alertSenderEmail`: escalation still runs (SNS, operational
 * events, auto-disable); each email it would have sent is logged and skipped.
 */
export class SkippingMailer implements Mailer {
  constructor(private readonly onSkip: (message: EmailMessage) => void) {}

  async send(message: EmailMessage): Promise<void> {
    this.onSkip(message);
  }
}
