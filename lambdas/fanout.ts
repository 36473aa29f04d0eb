import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fanoutDependencies } from './composition.js';
import { log } from './logging.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { fanOut, parseBusEvent } from './services/fanout.js';
import { processSqsBatch } from './sqs/batch.js';

/** Ingest queue consumer: bus event → one delivery job per subscribed endpoint. */
export function createFanoutHandler(dependencies: DependenciesProvider) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processSqsBatch(event, async (record) => {
      const deps = dependencies();
      const parsed = parseBusEvent(record.body);
      if (!parsed.ok) {
        // Never dropped silently: parked with the reason, and the message is then done.
        await deps.queue.park({ kind: 'invalid_event', reason: parsed.reason, payload: record.body });
        log.warn('parked an event that could not be parsed', {
          reason: parsed.reason,
          messageId: record.messageId,
        });
        return;
      }
      const result = await fanOut(deps, parsed.event, parsed.fromApi);
      log.info('fanned out', { eventId: parsed.event.id, eventType: parsed.event.type, ...result });
    });
}

export const handler = createFanoutHandler(fanoutDependencies);
