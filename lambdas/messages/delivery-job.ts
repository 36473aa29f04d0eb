import type { DeliveryJob } from '../domain/ports/queues.js';

/** ISO 8601 in UTC as the service writes it (`toISOString`), with or without milliseconds. */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/**
 * A delivery job from the queue body, or undefined when it is not one. Written by hand rather than
 * with zod: the job is the service's own three-field message, and the delivery function, the
 * hottest and largest bundle, then carries no schema library.
 */
export function parseDeliveryJob(body: string): DeliveryJob | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { deliveryId, attempt, dueAt } = value as Record<string, unknown>;
  if (typeof deliveryId !== 'string' || deliveryId.length < 1 || deliveryId.length > 200) return undefined;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1 || attempt > 1000)
    return undefined;
  if (typeof dueAt !== 'string' || !UTC_DATE_TIME.test(dueAt) || Number.isNaN(Date.parse(dueAt)))
    return undefined;
  return { deliveryId, attempt, dueAt };
}
