import { Names, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { addApiFallbacks } from './api-fallbacks.js';
import { EscalationStateMachine } from './escalation-state-machine.js';
import { SERVICE_NAME } from './metric-names.js';
import { WebhookServiceObservability } from './observability.js';
import { createOpsTopic } from './ops-topic.js';
import { WebhookPipeline } from './pipeline.js';
import { PortalHosting } from './portal-hosting.js';
import { WebhookRestApi } from './rest-api.js';
import {
  createServiceFunctions,
  type WebhookFunctionName,
  wireServiceFunctions,
} from './service-functions.js';
import { WebhookServiceStorage } from './storage.js';
import type { WebhookFunction } from './webhook-function.js';
import { resolveServiceProps, type WebhookServiceProps } from './webhook-service-props.js';

export { FUNCTION_NAMES, type WebhookFunctionName } from './service-functions.js';
export type {
  ApiThrottleProps,
  PlanLimitProps,
  PlanLimitsProps,
  PortalProps,
  WebhookServiceProps,
} from './webhook-service-props.js';

/**
 * The webhook delivery service: tables, master key, event bus, ingest/delivery/parked queues, the
 * Lambda handlers and the REST API. See /DESIGN.md and docs/storage.md.
 *
 * The one construct to deploy; its parts: storage (lib/storage.ts), the event path (lib/pipeline.ts),
 * the functions and what each is bound to (lib/service-functions.ts), the REST API (lib/rest-api.ts),
 * the escalation workflow (lib/escalation-state-machine.ts), the ops topic (lib/ops-topic.ts), alarms
 * and dashboard (lib/observability.ts). Storage, pipeline, functions, API and topic are created in
 * this construct's own scope, so their resources keep the logical ids they always had.
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
  /** The customer portal's bucket and distribution; undefined when the `portal` prop turns it off. */
  public readonly portal?: PortalHosting;

  constructor(scope: Construct, id: string, props: WebhookServiceProps = {}) {
    super(scope, id);
    const resolved = resolveServiceProps(props);
    const baseName = this.baseName(id);

    const storage = new WebhookServiceStorage(this, { removalPolicy: resolved.removalPolicy });
    this.configTable = storage.configTable;
    this.deliveriesTable = storage.deliveriesTable;
    this.masterKeySecret = storage.masterKeySecret;

    const pipeline = new WebhookPipeline(this, { eventBusName: props.eventBusName ?? baseName });
    this.eventBus = pipeline.eventBus;
    this.ingestQueue = pipeline.ingestQueue;
    this.ingestDlq = pipeline.ingestDlq;
    this.deliveryQueue = pipeline.deliveryQueue;
    this.deliveryDlq = pipeline.deliveryDlq;
    this.parkedQueue = pipeline.parkedQueue;

    const ops = createOpsTopic(this);
    this.opsTopic = ops.topic;
    this.opsTopicKey = ops.key;

    this.functions = createServiceFunctions(this, {
      ...resolved,
      allowHttpTargets: props.allowHttpTargets ?? false,
      deployment: baseName,
    });
    this.escalationStateMachine = new EscalationStateMachine(this, 'EscalationWorkflow', {
      taskFunction: this.functions.escalation,
      maxWait: resolved.escalationWait,
      logGroupName: `/aws/vendedlogs/states/${baseName}-escalation`,
      logRetention: resolved.logRetention,
    }).stateMachine;

    const restApi = new WebhookRestApi(this, {
      baseName,
      logRetention: resolved.logRetention,
      rateLimit: resolved.rateLimit,
      burstLimit: resolved.burstLimit,
      cloudWatchRole: props.apiGatewayCloudWatchRole,
      authorizerFunction: this.functions.authorizer,
      managementFunction: this.functions['management-api'],
      publishFunction: this.functions['publish-api'],
      adminFunction: this.functions['admin-api'],
    });
    this.api = restApi.api;
    this.authorizer = restApi.authorizer;
    // The portal's CSP names the API by its id; the API's CORS names the portal's origin.
    if (resolved.portal) {
      this.portal = new PortalHosting(this, 'Portal', {
        api: this.api,
        frameAncestors: resolved.portal.frameAncestors,
        logRetention: resolved.logRetention,
      });
    }
    restApi.addGatewayResponses(this.portal?.origin);
    if (this.portal) restApi.addPortalPreflights(this.portal.origin);
    // Last: it answers for every path and method not served by then.
    addApiFallbacks(this.api, this.portal?.origin);

    wireServiceFunctions(this.functions, {
      storage,
      pipeline,
      opsTopic: this.opsTopic,
      opsTopicKey: this.opsTopicKey,
      escalationStateMachine: this.escalationStateMachine,
      escalationWait: resolved.escalationWait,
      api: this.api,
      portal: this.portal,
      alertSenderEmail: props.alertSenderEmail,
    });
    pipeline.addConsumers({
      fanout: this.functions.fanout,
      fanoutConcurrency: resolved.fanoutConcurrency,
      deliver: this.functions.deliver,
      deliveryConcurrency: resolved.deliveryConcurrency,
      deliveryBatchSize: resolved.deliveryBatchSize,
      reconciler: this.functions.reconciler,
    });

    // docs/observability.md
    this.observability = new WebhookServiceObservability(this, 'Observability', {
      ...props.alarms,
      metricsNamespace: resolved.metricsNamespace,
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
