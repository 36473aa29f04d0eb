import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ConsumerConcurrency } from './consumer-concurrency.js';
import { DELIVER_TIMEOUT, FANOUT_TIMEOUT } from './service-functions.js';

/** SQS's largest message body (1 MiB). */
const MAX_SQS_MESSAGE_BYTES = 1_048_576;
const MAX_RECEIVE_COUNT = 5;
const DLQ_RETENTION = Duration.days(14);
/** AWS guidance for SQS event sources: visibility timeout = 6 x the function timeout. */
const visibilityFor = (consumerTimeout: Duration): Duration =>
  Duration.seconds(6 * consumerTimeout.toSeconds());

export interface WebhookPipelineProps {
  /** Name of the EventBridge bus internal services publish to. */
  readonly eventBusName: string;
}

/** The consumers of the pipeline and how many of each the event sources may run at once. */
export interface PipelineConsumers {
  /** Consumes the ingest queue. */
  readonly fanout: lambda.IFunction;
  readonly fanoutConcurrency: ConsumerConcurrency;
  /** Consumes the delivery queue. */
  readonly deliver: lambda.IFunction;
  readonly deliveryConcurrency: ConsumerConcurrency;
  /** Jobs per deliver invocation; above 10 with a one-second batching window. */
  readonly deliveryBatchSize: number;
  /** Runs every 5 minutes. */
  readonly reconciler: lambda.IFunction;
}

/**
 * The event path (DESIGN.md, "The flow"; each queue's role is documented on WebhookService): the bus
 * and its rule to the ingest queue, the delivery queue, their redrive DLQs and the parked queue;
 * `addConsumers` attaches fanout and deliver to their queues and schedules the reconciler.
 *
 * Created directly in `scope` under the ids they always had (`IngestQueue`, `EventBus`, ...), not
 * under a construct of its own: a replaced queue loses the messages in it.
 */
export class WebhookPipeline {
  public readonly eventBus: events.EventBus;
  public readonly ingestQueue: sqs.Queue;
  public readonly ingestDlq: sqs.Queue;
  public readonly deliveryQueue: sqs.Queue;
  public readonly deliveryDlq: sqs.Queue;
  public readonly parkedQueue: sqs.Queue;

  constructor(
    private readonly scope: Construct,
    props: WebhookPipelineProps,
  ) {
    const queueDefaults = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    } as const;
    // EventBridge's envelope around a 256 KB entry is larger than 256 KiB: the ingest queue, its DLQ
    // and the parked queue (which keeps unparseable messages whole) take SQS's largest message.
    const wholeEnvelopes = { maxMessageSizeBytes: MAX_SQS_MESSAGE_BYTES } as const;
    this.ingestDlq = new sqs.Queue(scope, 'IngestDlq', {
      ...queueDefaults,
      ...wholeEnvelopes,
      retentionPeriod: DLQ_RETENTION,
    });
    this.ingestQueue = new sqs.Queue(scope, 'IngestQueue', {
      ...queueDefaults,
      ...wholeEnvelopes,
      visibilityTimeout: visibilityFor(FANOUT_TIMEOUT),
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.deliveryDlq = new sqs.Queue(scope, 'DeliveryRedriveDlq', {
      ...queueDefaults,
      retentionPeriod: DLQ_RETENTION,
    });
    this.deliveryQueue = new sqs.Queue(scope, 'DeliveryQueue', {
      ...queueDefaults,
      visibilityTimeout: visibilityFor(DELIVER_TIMEOUT),
      deadLetterQueue: { queue: this.deliveryDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.parkedQueue = new sqs.Queue(scope, 'ParkedQueue', {
      ...queueDefaults,
      ...wholeEnvelopes,
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(this.parkedQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The parked queue is itself the terminal store of exhausted deliveries (a dead-letter queue written by the deliver function); nothing consumes it automatically, so it needs no DLQ of its own.',
    });

    this.eventBus = new events.EventBus(scope, 'EventBus', { eventBusName: props.eventBusName });
    new events.Rule(scope, 'IngestRule', {
      eventBus: this.eventBus,
      description: 'Every event of this account published on the bus goes to the ingest queue',
      eventPattern: { account: [Stack.of(scope).account] },
      targets: [
        new targets.SqsQueue(this.ingestQueue, {
          deadLetterQueue: this.ingestDlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }

  /** The queues' event sources (these also grant consume on their queue) and the reconciler's schedule. */
  public addConsumers(consumers: PipelineConsumers): void {
    consumers.fanout.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: consumers.fanoutConcurrency.maxConcurrency,
      }),
    );
    consumers.deliver.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: consumers.deliveryBatchSize,
        // Lambda takes more than 10 messages a batch only with a batching window.
        ...(consumers.deliveryBatchSize > 10 ? { maxBatchingWindow: Duration.seconds(1) } : {}),
        reportBatchItemFailures: true,
        maxConcurrency: consumers.deliveryConcurrency.maxConcurrency,
      }),
    );
    new events.Rule(this.scope, 'ReconcileSchedule', {
      description: 'Runs the delivery reconciler',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(consumers.reconciler, { retryAttempts: 2 })],
    });
  }
}
