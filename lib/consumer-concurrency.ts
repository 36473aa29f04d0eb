/**
 * How far the two queue consumers scale: the SQS event source's maximum concurrency
 * (`ScalingConfig.MaximumConcurrency`), which Lambda accepts from 2 to 1000. Without it an SQS event
 * source scales up to the account's whole unreserved concurrency (1000 by default): a backlog of
 * slow receivers could then starve the API, the authorizer and every other function in the account.
 */

export const MIN_CONSUMER_CONCURRENCY = 2;
export const MAX_CONSUMER_CONCURRENCY = 1000;

/**
 * deliver: a batch of up to 10 jobs is sent concurrently, so 50 invocations are up to 500 requests
 * in flight, each bounded by 30 s. That drains tens of thousands of deliveries a minute to healthy
 * receivers, leaves most of a default account's 1000 concurrent executions to everything else, and
 * the queue absorbs what is above it.
 */
export const DEFAULT_DELIVERY_CONCURRENCY = 50;

/**
 * fanout: one event becomes up to thousands of delivery jobs, so a few invocations already outpace
 * what deliver drains; more would only grow the delivery queue faster and add DynamoDB load.
 */
export const DEFAULT_FANOUT_CONCURRENCY = 10;

export type ConsumerConcurrencyProp = 'deliveryConcurrency' | 'fanoutConcurrency';

export interface ConsumerConcurrency {
  /** The event source's `maxConcurrency`. */
  readonly maxConcurrency: number;
  /** Reserved concurrency of the function: set only when the prop was given. */
  readonly reservedConcurrentExecutions?: number;
}

export const isValidConsumerConcurrency = (value: number): boolean =>
  Number.isInteger(value) && value >= MIN_CONSUMER_CONCURRENCY && value <= MAX_CONSUMER_CONCURRENCY;

export const consumerConcurrencyRule = (prop: ConsumerConcurrencyProp): string =>
  `${prop} must be a whole number from ${MIN_CONSUMER_CONCURRENCY} to ${MAX_CONSUMER_CONCURRENCY} (the SQS event source's maximum concurrency)`;

/**
 * The concurrency of one consumer. A value given explicitly is also reserved for the function, so
 * that the event source never invokes more than the function may run (throttled invocations would
 * burn receive counts and send messages to the DLQ); the defaults reserve nothing, so that the stack
 * deploys in accounts whose concurrency quota leaves nothing to reserve.
 */
export function consumerConcurrency(
  prop: ConsumerConcurrencyProp,
  value: number | undefined,
  defaultValue: number,
): ConsumerConcurrency {
  if (value === undefined) return { maxConcurrency: defaultValue };
  if (!isValidConsumerConcurrency(value)) throw new Error(`${consumerConcurrencyRule(prop)}, got ${value}`);
  return { maxConcurrency: value, reservedConcurrentExecutions: value };
}
