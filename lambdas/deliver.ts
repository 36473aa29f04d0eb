import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliveryBatchCounts, deliveryWarning } from './batch-logs.js';
import { deliverDependencies } from './composition.js';
import { parseDeliveryId } from './domain/ids.js';
import { log, withRecordLogger } from './logging.js';
import { parseDeliveryJob } from './messages/delivery-job.js';
import { addDeliveryMetrics, flushMetrics } from './metrics.js';
import { batchReads, type JobResult, processDeliveryJob } from './services/delivery.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { recordStats } from './services/stats.js';
import { processSqsBatch } from './sqs/batch.js';

/**
 * Delivery queue consumer: one signed attempt per job; stats written once per endpoint per batch;
 * metrics derived from the jobs' results and flushed once per invocation. Logs one line of counts
 * per invocation and a warn line per failed attempt, ended delivery or parked job (batch-logs.ts).
 */
export function createDeliverHandler(dependencies: DependenciesProvider) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const deps = dependencies();
    const results: JobResult[] = [];
    let parkedJobs = 0;
    try {
      const jobs = new Map(
        event.Records.map((record) => [
          record.messageId,
          parseDeliveryJob(record.body, record.attributes?.ApproximateReceiveCount),
        ]),
      );
      const reads = await batchReads(
        deps,
        [...jobs.values()].flatMap((job) => (job ? [job] : [])),
      );
      const response = await processSqsBatch(event, (record) =>
        withRecordLogger({ messageId: record.messageId }, async (logger) => {
          const job = jobs.get(record.messageId);
          if (!job) {
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
          const { deliveryId, attempt } = job;
          logger.appendPersistentKeys({ deliveryId, ...parseDeliveryId(deliveryId) });
          const result = await processDeliveryJob(deps, job, Math.random, reads);
          results.push(result);
          const warning = deliveryWarning(attempt, result);
          if (warning) logger.warn(warning.message, warning.details);
        }),
      );
      log.info(
        'delivery batch',
        deliveryBatchCounts(event.Records.length, results, parkedJobs, response.batchItemFailures.length),
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
