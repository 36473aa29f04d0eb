import type { DeliveryJob } from '../domain/ports/queues.js';

/** ISO 8601 in UTC as the service writes it (`toISOString`), with or without milliseconds. */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/**
 * A delivery job from the queue body, or undefined when it is not one. Written by hand rather than
 * with zod: the job is the service's own small message, and the delivery function, the
 * hottest and largest bundle, then carries no schema library.
 */
export function parseDeliveryJob(
  body: string,
  /**
   * SQS's ApproximateReceiveCount: above 1, the job was handed over before (a consumer died or timed
   * out mid-batch) and may have been attempted, so it reads its delivery first (`check`).
   */
  receiveCount?: string,
): DeliveryJob | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { deliveryId, attempt, dueAt, accountId, check } = value as Record<string, unknown>;
  if (typeof deliveryId !== 'string' || deliveryId.length < 1 || deliveryId.length > 200) return undefined;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1 || attempt > 1000)
    return undefined;
  if (typeof dueAt !== 'string' || !UTC_DATE_TIME.test(dueAt) || Number.isNaN(Date.parse(dueAt)))
    return undefined;
  if (
    accountId !== undefined &&
    (typeof accountId !== 'string' || accountId.length < 1 || accountId.length > 200)
  )
    return undefined;
  if (check !== undefined && check !== true) return undefined;
  return {
    deliveryId,
    attempt,
    dueAt,
    ...(accountId !== undefined ? { accountId } : {}),
    ...(check || Number(receiveCount) > 1 ? { check: true as const } : {}),
  };
}
