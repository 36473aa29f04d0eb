import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ConsumerConcurrency } from './consumer-concurrency.js';
import { DEPLOYMENT_ENV } from './metric-names.js';
import type { WebhookPipeline } from './pipeline.js';
import type { PortalHosting } from './portal-hosting.js';
import type { WebhookServiceStorage } from './storage.js';
import { CONFIG_INDEX } from './storage-schema.js';
import { WebhookFunction } from './webhook-function.js';

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
export type ServiceFunctions = Readonly<Record<WebhookFunctionName, WebhookFunction>>;

/** Consumer timeouts; the queues they read derive their visibility timeout from these (lib/pipeline.ts). */
export const FANOUT_TIMEOUT = Duration.seconds(60);
/** A batch of up to 10 deliveries is sent concurrently, each bounded by 30 s. */
export const DELIVER_TIMEOUT = Duration.seconds(60);
const API_TIMEOUT = Duration.seconds(10);
/** One escalation step: a few DynamoDB calls, an email, an SNS publish, an SQS send. */
const ESCALATION_TIMEOUT = Duration.seconds(30);

export interface ServiceFunctionsProps {
  /** Retention of each function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** RETENTION_DAYS of the functions that write history. */
  readonly retentionDays: number;
  /** ALLOW_HTTP_TARGETS of every function. */
  readonly allowHttpTargets: boolean;
  /** PLAN_LIMITS of the functions that enforce quotas; empty when the defaults stand. */
  readonly planLimitsEnvironment: Readonly<Record<string, string>>;
  /** Reserved concurrency of fanout, when one is reserved. */
  readonly fanoutConcurrency: ConsumerConcurrency;
  /** Reserved concurrency of deliver, when one is reserved. */
  readonly deliveryConcurrency: ConsumerConcurrency;
  /** POWERTOOLS_METRICS_NAMESPACE of the functions that emit the service's metrics. */
  readonly metricsNamespace: string;
  /** The `deployment` dimension of those metrics. */
  readonly deployment: string;
}

/**
 * The service's functions with their settings (timeouts, concurrency, the environment that names no
 * resource), created in `scope` under the ids they always had (`ManagementApi`, `Deliver`, ...).
 * What each may touch is bound afterwards by `wireServiceFunctions`.
 */
export function createServiceFunctions(scope: Construct, props: ServiceFunctionsProps): ServiceFunctions {
  const history = { RETENTION_DAYS: String(props.retentionDays) };
  const quotas = props.planLimitsEnvironment;
  const metrics = {
    POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
    [DEPLOYMENT_ENV]: props.deployment,
  };
  const fn = (
    name: WebhookFunctionName,
    description: string,
    environment: Readonly<Record<string, string>>,
    options: { timeout?: Duration; reservedConcurrentExecutions?: number } = {},
  ) =>
    new WebhookFunction(scope, pascal(name), {
      name,
      description,
      timeout: options.timeout ?? API_TIMEOUT,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      logRetention: props.logRetention,
      environment: {
        ALLOW_HTTP_TARGETS: String(props.allowHttpTargets),
        ALLOW_PRIVATE_TARGETS: 'false',
        ...environment,
      },
    });

  return {
    authorizer: fn('authorizer', 'API key authorizer of the tenant routes', metrics),
    'management-api': fn('management-api', 'Tenant REST API: endpoints, history, stats, retries', {
      ...history,
      ...quotas,
    }),
    'publish-api': fn('publish-api', 'POST /v1/events: publishes an event to the bus', {
      ...history,
      ...quotas,
    }),
    'admin-api': fn('admin-api', 'Platform admin API (IAM-authorised): accounts, API keys, event types', {}),
    fanout: fn(
      'fanout',
      'Ingest queue consumer: one delivery per subscribed endpoint',
      { ...history, ...quotas, ...metrics },
      {
        timeout: FANOUT_TIMEOUT,
        reservedConcurrentExecutions: props.fanoutConcurrency.reservedConcurrentExecutions,
      },
    ),
    deliver: fn(
      'deliver',
      'Delivery queue consumer: signs and POSTs, records attempts, schedules retries',
      { ...history, ...metrics },
      {
        timeout: DELIVER_TIMEOUT,
        reservedConcurrentExecutions: props.deliveryConcurrency.reservedConcurrentExecutions,
      },
    ),
    reconciler: fn('reconciler', 'Re-queues deliveries still pending long past their due time', history),
    escalation: fn(
      'escalation',
      'Escalation steps of failing endpoints: alerts, re-check, auto-disable',
      {},
      { timeout: ESCALATION_TIMEOUT },
    ),
  };
}

/** What the functions are bound to. */
export interface ServiceResources {
  readonly storage: WebhookServiceStorage;
  readonly pipeline: WebhookPipeline;
  readonly opsTopic: sns.ITopic;
  readonly opsTopicKey: kms.IKey;
  /** The state machine deliver starts for a failing endpoint. */
  readonly escalationStateMachine: sfn.IStateMachine;
  /** The wait deliver starts escalations with. */
  readonly escalationWait: Duration;
  /** The API whose URL the mails link to. */
  readonly api: apigw.RestApi;
  /**
   * The customer portal: the admin function mints links to it, escalation mails link to it, and the
   * functions behind the routes it calls answer its origin with CORS headers.
   * @default - no portal
   */
  readonly portal?: PortalHosting;
  /**
   * The SES identity alert mails are sent from.
   * @default - no alert mails
   */
  readonly alertSenderEmail?: string;
}

/**
 * The one place that says what each function may touch: each binding sets the variable naming a
 * resource and grants its use together (lib/webhook-function.ts). Least privilege: every function is
 * given only what its handler calls, and test/infra/function-wiring.test.ts checks this against the
 * ports each one wires (lambdas/composition.ts).
 */
export function wireServiceFunctions(functions: ServiceFunctions, resources: ServiceResources): void {
  const { configTable: config, deliveriesTable: deliveries, masterKeySecret } = resources.storage;
  const { deliveryQueue, parkedQueue, ingestQueue, eventBus } = resources.pipeline;
  const sender = resources.alertSenderEmail;
  const bothTables = (handler: WebhookFunction) =>
    handler.useConfigTable(config, 'readwrite').useDeliveriesTable(deliveries, 'readwrite');

  // UpdateItem of a key's last_used_at alone, at most once an hour per key (docs/storage.md).
  functions.authorizer
    .useConfigTable(config, 'read')
    .recordsKeyUse(config)
    .useDeliveriesTable(deliveries, 'none');
  bothTables(functions['management-api']).readsMasterKey(masterKeySecret).sendsToDeliveryQueue(deliveryQueue);
  bothTables(functions['publish-api']).publishesToBus(eventBus);
  // admin-api also serves the portal-link exchange (POST /v1/portal/sessions: a link, then a session
  // key, both config-table items; docs/portal.md), which needs nothing more.
  // The account_items index: the admin listings and account deletion (docs/storage.md), nobody else's.
  functions['admin-api']
    .useConfigTable(config, 'readwrite', [CONFIG_INDEX.accountItems])
    .useDeliveriesTable(deliveries, 'none');
  // Bus events that cannot be parsed are parked with their reason, never dropped.
  bothTables(functions.fanout).sendsToDeliveryQueue(deliveryQueue).parksIn(parkedQueue);
  bothTables(functions.deliver)
    .readsMasterKey(masterKeySecret)
    .sendsToDeliveryQueue(deliveryQueue)
    .parksIn(parkedQueue)
    .startsEscalations(resources.escalationStateMachine, resources.escalationWait.toSeconds());

  // readwrite on config: it also sends the queued alert-address confirmation mails (docs/escalation.md),
  // with links to the API (it is no API integration: no dependency cycle).
  const reconciler = functions.reconciler;
  // The account_items index too: an account purge's remaining keys, portal links and mail tokens.
  reconciler
    .useDeliveriesTable(deliveries, 'readwrite')
    .useConfigTable(config, 'readwrite', [CONFIG_INDEX.accountItems]);
  if (sender) reconciler.sendsAlertMailAs(sender);
  reconciler.sendsToDeliveryQueue(deliveryQueue).linksToApi(resources.api);

  // escalation: the endpoint's configuration and counters, the ingest queue (operational events go
  // to fan-out directly, never through the bus: docs/bus.md), the ops topic, the sender.
  const escalation = functions.escalation
    .useConfigTable(config, 'readwrite')
    .useDeliveriesTable(deliveries, 'none')
    .sendsToIngestQueue(ingestQueue)
    .publishesToOpsTopic(resources.opsTopic, resources.opsTopicKey);
  if (sender) escalation.sendsAlertMailAs(sender);
  escalation.linksToApi(resources.api);

  const portal = resources.portal;
  if (portal) {
    functions['admin-api'].linksToPortal(portal).allowsPortalOrigin(portal);
    functions['management-api'].allowsPortalOrigin(portal);
    functions['publish-api'].allowsPortalOrigin(portal);
    escalation.linksToPortal(portal);
  }
}

const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
