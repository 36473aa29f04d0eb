import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Runs `handleRecord` for every message of an SQS batch concurrently and reports only the failed
 * ones (ReportBatchItemFailures), so one bad message never re-runs its batch.
 */
export async function processSqsBatch(
  event: SQSEvent,
  handleRecord: (record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, handleRecord, processor, { throwOnFullBatchFailure: false });
}
