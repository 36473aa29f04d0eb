import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { isFrameAncestorOrigin } from '../portal/security-headers.js';
import {
  type ConsumerConcurrency,
  consumerConcurrency,
  DEFAULT_DELIVERY_CONCURRENCY,
  DEFAULT_FANOUT_CONCURRENCY,
} from './consumer-concurrency.js';
import { DEFAULT_METRICS_NAMESPACE } from './metric-names.js';
import type { WebhookServiceAlarmsProps } from './observability.js';

/** The props of the WebhookService construct, their defaults and their validation. */

/** API Gateway stage throttling (account-wide limits still apply on top). */
export interface ApiThrottleProps {
  /**
   * Steady-state requests per second across the whole stage.
   * @default 50
   */
  readonly rateLimit?: number;
  /**
   * Maximum burst of concurrent requests across the whole stage.
   * @default 100
   */
  readonly burstLimit?: number;
}

export interface WebhookServiceProps {
  /**
   * How long delivery history (events, deliveries, attempts) is kept before DynamoDB TTL expires it.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * SES identity (verified email address) that failing-endpoint alert emails are sent from. The
   * escalation function may send from this address only (its own identity, or its domain's).
   * @default - no alert emails: each one is logged and skipped; escalation still notifies the ops
   * topic, publishes the operational events and disables endpoints
   */
  readonly alertSenderEmail?: string;
  /**
   * How long escalation waits after alerting before it re-checks an endpoint and disables it.
   * @default Duration.hours(72)
   */
  readonly escalationWait?: Duration;
  /**
   * Throttling of the REST API stage.
   * @default - { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ApiThrottleProps;
  /**
   * Retention of the functions' log groups and of the API access log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the tables and of the master key secret (they live and die together: the
   * secret decrypts the signing secrets stored in the config table).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Maximum concurrency of the deliver function: the delivery queue's event source
   * (`ScalingConfig.MaximumConcurrency`) never runs more than this many invocations, a whole number
   * from 2 to 1000. A value given here is also reserved for deliver, so that the event source never
   * invokes more than deliver may run (throttled invocations burn receive counts).
   * @default 50 - not reserved. Each invocation sends a batch of up to 10 jobs concurrently (30 s
   * each at most), so 50 is up to 500 requests in flight: tens of thousands of deliveries a minute
   * to healthy receivers, while slow ones cannot take the account's whole concurrency (1000 by
   * default) from the API and everything else; the queue absorbs the rest. Reserving nothing lets
   * the stack deploy in accounts whose concurrency quota has nothing left to reserve.
   */
  readonly deliveryConcurrency?: number;
  /**
   * Delivery jobs per deliver invocation (the delivery queue's event source `batchSize`), a whole
   * number from 1 to 1000. Above 10, Lambda waits up to one second to fill a batch
   * (`maxBatchingWindow`): fewer, larger batches write an endpoint's stats once per batch, poll less
   * and log less (docs/cost.md), at up to a second of latency when traffic is low. 10 or less: no
   * wait, and about five times the DynamoDB stats writes.
   * @default 100
   */
  readonly deliveryBatchSize?: number;
  /**
   * Maximum concurrency of the fanout function (the ingest queue's event source), a whole number
   * from 2 to 1000. A value given here is also reserved for fanout, as for `deliveryConcurrency`.
   * @default 10 - not reserved. One event becomes up to thousands of delivery jobs, so a few fan-out
   * invocations already outpace what deliver drains; more would only grow the delivery queue
   * faster and add DynamoDB load.
   */
  readonly fanoutConcurrency?: number;
  /**
   * Accept `http://` endpoint URLs. For non-production deployments only.
   * @default false
   */
  readonly allowHttpTargets?: boolean;
  /**
   * Name of the EventBridge bus that internal services publish to.
   * @default - `<stack name>-<construct id>`
   */
  readonly eventBusName?: string;
  /**
   * Create the API Gateway CloudWatch role and set it as the account's (`AWS::ApiGateway::Account`,
   * retained when the stack is deleted). API Gateway writes the stage's execution and access logs
   * through that one role per account and region, shared by every API there: most accounts have it
   * already, and creating it here would silently replace it. Turn it on only in an account and
   * region where no API Gateway CloudWatch role is set yet (the deploy then fails with "CloudWatch
   * Logs role ARN must be set in account settings to enable logging").
   * @default false
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * Quotas of the account plans, over the defaults (seed 000): scale 20 webhooks and 100,000 events
   * a day, pro 50 and 500,000, enterprise unlimited. `null` is unlimited; what is not named keeps
   * its default.
   * @default - the defaults
   */
  readonly planLimits?: PlanLimitsProps;
  /**
   * Thresholds of the alarms (docs/observability.md). Every alarm notifies `opsTopic`.
   * @default - 20% failed delivery attempts over 15 minutes (from 20 attempts on)
   */
  readonly alarms?: WebhookServiceAlarmsProps;
  /**
   * CloudWatch namespace of the service's own metrics (deliveries, latency, fan-out size, ...).
   * Each deployment's metrics also carry a `deployment` dimension, `<stack name>-<construct id>`.
   * @default 'ServerlessWebhooks'
   */
  readonly metricsNamespace?: string;
  /**
   * Name of the CloudWatch dashboard.
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
  /**
   * The customer portal (docs/portal.md): a private S3 bucket served through CloudFront, CORS on
   * the tenant routes for its origin, and PORTAL_URL for the portal links.
   * @default - the portal, not framable
   */
  readonly portal?: PortalProps;
}

/** The customer portal's hosting (docs/portal.md, "Hosting in AWS"). */
export interface PortalProps {
  /**
   * Host the portal. Off: no bucket, no distribution, no CORS on the API, and minting a portal link
   * answers 409 `portal_unavailable`.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Origins allowed to embed the portal in an iframe (CSP `frame-ancestors`), each
   * `https://host[:port]` with nothing after it, e.g. `https://app.example.com`.
   * @default - none: the portal cannot be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`)
   */
  readonly frameAncestors?: readonly string[];
}

/** One plan's quotas; `null` = unlimited. */
export interface PlanLimitProps {
  readonly maxWebhooks?: number | null;
  readonly maxEventsPerDay?: number | null;
}

/** Per-plan quota overrides (docs/quotas.md). */
export interface PlanLimitsProps {
  readonly scale?: PlanLimitProps;
  readonly pro?: PlanLimitProps;
  readonly enterprise?: PlanLimitProps;
}

const DEFAULT_ESCALATION_WAIT = Duration.hours(72);
const DEFAULT_DELIVERY_BATCH_SIZE = 100;
/** Standard executions live at most a year; the state machine's timeout adds a day to the wait. */
const MAX_ESCALATION_WAIT = Duration.days(364);

/** WebhookServiceProps with every default applied, validated. */
export interface ResolvedServiceProps {
  readonly retentionDays: number;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly escalationWait: Duration;
  readonly deliveryConcurrency: ConsumerConcurrency;
  readonly deliveryBatchSize: number;
  readonly fanoutConcurrency: ConsumerConcurrency;
  readonly metricsNamespace: string;
  /** PLAN_LIMITS of the functions that enforce quotas; empty when the defaults stand. */
  readonly planLimitsEnvironment: Readonly<Record<string, string>>;
  /** The portal's hosting; undefined when it is off. */
  readonly portal: { readonly frameAncestors: readonly string[] } | undefined;
}

/** Applies the defaults and rejects what cannot be deployed, naming the prop and its rule. */
export function resolveServiceProps(props: WebhookServiceProps): ResolvedServiceProps {
  const retentionDays = props.retentionDays ?? 30;
  const rateLimit = props.apiThrottle?.rateLimit ?? 50;
  const burstLimit = props.apiThrottle?.burstLimit ?? 100;
  validateProps(props, { retentionDays, rateLimit, burstLimit });
  return {
    retentionDays,
    rateLimit,
    burstLimit,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    escalationWait: props.escalationWait ?? DEFAULT_ESCALATION_WAIT,
    deliveryBatchSize: props.deliveryBatchSize ?? DEFAULT_DELIVERY_BATCH_SIZE,
    deliveryConcurrency: consumerConcurrency(
      'deliveryConcurrency',
      props.deliveryConcurrency,
      DEFAULT_DELIVERY_CONCURRENCY,
    ),
    fanoutConcurrency: consumerConcurrency(
      'fanoutConcurrency',
      props.fanoutConcurrency,
      DEFAULT_FANOUT_CONCURRENCY,
    ),
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    planLimitsEnvironment: planLimitsEnvironment(props.planLimits),
    portal: resolvePortal(props.portal),
  };
}

function resolvePortal(portal: PortalProps = {}): ResolvedServiceProps['portal'] {
  if (portal.enabled === false) return undefined;
  const frameAncestors = [...(portal.frameAncestors ?? [])];
  for (const origin of frameAncestors) {
    if (!isFrameAncestorOrigin(origin)) {
      throw new Error(
        `portal.frameAncestors: '${origin}' is not an origin: https://host[:port], with no path, wildcard or trailing slash`,
      );
    }
  }
  return { frameAncestors };
}

/**
 * PLAN_LIMITS for the functions that enforce quotas (management API, publish API, fan-out), in the
 * snake_case JSON lambdas/domain/plans.ts parses; nothing when the defaults stand.
 */
function planLimitsEnvironment(planLimits: PlanLimitsProps | undefined): Record<string, string> {
  if (!planLimits) return {};
  const json: Record<string, Record<string, number | null>> = {};
  for (const [plan, limits] of Object.entries(planLimits) as [string, PlanLimitProps | undefined][]) {
    if (!['scale', 'pro', 'enterprise'].includes(plan)) throw new Error(`planLimits: unknown plan '${plan}'`);
    if (!limits) continue;
    const entry: Record<string, number | null> = {};
    for (const [field, key] of [
      ['maxWebhooks', 'max_webhooks'],
      ['maxEventsPerDay', 'max_events_per_day'],
    ] as const) {
      const value = limits[field];
      if (value === undefined) continue;
      if (value !== null && (!Number.isInteger(value) || value < 0 || value > 1_000_000_000)) {
        throw new Error(`planLimits.${plan}.${field} must be an integer from 0 to 1e9 or null, got ${value}`);
      }
      entry[key] = value;
    }
    json[plan] = entry;
  }
  return { PLAN_LIMITS: JSON.stringify(json) };
}

function validateProps(
  props: WebhookServiceProps,
  resolved: { retentionDays: number; rateLimit: number; burstLimit: number },
): void {
  if (!Number.isInteger(resolved.retentionDays) || resolved.retentionDays < 1) {
    throw new Error(`retentionDays must be a positive integer, got ${resolved.retentionDays}`);
  }
  if (!(resolved.rateLimit > 0) || !(resolved.burstLimit > 0)) {
    throw new Error('apiThrottle.rateLimit and apiThrottle.burstLimit must be positive');
  }
  const batchSize = props.deliveryBatchSize;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)) {
    throw new Error(`deliveryBatchSize must be a whole number from 1 to 1000, got ${batchSize}`);
  }
  if (props.escalationWait !== undefined) {
    // Whole seconds: the Wait state and ESCALATION_WAIT_SECONDS take an integer.
    const seconds = props.escalationWait.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_ESCALATION_WAIT.toSeconds()) {
      throw new Error(
        `escalationWait must be a whole number of seconds, from 1 second to ${MAX_ESCALATION_WAIT.toDays()} days, got ${props.escalationWait}`,
      );
    }
  }
  if (props.alertSenderEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(props.alertSenderEmail)) {
    throw new Error(`alertSenderEmail must be an email address, got '${props.alertSenderEmail}'`);
  }
}
