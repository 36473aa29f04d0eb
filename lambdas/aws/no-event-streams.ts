/**
 * Lambda bundles alias @smithy/core/event-streams to this module. The SDK's HTTP protocols load it
 * (a dynamic import) only to read or write an event-stream member, and no operation this service
 * calls (DynamoDB, SQS, SNS, SES, Step Functions, EventBridge, Secrets Manager) has one; esbuild
 * still bundles the whole codec, ~15 KB per function. Were an event stream ever met, it fails loudly
 * here instead. The local runtime and tests are not bundled and keep the real module.
 */
const unsupported = (): never => {
  throw new Error('Event streams are not bundled in this function (lambdas/aws/no-event-streams.ts)');
};

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
export const resolveEventStreamSerdeConfig = unsupported;
