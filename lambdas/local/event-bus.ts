import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The local twin of the service's EventBridge bus: answers the PutEvents API (so the real
 * @aws-sdk/client-eventbridge publishes to it unchanged) and routes every event, as the stack's rule
 * does, to the ingest queue in the EventBridge envelope.
 */

export const LOCAL_ACCOUNT = '000000000000';

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: number | string;
  EventBusName?: string;
  Resources?: string[];
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

function envelopeOf(entry: PutEventsEntry): { envelope?: Record<string, unknown>; error?: EntryResult } {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
    return {
      error: { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' },
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  // The SDK sends Time as epoch seconds.
  const time = entry.Time === undefined ? new Date() : new Date(Number(entry.Time) * 1000);
  return {
    envelope: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail,
    },
  };
}

export async function putEvents(
  body: string,
  sqs: SQSClient,
  ingestQueueUrl: string,
): Promise<{ status: number; body: unknown }> {
  let request: { Entries?: PutEventsEntry[] };
  try {
    request = JSON.parse(body);
  } catch {
    return { status: 400, body: { __type: 'SerializationException', message: 'Malformed request' } };
  }
  const entries = request.Entries ?? [];
  if (entries.length < 1 || entries.length > 10) {
    return {
      status: 400,
      body: { __type: 'ValidationException', message: 'Entries must hold 1 to 10 items' },
    };
  }
  const results: EntryResult[] = [];
  for (const entry of entries) {
    const { envelope, error } = envelopeOf(entry);
    if (!envelope) {
      results.push(error as EntryResult);
      continue;
    }
    await sqs.send(
      new SendMessageCommand({ QueueUrl: ingestQueueUrl, MessageBody: JSON.stringify(envelope) }),
    );
    results.push({ EventId: String(envelope.id) });
  }
  return {
    status: 200,
    body: { Entries: results, FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length },
  };
}
