import type { SQSEvent } from 'aws-lambda';
import type { AwsMeter } from '../../bench/aws-meter.js';
import {
  createDependencies,
  dynamoDbPorts,
  escalationStarterPorts,
  outboundPorts,
  secretPorts,
} from '../../lambdas/composition.js';
import type { Webhook, WebhookEvent } from '../../lambdas/domain/model.js';
import type { EscalationStarter } from '../../lambdas/domain/ports/alerting.js';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../../lambdas/domain/ports/queues.js';
import { createWebhookBody } from '../../lambdas/domain/schemas.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { createWebhook } from '../../lambdas/services/webhooks.js';
import { dynamoConfig, type TestDynamo } from './dynamodb.js';
import { anAccount, anEvent, anEventType, aWebhookBody } from './factories.js';

/**
 * Fan-out and the deliver handler driven by hand against dynalite: a queue that records the jobs
 * sent, the dependencies of both, jobs as SQS hands them over, and an account with endpoints.
 */

export class RecordingDeliveryQueue implements DeliveryQueue {
  readonly sent: { job: DeliveryJob; delaySeconds: number }[] = [];
  readonly parked: ParkedRecord[] = [];
  async enqueue(jobs: readonly DeliveryJob[], delaySeconds = 0): Promise<void> {
    this.sent.push(...jobs.map((job) => ({ job, delaySeconds })));
  }
  async park(record: ParkedRecord): Promise<void> {
    this.parked.push(record);
  }
  /** The jobs sent so far, which are then forgotten. */
  take(): DeliveryJob[] {
    return this.sent.splice(0).map(({ job }) => job);
  }
}

const escalations: EscalationStarter = { start: async () => undefined };

/** Real adapters on `dynamo`, the recording queue, no escalation; metered when given a meter. */
export function deliveryDependencies(
  dynamo: TestDynamo,
  queue: RecordingDeliveryQueue,
  meter?: AwsMeter,
): Dependencies {
  return createDependencies(
    dynamoConfig(dynamo, {
      masterKey: async () => 'test-master-key',
      escalation: escalations,
      ...(meter ? { instrument: meter.instrument } : {}),
    }),
    { ...dynamoDbPorts, ...secretPorts, ...outboundPorts, ...escalationStarterPorts, queue: () => queue },
  );
}

/** The jobs as SQS hands them to the handler; `receiveCount` above 1 is a job handed over again. */
export function sqsEventOf(jobs: readonly DeliveryJob[], receiveCount = 1): SQSEvent {
  return {
    Records: jobs.map((job, index) => ({
      messageId: `m-${index}-${job.deliveryId}`,
      receiptHandle: `r-${index}`,
      body: JSON.stringify(job),
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:delivery',
      awsRegion: 'us-east-1',
    })),
  };
}

/** An enterprise account, an event type, `count` endpoints at `receiverUrl`/<n>, and its events. */
export async function anAccountWithEndpoints(deps: Dependencies, receiverUrl: string, count: number) {
  const account = anAccount({ plan: 'enterprise' });
  await deps.accounts.create(account);
  const eventType = anEventType();
  await deps.eventTypes.put(eventType);
  const webhooks: Webhook[] = [];
  for (let index = 0; index < count; index++) {
    const { webhook } = await createWebhook(
      deps,
      account.id,
      createWebhookBody.parse(aWebhookBody({ url: `${receiverUrl}/${index}`, events: [eventType.name] })),
    );
    webhooks.push(webhook);
  }
  const event = (): WebhookEvent =>
    anEvent({ accountId: account.id, type: eventType.name, timeMs: Date.now() });
  return { account, webhooks, event };
}
