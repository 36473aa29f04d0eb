import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The local twin of a Lambda SQS event source mapping: long-polls a queue, hands batches (up to
 * `batchSize`, gathered from receives of 10 within `batchingWindowMs` as Lambda does) to the handler, deletes what succeeded and leaves the reported failures (and everything, if
 * the handler throws) to come back after the visibility timeout, as Lambda does.
 */

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface SqsPollerOptions {
  readonly concurrency: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** How long a batch larger than 10 may take to fill once its first message came. @default 1000 */
  readonly batchingWindowMs?: number;
  readonly onError?: (error: unknown) => void;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export class SqsPoller {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly aborter = new AbortController();

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly queueArn: string,
    private readonly handler: SqsHandler,
    private readonly options: SqsPollerOptions,
  ) {}

  start(): void {
    this.running = true;
    for (let index = 0; index < this.options.concurrency; index++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.aborter.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private receive(max: number, waitSeconds: number): Promise<Message[]> {
    return this.client
      .send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          // SQS hands out at most 10 a receive; Lambda's pollers gather bigger batches from several.
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
        }),
        { abortSignal: this.aborter.signal },
      )
      .then((received) => received.Messages ?? []);
  }

  /** A batch as Lambda would invoke with: full, or the window over since the first message. */
  private async gather(): Promise<Message[]> {
    const batchSize = this.options.batchSize ?? 10;
    const messages = await this.receive(batchSize, 1);
    if (messages.length === 0 || batchSize <= 10) return messages;
    const closesAt = Date.now() + (this.options.batchingWindowMs ?? 1000);
    while (messages.length < batchSize && Date.now() < closesAt && this.running) {
      const more = await this.receive(batchSize - messages.length, 0);
      if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      messages.push(...more);
    }
    return messages;
  }

  private async pollOnce(): Promise<void> {
    const messages = await this.gather();
    if (messages.length === 0) return;
    const records = messages.map((message) => toRecord(message, this.queueArn));
    let failedIds: Set<string>;
    try {
      const response = await this.handler({ Records: records });
      failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      // Like Lambda: a thrown handler error fails the whole batch; it comes back after the timeout.
      this.options.onError?.(error);
      return;
    }
    const done = records.filter((record) => !failedIds.has(record.messageId));
    if (done.length === 0) return;
    // DeleteMessageBatch takes 10 entries at most.
    for (let start = 0; start < done.length; start += 10) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done
            .slice(start, start + 10)
            .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
  }
}
