import { Duration, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EscalationStateMachine } from './escalation-state-machine.js';
import { DEPLOYMENT_ENV, SERVICE_NAME } from './metric-names.js';
import { WebhookServiceObservability } from './observability.js';
import { createOpsTopic } from './ops-topic.js';
import { WebhookRestApi } from './rest-api.js';
import { WebhookServiceStorage } from './storage.js';
import { WebhookFunction } from './webhook-function.js';
import { resolveServiceProps, type WebhookServiceProps } from './webhook-service-props.js';

export type {
  ApiThrottleProps,
  PlanLimitProps,
  PlanLimitsProps,
  WebhookServiceProps,
} from './webhook-service-props.js';

/** The handler entries (`lambdas/<name>.ts`), one function each. */
export const FUNCTION_NAMES = [
  'authorizer',
  'management-api',
  'publish-api',
  'admin-api',
  'fanout',
  'deliver',
  'reconciler',
  'escalation',
] as const;
export type WebhookFunctionName = (typeof FUNCTION_NAMES)[number];

/** Consumer timeouts; the queues they read derive their visibility timeout from these. */
const FANOUT_TIMEOUT = Duration.seconds(60);
/** A batch of up to 10 deliveries is sent concurrently, each bounded by 30 s. */
const DELIVER_TIMEOUT = Duration.seconds(60);
const API_TIMEOUT = Duration.seconds(10);
/** One escalation step: a few DynamoDB calls, an email, an SNS publish, an SQS send. */
const ESCALATION_TIMEOUT = Duration.seconds(30);
/** AWS guidance for SQS event sources: visibility timeout = 6 x the function timeout. */
const visibilityFor = (consumerTimeout: Duration): Duration =>
  Duration.seconds(6 * consumerTimeout.toSeconds());

/** SQS's largest message body (1 MiB). */
const MAX_SQS_MESSAGE_BYTES = 1_048_576;
const MAX_RECEIVE_COUNT = 5;
const DLQ_RETENTION = Duration.days(14);

const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * The webhook delivery service: tables, master key, event bus, ingest/delivery/parked queues, the
 * Lambda handlers and the REST API. See /DESIGN.md and docs/storage.md.
 */
export class WebhookService extends Construct {
  public readonly api: apigw.RestApi;
  public readonly configTable: dynamodb.Table;
  public readonly deliveriesTable: dynamodb.Table;
  public readonly eventBus: events.EventBus;
  /** Receives every event of this account published on the bus; consumed by fanout. */
  public readonly ingestQueue: sqs.Queue;
  /** Redrive DLQ of the ingest queue, and DLQ of the bus rule's target. */
  public readonly ingestDlq: sqs.Queue;
  /** One message per delivery attempt (retries re-send with DelaySeconds); consumed by deliver. */
  public readonly deliveryQueue: sqs.Queue;
  /** Redrive DLQ of the delivery queue: messages whose processing crashed `maxReceiveCount` times. */
  public readonly deliveryDlq: sqs.Queue;
  /** Deliveries that exhausted their retry policy ("retry failed" redrives them). */
  public readonly parkedQueue: sqs.Queue;
  /** The deployment's master key: signing secrets are stored encrypted under it. */
  public readonly masterKeySecret: secretsmanager.Secret;
  public readonly authorizer: apigw.RequestAuthorizer;
  public readonly functions: Readonly<Record<WebhookFunctionName, WebhookFunction>>;
  /** Escalation of failing endpoints: one Standard execution per failing episode (docs/escalation.md). */
  public readonly escalationStateMachine: sfn.StateMachine;
  /**
   * The platform team's operations topic: every escalation transition (failing, recovered,
   * disabled) and every alarm. Encrypted with `opsTopicKey`; CloudWatch alarms of this account and
   * region may publish here (lib/ops-topic.ts).
   */
  public readonly opsTopic: sns.Topic;
  public readonly opsTopicKey: kms.Key;
  /** Alarms (each notifies `opsTopic`) and the dashboard (docs/observability.md). */
  public readonly observability: WebhookServiceObservability;

  constructor(scope: Construct, id: string, props: WebhookServiceProps = {}) {
    super(scope, id);

    const {
      retentionDays,
      rateLimit,
      burstLimit,
      logRetention,
      removalPolicy,
      escalationWait,
      deliveryConcurrency,
      fanoutConcurrency,
      metricsNamespace,
      planLimitsEnvironment: quotas,
    } = resolveServiceProps(props);

    const baseName = this.baseName(id);

    // ---- storage: created in this construct's scope, under the ids it always had -------------------
    const storage = new WebhookServiceStorage(this, { removalPolicy });
    this.configTable = storage.configTable;
    this.deliveriesTable = storage.deliveriesTable;
    this.masterKeySecret = storage.masterKeySecret;

    // ---- queues --------------------------------------------------------------------------------
    const queueDefaults = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    } as const;
    // EventBridge's envelope around a 256 KB entry is larger than 256 KiB: the ingest queue, its DLQ
    // and the parked queue (which keeps unparseable messages whole) take SQS's largest message.
    const wholeEnvelopes = { maxMessageSizeBytes: MAX_SQS_MESSAGE_BYTES } as const;
    this.ingestDlq = new sqs.Queue(this, 'IngestDlq', {
      ...queueDefaults,
      ...wholeEnvelopes,
      retentionPeriod: DLQ_RETENTION,
    });
    this.ingestQueue = new sqs.Queue(this, 'IngestQueue', {
      ...queueDefaults,
      ...wholeEnvelopes,
      visibilityTimeout: visibilityFor(FANOUT_TIMEOUT),
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.deliveryDlq = new sqs.Queue(this, 'DeliveryRedriveDlq', {
      ...queueDefaults,
      retentionPeriod: DLQ_RETENTION,
    });
    this.deliveryQueue = new sqs.Queue(this, 'DeliveryQueue', {
      ...queueDefaults,
      visibilityTimeout: visibilityFor(DELIVER_TIMEOUT),
      deadLetterQueue: { queue: this.deliveryDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.parkedQueue = new sqs.Queue(this, 'ParkedQueue', {
      ...queueDefaults,
      ...wholeEnvelopes,
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(this.parkedQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'The parked queue is itself the terminal store of exhausted deliveries (a dead-letter queue written by the deliver function); nothing consumes it automatically, so it needs no DLQ of its own.',
    });

    // ---- event bus -----------------------------------------------------------------------------
    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: props.eventBusName ?? baseName });
    new events.Rule(this, 'IngestRule', {
      eventBus: this.eventBus,
      description: 'Every event of this account published on the bus goes to the ingest queue',
      eventPattern: { account: [Stack.of(this).account] },
      targets: [
        new targets.SqsQueue(this.ingestQueue, {
          deadLetterQueue: this.ingestDlq,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // ---- functions -----------------------------------------------------------------------------
    const common = {
      ALLOW_HTTP_TARGETS: String(props.allowHttpTargets ?? false),
      ALLOW_PRIVATE_TARGETS: 'false',
    };
    const history = { RETENTION_DAYS: String(retentionDays) };
    const fn = (
      name: WebhookFunctionName,
      description: string,
      environment: Record<string, string>,
      options: { timeout?: Duration; reservedConcurrentExecutions?: number } = {},
    ) =>
      new WebhookFunction(this, pascal(name), {
        name,
        description,
        timeout: options.timeout ?? API_TIMEOUT,
        reservedConcurrentExecutions: options.reservedConcurrentExecutions,
        logRetention,
        environment: { ...common, ...environment },
      });

    const authorizerFn = fn('authorizer', 'API key authorizer of the tenant routes', {});
    const managementApi = fn('management-api', 'Tenant REST API: endpoints, history, stats, retries', {
      ...history,
      ...quotas,
    });
    const publishApi = fn('publish-api', 'POST /v1/events: publishes an event to the bus', {
      ...history,
      ...quotas,
    });
    const adminApi = fn(
      'admin-api',
      'Platform admin API (IAM-authorised): accounts, API keys, event types',
      {},
    );
    const fanout = fn(
      'fanout',
      'Ingest queue consumer: one delivery per subscribed endpoint',
      { ...history, ...quotas },
      {
        timeout: FANOUT_TIMEOUT,
        reservedConcurrentExecutions: fanoutConcurrency.reservedConcurrentExecutions,
      },
    );
    const deliver = fn(
      'deliver',
      'Delivery queue consumer: signs and POSTs, records attempts, schedules retries',
      history,
      {
        timeout: DELIVER_TIMEOUT,
        reservedConcurrentExecutions: deliveryConcurrency.reservedConcurrentExecutions,
      },
    );
    const reconciler = fn(
      'reconciler',
      'Re-queues deliveries still pending long past their due time',
      history,
    );
    // ---- escalation ------------------------------------------------------------------------------
    const ops = createOpsTopic(this);
    this.opsTopic = ops.topic;
    this.opsTopicKey = ops.key;

    const escalation = fn(
      'escalation',
      'Escalation steps of failing endpoints: alerts, re-check, auto-disable',
      {},
      { timeout: ESCALATION_TIMEOUT },
    );
    this.escalationStateMachine = new EscalationStateMachine(this, 'EscalationWorkflow', {
      taskFunction: escalation,
      maxWait: escalationWait,
      logGroupName: `/aws/vendedlogs/states/${baseName}-escalation`,
      logRetention,
    }).stateMachine;

    this.functions = {
      authorizer: authorizerFn,
      'management-api': managementApi,
      'publish-api': publishApi,
      'admin-api': adminApi,
      fanout,
      deliver,
      reconciler,
      escalation,
    };

    // ---- wiring: each function's resources, environment and grants together --------------------
    const config = this.configTable;
    const deliveries = this.deliveriesTable;
    const sender = props.alertSenderEmail;
    const bothTables = (handler: WebhookFunction) =>
      handler.useConfigTable(config, 'readwrite').useDeliveriesTable(deliveries, 'readwrite');
    authorizerFn.useConfigTable(config, 'read').useDeliveriesTable(deliveries, 'none');
    bothTables(managementApi).readsMasterKey(this.masterKeySecret).sendsToDeliveryQueue(this.deliveryQueue);
    bothTables(publishApi).publishesToBus(this.eventBus);
    adminApi.useConfigTable(config, 'readwrite').useDeliveriesTable(deliveries, 'none');
    // Bus events that cannot be parsed are parked with their reason, never dropped.
    bothTables(fanout).sendsToDeliveryQueue(this.deliveryQueue).parksIn(this.parkedQueue);
    bothTables(deliver)
      .readsMasterKey(this.masterKeySecret)
      .sendsToDeliveryQueue(this.deliveryQueue)
      .parksIn(this.parkedQueue)
      .startsEscalations(this.escalationStateMachine, escalationWait.toSeconds());
    // readwrite on config: it also sends the queued alert-address confirmation mails (docs/escalation.md).
    reconciler.useDeliveriesTable(deliveries, 'readwrite').useConfigTable(config, 'readwrite');
    if (sender) reconciler.sendsAlertMailAs(sender);
    reconciler.sendsToDeliveryQueue(this.deliveryQueue);
    // escalation: the endpoint's configuration and counters, the ingest queue (operational events go
    // to fan-out directly, never through the bus: docs/bus.md), the ops topic, the sender.
    escalation
      .useConfigTable(config, 'readwrite')
      .useDeliveriesTable(deliveries, 'none')
      .sendsToIngestQueue(this.ingestQueue)
      .publishesToOpsTopic(this.opsTopic, this.opsTopicKey);
    if (sender) escalation.sendsAlertMailAs(sender);

    // ---- event sources (these also grant consume on their queue) --------------------------------
    fanout.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: fanoutConcurrency.maxConcurrency,
      }),
    );
    deliver.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: deliveryConcurrency.maxConcurrency,
      }),
    );

    new events.Rule(this, 'ReconcileSchedule', {
      description: 'Runs the delivery reconciler',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(reconciler, { retryAttempts: 2 })],
    });

    // ---- REST API: created in this construct's scope, under the ids it always had ------------------
    const restApi = new WebhookRestApi(this, {
      baseName,
      logRetention,
      rateLimit,
      burstLimit,
      cloudWatchRole: props.apiGatewayCloudWatchRole,
      authorizerFunction: authorizerFn,
      managementFunction: managementApi,
      publishFunction: publishApi,
      adminFunction: adminApi,
    });
    this.api = restApi.api;
    this.authorizer = restApi.authorizer;
    escalation.linksToApi(this.api);
    // The confirmation links the reconciler mails (it is no API integration: no dependency cycle).
    reconciler.linksToApi(this.api);

    // ---- observability (docs/observability.md) -----------------------------------------------------
    for (const emitter of [fanout, deliver, authorizerFn]) {
      emitter.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', metricsNamespace);
      emitter.addEnvironment(DEPLOYMENT_ENV, baseName);
    }
    this.observability = new WebhookServiceObservability(this, 'Observability', {
      ...props.alarms,
      metricsNamespace,
      serviceName: SERVICE_NAME,
      deployment: baseName,
      alarmTopic: this.opsTopic,
      functions: this.functions,
      authorizerFunction: 'authorizer',
      deadLetterQueues: {
        'ingest-dlq': this.ingestDlq,
        'delivery-redrive-dlq': this.deliveryDlq,
        'parked-queue': this.parkedQueue,
      },
      workQueues: { 'ingest-queue': this.ingestQueue, 'delivery-queue': this.deliveryQueue },
      api: this.api,
      dashboardName: props.dashboardName,
    });
  }

  /** `<stack name>-<id>` when the stack name is known at synth time, else a unique name. */
  private baseName(id: string): string {
    const stackName = Stack.of(this).stackName;
    if (Token.isUnresolved(stackName)) {
      return Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    }
    return `${stackName}-${id}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200);
  }
}
