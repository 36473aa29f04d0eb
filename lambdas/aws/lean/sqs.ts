import type {
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SendMessageCommandInput,
  SendMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import { LeanJsonCommand, LeanJsonServiceClient } from './json-client.js';

/**
 * SQS over its JSON protocol (AmazonSQS.*, JSON 1.0) on the lean client: the two calls the Lambda
 * functions make. Types from @aws-sdk/client-sqs, nothing of it bundled. The local runtime's poller
 * keeps the SDK.
 */

export class SendMessageCommand extends LeanJsonCommand<SendMessageCommandInput, SendMessageCommandOutput> {
  readonly operation = 'SendMessage';
}

export class SendMessageBatchCommand extends LeanJsonCommand<
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput
> {
  readonly operation = 'SendMessageBatch';
}

export interface LeanSqsOptions {
  readonly endpoint?: string;
  readonly region?: string;
}

export class LeanSqsClient extends LeanJsonServiceClient {
  constructor(options: LeanSqsOptions = {}) {
    super({ service: 'sqs', targetPrefix: 'AmazonSQS', jsonVersion: '1.0', ...options });
  }
}
