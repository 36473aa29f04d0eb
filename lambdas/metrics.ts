import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DEFAULT_METRICS_NAMESPACE,
  DEPLOYMENT_DIMENSION,
  DEPLOYMENT_ENV,
  METRIC,
  SERVICE_NAME,
} from '../lib/metric-names.js';
import type { JobResult } from './services/delivery.js';
import type { FanOutResult } from './services/fanout.js';

/**
 * EMF metrics (Powertools). Handlers add what one invocation did, derived from the services'
 * results, and flush once at its end. Names and dimensions: lib/metric-names.ts; what each metric
 * means and the alarms on them: docs/observability.md.
 */
const deployment = process.env[DEPLOYMENT_ENV];
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
  defaultDimensions: deployment ? { [DEPLOYMENT_DIMENSION]: deployment } : {},
});

const FALSY = new Set(['0', 'false', 'no', 'off', 'n']);

/**
 * EMF goes to stdout, where only Lambda turns it into metrics: elsewhere (the local runtime, tests)
 * it would only flood the console. `POWERTOOLS_METRICS_DISABLED` decides when set; otherwise metrics
 * are on in Lambda only.
 */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (disabled) return FALSY.has(disabled);
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Writes the invocation's metrics as one EMF line (or drops them when metrics are off). */
export function flushMetrics(): void {
  if (!metrics.hasStoredMetrics()) return;
  if (metricsEnabled()) metrics.publishStoredMetrics();
  else metrics.clearMetrics();
}

/** A deliver invocation: every job's result, and how many malformed jobs it parked. */
export function addDeliveryMetrics(results: readonly JobResult[], parkedJobs: number): void {
  let succeeded = 0;
  let attemptsFailed = 0;
  let deliveriesFailed = 0;
  let parked = parkedJobs;
  for (const result of results) {
    if (result.kind !== 'attempted') continue;
    metrics.addMetric(METRIC.attemptLatency, MetricUnit.Milliseconds, result.responseTimeMs);
    if (result.outcome === 'delivered') {
      succeeded += 1;
      continue;
    }
    attemptsFailed += 1;
    if (!result.final) continue;
    deliveriesFailed += 1;
    // A retryable outcome that is final means the retry policy is exhausted: the delivery was parked.
    if (result.outcome === 'retry') parked += 1;
  }
  metrics.addMetric(METRIC.deliveriesSucceeded, MetricUnit.Count, succeeded);
  metrics.addMetric(METRIC.attemptsFailed, MetricUnit.Count, attemptsFailed);
  metrics.addMetric(METRIC.deliveriesFailed, MetricUnit.Count, deliveriesFailed);
  metrics.addMetric(METRIC.messagesParked, MetricUnit.Count, parked);
}

/** A fanout invocation: every event's fan-out result, and how many unparseable events it parked. */
export function addFanOutMetrics(results: readonly FanOutResult[], parkedEvents: number): void {
  let dropped = 0;
  for (const result of results) {
    if (result.dropped) dropped += 1;
    else if (!result.duplicateEvent)
      metrics.addMetric(METRIC.fanOutSize, MetricUnit.Count, result.deliveries);
  }
  metrics.addMetric(METRIC.eventsDropped, MetricUnit.Count, dropped);
  metrics.addMetric(METRIC.messagesParked, MetricUnit.Count, parkedEvents);
}
