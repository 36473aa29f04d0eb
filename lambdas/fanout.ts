import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanOutBatchCounts } from './batch-logs.js';
import { fanoutDependencies } from './composition.js';
import { log, withRecordLogger } from './logging.js';
import { addFanOutMetrics, flushMetrics } from './metrics.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { type FanOutResult, takeIngestMessage } from './services/fanout.js';
import { processSqsBatch } from './sqs/batch.js';

/**
 * Ingest queue consumer: bus event → one delivery job per subscribed endpoint. Metrics derived
 * from the fan-out results, flushed once per invocation. Logs one line of counts per invocation
 * and a warn line per parked event (batch-logs.ts).
 */
export function createFanoutHandler(dependencies: DependenciesProvider) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results: FanOutResult[] = [];
    let parkedEvents = 0;
    try {
      const response = await processSqsBatch(event, (record) =>
        withRecordLogger({ messageId: record.messageId }, async (logger) => {
          const outcome = await takeIngestMessage(dependencies(), record.body);
          if (outcome.kind === 'parked') {
            parkedEvents += 1;
            logger.warn('parked an event that cannot be fanned out', { reason: outcome.reason });
            return;
          }
          const { event, result } = outcome;
          logger.appendPersistentKeys({
            eventId: event.id,
            eventType: event.type,
            accountId: event.accountId,
          });
          results.push(result);
        }),
      );
      log.info(
        'fan-out batch',
        fanOutBatchCounts(event.Records.length, results, parkedEvents, response.batchItemFailures.length),
      );
      return response;
    } finally {
      addFanOutMetrics(results, parkedEvents);
      flushMetrics();
    }
  };
}

export const handler = createFanoutHandler(fanoutDependencies);
