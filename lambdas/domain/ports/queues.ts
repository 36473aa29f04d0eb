/** The queues and the bus: delivery jobs, parked records, events published and operational events. */
import type { BusEntry } from '../bus-event.js';
import type { WebhookEvent } from '../model.js';

/** One delivery job on the delivery queue. */
export interface DeliveryJob {
  readonly deliveryId: string;
  /** The attempt this job makes (1-based). */
  readonly attempt: number;
  /** ISO 8601; a job that arrives early is re-sent with the remaining delay (chained hops). */
  readonly dueAt: string;
  /**
   * Set on a first attempt whose delivery is not stored yet (docs/cost.md, "one write per
   * outcome"): the first outcome creates it, and the job names the account it belongs to.
   */
  readonly accountId?: string;
  /**
   * The delivery may exist already (a replayed fan-out, or SQS handing the job over again): read it
   * before attempting, so that an attempt already made is not made twice.
   */
  readonly check?: true;
}

export interface ParkedRecord {
  readonly kind: 'exhausted_delivery' | 'invalid_event' | 'invalid_job';
  readonly reason: string;
  readonly payload: unknown;
}

export interface DeliveryQueue {
  /** Batches of up to 10; delaySeconds ≤ 900. */
  enqueue(jobs: readonly DeliveryJob[], delaySeconds?: number): Promise<void>;
  /** Parks what can never succeed (an exhausted delivery, an unparseable message) for operators. */
  park(record: ParkedRecord): Promise<void>;
}

/** The service's event bus, for POST /v1/events. */
export interface EventPublisher {
  /** Puts the entry on the bus and answers the id the bus gave it: the event's id derives from it. */
  put(entry: BusEntry): Promise<{ busEventId: string }>;
}

/**
 * Where the service's own operational events (endpoint.failing, …) go: straight to fan-out's queue,
 * never through the bus, so no bus publisher can send one (fan-out refuses those types on the bus).
 */
export interface OperationalEventSink {
  publish(event: WebhookEvent): Promise<void>;
}
