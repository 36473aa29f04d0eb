import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { busEntrySize, MAX_BUS_ENTRY_BYTES } from '../domain/bus-event.js';

/**
 * The local twin of the service's EventBridge bus: answers the PutEvents API (so the real
 * @aws-sdk/client-eventbridge publishes to it unchanged) and routes every event, as the stack's rule
 * does, to the ingest queue in the EventBridge envelope. It refuses what PutEvents refuses: a body
 * that is not a request (400 SerializationException or ValidationException), entries over 256 KB
 * together, and per entry a missing field or a Detail that is not a JSON object.
 *
 * EventBridge keeps an accepted event; the local queues live in memory. So an accepted event is
 * first written to a journal in the data directory, removed once fan-out has taken it, and
 * replayed at start: a SIGKILL between "accepted" and "fanned out" costs a delay, never the event
 * (fan-out is idempotent, so a replay of an event it already took is harmless).
 *
 * An accepted event the ingest queue refuses (its envelope holds a character SQS refuses, or is too
 * large) is what EventBridge would put in the rule target's dead-letter queue: it moves to
 * `bus-journal/undeliverable/` with a log line naming it, and never stops a start.
 */

export const LOCAL_ACCOUNT = '000000000000';

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };
type PutEventsAnswer = { status: number; body: unknown };

const UUID = /^[0-9a-f-]{36}$/;
const UNDELIVERABLE = 'undeliverable';

const requestError = (type: string, message: string): PutEventsAnswer => ({
  status: 400,
  body: { __type: type, message },
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** The entry's fields as PutEvents types them; undefined when one has the wrong type. */
function typedEntry(
  value: unknown,
):
  | { Source?: string; DetailType?: string; Detail?: string; Time?: unknown; Resources?: string[] }
  | undefined {
  if (!isObject(value)) return undefined;
  const { Source, DetailType, Detail, Time, Resources } = value;
  if (!optionalString(Source) || !optionalString(DetailType) || !optionalString(Detail)) return undefined;
  if (Time !== undefined && typeof Time !== 'number' && typeof Time !== 'string') return undefined;
  if (Resources !== undefined && !(Array.isArray(Resources) && Resources.every((r) => typeof r === 'string')))
    return undefined;
  return value as ReturnType<typeof typedEntry>;
}

function envelopeOf(entry: NonNullable<ReturnType<typeof typedEntry>>): {
  envelope?: Record<string, unknown>;
  error?: EntryResult;
} {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
    return {
      error: {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter(s) Source, DetailType or Detail not specified.',
      },
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  if (!isObject(detail)) {
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

/** The ingest queue refused the message itself (SQS's sender fault), as opposed to being unreachable. */
const isRefusedMessage = (error: unknown): boolean => {
  const name = (error as { name?: string }).name ?? '';
  return /InvalidMessageContents|InvalidParameterValue|MessageTooLong/.test(name);
};

export class LocalEventBus {
  private constructor(
    private readonly sqs: SQSClient,
    private readonly ingestQueueUrl: string,
    private readonly journalDir: string,
    private readonly log: (line: string) => void,
  ) {}

  static async open(
    sqs: SQSClient,
    ingestQueueUrl: string,
    dataDir: string,
    log: (line: string) => void = () => {},
  ): Promise<LocalEventBus> {
    const journalDir = join(dataDir, 'bus-journal');
    await mkdir(journalDir, { recursive: true });
    return new LocalEventBus(sqs, ingestQueueUrl, journalDir, log);
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
      if (body === undefined) continue;
      if (await this.deliver(file, body)) replayed += 1;
    }
    return replayed;
  }

  /** Fan-out took these envelopes: they leave the journal. */
  async acknowledge(messageBodies: readonly string[]): Promise<void> {
    for (const body of messageBodies) {
      let id: unknown;
      try {
        id = (JSON.parse(body) as { id?: unknown }).id;
      } catch {
        continue;
      }
      if (typeof id === 'string' && UUID.test(id))
        await unlink(join(this.journalDir, `${id}.json`)).catch(() => {});
    }
  }

  /** Sends a journaled envelope; one the queue refuses is set aside. True when it was sent. */
  private async deliver(file: string, body: string): Promise<boolean> {
    try {
      await this.sqs.send(new SendMessageCommand({ QueueUrl: this.ingestQueueUrl, MessageBody: body }));
      return true;
    } catch (error) {
      if (!isRefusedMessage(error)) throw error;
      await mkdir(join(this.journalDir, UNDELIVERABLE), { recursive: true });
      await rename(join(this.journalDir, file), join(this.journalDir, UNDELIVERABLE, file)).catch(() => {});
      this.log(
        `bus: the ingest queue refused event ${file} (${(error as Error).message}); it is kept in bus-journal/${UNDELIVERABLE}/${file}`,
      );
      return false;
    }
  }

  async putEvents(body: string): Promise<PutEventsAnswer> {
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return requestError('SerializationException', 'Malformed request body: it is not JSON');
    }
    if (!isObject(request))
      return requestError('SerializationException', 'The request body must be an object');
    const { Entries: rawEntries } = request;
    if (!Array.isArray(rawEntries) || rawEntries.length < 1 || rawEntries.length > 10) {
      return requestError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const entries = rawEntries.map(typedEntry);
    if (entries.some((entry) => entry === undefined))
      return requestError(
        'SerializationException',
        'Each entry must be an object with PutEvents field types',
      );
    const typed = entries as NonNullable<ReturnType<typeof typedEntry>>[];
    if (typed.reduce((sum, entry) => sum + busEntrySize(entry), 0) > MAX_BUS_ENTRY_BYTES)
      return requestError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    const results: EntryResult[] = [];
    for (const entry of typed) {
      const { envelope, error } = envelopeOf(entry);
      if (!envelope) {
        results.push(error as EntryResult);
        continue;
      }
      const message = JSON.stringify(envelope);
      const file = `${String(envelope.id)}.json`;
      // Written whole or not at all (temp file, then rename): a SIGKILL mid-write leaves no half entry.
      const path = join(this.journalDir, file);
      await writeFile(`${path}.tmp`, message);
      await rename(`${path}.tmp`, path);
      // Accepted either way, as EventBridge accepts it: a refusal by the queue is the target's failure.
      await this.deliver(file, message);
      results.push({ EventId: String(envelope.id) });
    }
    return {
      status: 200,
      body: { Entries: results, FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length },
    };
  }
}
