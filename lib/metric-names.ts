/**
 * The service's CloudWatch metrics (EMF, written by lambdas/metrics.ts) as data, shared by the
 * handlers and by the alarms and dashboard of lib/observability.ts, so the two cannot drift.
 * Like lib/storage-schema.ts, this file imports nothing: handlers may bundle it.
 */

/** Default CloudWatch namespace of the service's metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'ServerlessWebhooks';

/** Dimensions on every metric: Powertools' `service`, and the deployment (`<stack>-<construct id>`). */
export const SERVICE_DIMENSION = 'service';
export const DEPLOYMENT_DIMENSION = 'deployment';

/** Environment variable that carries the deployment dimension to the functions. */
export const DEPLOYMENT_ENV = 'METRICS_DEPLOYMENT';

export const METRIC = {
  /** Deliveries whose attempt got a 2xx (one per delivery: a delivered delivery is final). Count. */
  deliveriesSucceeded: 'DeliveriesSucceeded',
  /** Deliveries that failed for good: retries exhausted, 410 Gone, or a non-retryable answer. Count. */
  deliveriesFailed: 'DeliveriesFailed',
  /** Attempts that did not get a 2xx, retried or not (a superset of DeliveriesFailed). Count. */
  attemptsFailed: 'AttemptsFailed',
  /** Time from request to response (or to the error) of every attempt. Milliseconds. */
  attemptLatency: 'AttemptLatency',
  /** Delivery jobs one event fanned out to (one value per admitted event). Count. */
  fanOutSize: 'FanOutSize',
  /** Messages written to the parked queue: exhausted deliveries and malformed events or jobs. Count. */
  messagesParked: 'MessagesParked',
  /** Events dropped because the account's daily event quota was used up. Count. */
  eventsDropped: 'EventsDropped',
  /**
   * Authorizer invocations that failed unexpectedly (API Gateway answers 500), written only then.
   * A wrong API key is not one: the authorizer answers it by throwing `Unauthorized`. Count.
   */
  authorizerFailures: 'AuthorizerFailures',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The `service` dimension: POWERTOOLS_SERVICE_NAME, which lib/webhook-function.ts sets on every function. */
export const SERVICE_NAME = 'serverless-webhooks';
