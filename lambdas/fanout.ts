import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanoutDependencies } from './composition.js';
import { withRecordLogger } from './logging.js';
import { addFanOutMetrics, flushMetrics } from './metrics.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { type FanOutResult, fanOut, parseBusEvent } from './services/fanout.js';
import { processSqsBatch } from './sqs/batch.js';

/**
 * Ingest queue consumer: bus event → one delivery job per subscribed endpoint. Metrics derived
 * from the fan-out results, flushed once per invocation.
 */
export function createFanoutHandler(dependencies: DependenciesProvider) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results: FanOutResult[] = [];
    let parkedEvents = 0;
    try {
      return await processSqsBatch(event, (record) =>
        withRecordLogger({ messageId: record.messageId }, async (logger) => {
          const deps = dependencies();
          const parsed = parseBusEvent(record.body);
          if (!parsed.ok) {
            // Never dropped silently: parked with the reason, and the message is then done.
            await deps.queue.park({ kind: 'invalid_event', reason: parsed.reason, payload: record.body });
            parkedEvents += 1;
            logger.warn('parked an event that could not be parsed', { reason: parsed.reason });
            return;
          }
          logger.appendPersistentKeys({
            eventId: parsed.event.id,
            eventType: parsed.event.type,
            accountId: parsed.event.accountId,
          });
          const result = await fanOut(deps, parsed.event, parsed.fromApi);
          results.push(result);
          logger.info('fanned out', { ...result });
        }),
      );
    } finally {
      addFanOutMetrics(results, parkedEvents);
      flushMetrics();
    }
  };
}

export const handler = createFanoutHandler(fanoutDependencies);
