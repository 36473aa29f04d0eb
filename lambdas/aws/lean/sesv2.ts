import type { SendEmailCommandInput, SendEmailCommandOutput } from '@aws-sdk/client-sesv2';
import { LeanJsonCommand, LeanJsonServiceClient } from './json-client.js';

/**
 * SES v2 SendEmail (REST-JSON: POST /v2/email/outbound-emails, signing name `ses`, endpoint
 * `email.<region>`) on the lean client: the alert emails. Types from @aws-sdk/client-sesv2.
 */

export class SendEmailCommand extends LeanJsonCommand<SendEmailCommandInput, SendEmailCommandOutput> {
  readonly operation = 'SendEmail';
  override readonly path = '/v2/email/outbound-emails';
}

export class LeanSesV2Client extends LeanJsonServiceClient {
  constructor(options: { readonly endpoint?: string; readonly region?: string } = {}) {
    super({ service: 'ses', endpointPrefix: 'email', ...options });
  }
}
