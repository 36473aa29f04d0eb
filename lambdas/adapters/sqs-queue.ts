import { type LeanSqsClient, SendMessageBatchCommand, SendMessageCommand } from '../aws/lean/sqs.js';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../domain/ports/queues.js';
import { sqsSafeJson } from '../domain/sqs-text.js';

const BATCH = 10;

/** Delivery jobs on SQS: SendMessageBatch in tens, failed entries retried once, then an error. */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: LeanSqsClient,
    private readonly queueUrl: string,
    private readonly parkedQueueUrl?: string,
  ) {}

  async enqueue(jobs: readonly DeliveryJob[], delaySeconds = 0): Promise<void> {
    for (let start = 0; start < jobs.length; start += BATCH) {
      await this.sendBatch(jobs.slice(start, start + BATCH), delaySeconds);
    }
  }

  private async sendBatch(
    jobs: readonly DeliveryJob[],
    delaySeconds: number,
    retried = false,
  ): Promise<void> {
    const result = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: jobs.map((job, index) => ({
          Id: String(index),
          // Ids, an account id (letters, digits, _ and -) and a date only: no outside text ever rides in a
          // job, so plain JSON is SQS-safe.
          MessageBody: JSON.stringify(job),
          DelaySeconds: delaySeconds,
        })),
      }),
    );
    const failed = (result.Failed ?? [])
      .map((entry) => jobs[Number(entry.Id)])
      .filter((job) => job !== undefined);
    if (failed.length === 0) return;
    if (retried)
      throw new Error(`SQS rejected ${failed.length} delivery job(s): ${result.Failed?.[0]?.Message}`);
    await this.sendBatch(failed, delaySeconds, true);
  }

  async park(record: ParkedRecord): Promise<void> {
    if (!this.parkedQueueUrl) throw new Error('No parked queue configured');
    await this.client.send(
      // A parked record carries outside text (a receiver's response, a publisher's message): escaped
      // so SQS takes any character in it.
      new SendMessageCommand({ QueueUrl: this.parkedQueueUrl, MessageBody: sqsSafeJson(record) }),
    );
  }
}
