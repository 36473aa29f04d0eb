import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { deliverDependencies } from './composition.js';
import { parseDeliveryId } from './domain/ids.js';
import { log, withRecordLogger } from './logging.js';
import { addDeliveryMetrics, flushMetrics } from './metrics.js';
import { batchReads, type JobResult, processDeliveryJob } from './services/delivery.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { recordStats } from './services/stats.js';
import { processSqsBatch } from './sqs/batch.js';

const deliveryJob = z.object({
  deliveryId: z.string().check(z.minLength(1), z.maxLength(200)),
  attempt: z.int().check(z.minimum(1), z.maximum(1000)),
  dueAt: z.iso.datetime(),
});

const parseJson = (body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/**
 * Delivery queue consumer: one signed attempt per job; stats written once per endpoint per batch;
 * metrics derived from the jobs' results and flushed once per invocation.
 */
export function createDeliverHandler(dependencies: DependenciesProvider) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = dependencies();
    const results: JobResult[] = [];
    let parkedJobs = 0;
    try {
      const jobs = new Map(
        event.Records.map((record) => [record.messageId, deliveryJob.safeParse(parseJson(record.body))]),
      );
      const reads = await batchReads(
        deps,
        [...jobs.values()].flatMap((job) => (job.success ? [job.data] : [])),
      );
      const response = await processSqsBatch(event, (record) =>
        withRecordLogger({ messageId: record.messageId }, async (logger) => {
          const job = jobs.get(record.messageId) ?? deliveryJob.safeParse(parseJson(record.body));
          if (!job.success) {
            await deps.queue.park({
              kind: 'invalid_job',
              reason: 'malformed delivery job',
              payload: record.body,
            });
            parkedJobs += 1;
            logger.warn('parked a malformed delivery job');
            return;
          }
          // The delivery id names its event and webhook: every line of this record carries all three.
          const { deliveryId, attempt } = job.data;
          logger.appendPersistentKeys({ deliveryId, ...parseDeliveryId(deliveryId) });
          const result = await processDeliveryJob(deps, job.data, Math.random, reads);
          results.push(result);
          logger.info('delivery job', { attempt, ...result });
        }),
      );
      try {
        await recordStats(deps, results);
      } catch (error) {
        // Stats are derived data: a failed write must not re-run deliveries that already happened.
        log.error('stats write failed', { error: String(error) });
      }
      return response;
    } finally {
      addDeliveryMetrics(results, parkedJobs);
      flushMetrics();
    }
  };
}

export const handler = createDeliverHandler(deliverDependencies);
