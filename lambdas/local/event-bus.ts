import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The local twin of the service's EventBridge bus: answers the PutEvents API (so the real
 * @aws-sdk/client-eventbridge publishes to it unchanged) and routes every event, as the stack's rule
 * does, to the ingest queue in the EventBridge envelope.
 *
 * EventBridge keeps an accepted event; the local queues live in memory. So an accepted event is
 * first written to a journal in the data directory, removed once fan-out has taken it, and
 * replayed at start: a SIGKILL between "accepted" and "fanned out" costs a delay, never the event
 * (fan-out is idempotent, so a replay of an event it already took is harmless).
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

const UUID = /^[0-9a-f-]{36}$/;

export class LocalEventBus {
  private constructor(
    private readonly sqs: SQSClient,
    private readonly ingestQueueUrl: string,
    private readonly journalDir: string,
  ) {}

  static async open(sqs: SQSClient, ingestQueueUrl: string, dataDir: string): Promise<LocalEventBus> {
    const journalDir = join(dataDir, 'bus-journal');
    await mkdir(journalDir, { recursive: true });
    return new LocalEventBus(sqs, ingestQueueUrl, journalDir);
  }

  /** Re-sends every journaled event to the ingest queue (at start: the queue is new and empty). */
  async replay(): Promise<number> {
    const names = await readdir(this.journalDir);
    // A write cut short by a kill: its event was never acknowledged to the publisher (no 202).
    for (const name of names.filter((entry) => entry.endsWith('.json.tmp')))
      await unlink(join(this.journalDir, name)).catch(() => {});
    const files = names.filter((name) => name.endsWith('.json'));
    let replayed = 0;
    for (const file of files) {
      // Live traffic runs meanwhile: fan-out may already have taken (and removed) an entry.
      const body = await readFile(join(this.journalDir, file), 'utf8').catch(() => undefined);
      if (!body) continue;
      await this.send(body);
      replayed += 1;
    }
    return replayed;
  }

  /** Fan-out took these envelopes: they leave the journal. */
  async acknowledge(messageBodies: readonly string[]): Promise<void> {
    for (const body of messageBodies) {
      const id = (JSON.parse(body) as { id?: unknown }).id;
      if (typeof id === 'string' && UUID.test(id))
        await unlink(join(this.journalDir, `${id}.json`)).catch(() => {});
    }
  }

  private send(body: string): Promise<unknown> {
    return this.sqs.send(new SendMessageCommand({ QueueUrl: this.ingestQueueUrl, MessageBody: body }));
  }

  async putEvents(body: string): Promise<{ status: number; body: unknown }> {
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
      const message = JSON.stringify(envelope);
      // Written whole or not at all (temp file, then rename): a SIGKILL mid-write leaves no half entry.
      const path = join(this.journalDir, `${String(envelope.id)}.json`);
      await writeFile(`${path}.tmp`, message);
      await rename(`${path}.tmp`, path);
      await this.send(message);
      results.push({ EventId: String(envelope.id) });
    }
    return {
      status: 200,
      body: { Entries: results, FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length },
    };
  }
}
