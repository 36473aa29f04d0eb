import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../lambdas/local/event-bus.js';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';

/**
 * The local bus keeps what it accepted in a journal until fan-out has taken it, and replays it at
 * start: the local queues live in memory and die with the process. Real SQS engine (fauxqs).
 */

let fauxqs: SqsEngine;
let sqs: SQSClient;
let dataDir: string;
let queueUrl: string;
let bus: LocalEventBus;

beforeAll(async () => {
  fauxqs = await startSqsEngine();
  sqs = new SQSClient({ endpoint: fauxqs.address, region: 'us-east-1' });
});

afterAll(async () => {
  await fauxqs.stop();
});

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'webhooks-bus-'));
  queueUrl = fauxqs.createQueue(`ingest-${Date.now()}-${Math.random().toString(36).slice(2)}`).queueUrl;
  bus = await LocalEventBus.open(sqs, queueUrl, dataDir);
  return () => rm(dataDir, { recursive: true, force: true });
});

const entry = (type: string) => ({
  Source: 'test',
  DetailType: type,
  Detail: JSON.stringify({ account_id: 'acc_1', data: { n: 1 } }),
});

async function receiveAll(): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
  }
}

const journal = () => readdir(join(dataDir, 'bus-journal'));

describe('LocalEventBus', () => {
  it('journals each accepted event until it is acknowledged, and replays only the rest', async () => {
    // Prepare
    const put = await bus.putEvents(JSON.stringify({ Entries: [entry('a.one'), entry('a.two')] }));
    const [first, second] = await receiveAll();
    await bus.acknowledge([first!]);

    // Act
    const replayed = await (await LocalEventBus.open(sqs, queueUrl, dataDir)).replay();

    // Assess
    expect(put.body).toMatchObject({ FailedEntryCount: 0 });
    expect(replayed).toBe(1);
    expect(await receiveAll()).toEqual([second]);
    expect(await journal()).toEqual([`${JSON.parse(second!).id}.json`]);
  });

  it('drops a journal entry a kill cut short (never acknowledged to its publisher) at replay', async () => {
    // Prepare
    await writeFile(join(dataDir, 'bus-journal', 'cut-short.json.tmp'), '{"id":');

    // Act
    const replayed = await bus.replay();

    // Assess
    expect(replayed).toBe(0);
    expect(await journal()).toEqual([]);
    expect(await receiveAll()).toEqual([]);
  });

  it('refuses a malformed entry without journaling it', async () => {
    // Act
    const put = await bus.putEvents(
      JSON.stringify({ Entries: [{ Source: 'test', DetailType: 'a.one', Detail: '{not json' }] }),
    );

    // Assess
    expect(put.body).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail' }] });
    expect(await journal()).toEqual([]);
  });

  it.each([
    ['null', 'null', 'SerializationException'],
    ['an array', '[]', 'SerializationException'],
    ['no Entries', '{}', 'ValidationException'],
    ['Entries null', '{"Entries":null}', 'ValidationException'],
    ['no entry', '{"Entries":[]}', 'ValidationException'],
    [
      'eleven entries',
      JSON.stringify({ Entries: Array.from({ length: 11 }, () => entry('a.one')) }),
      'ValidationException',
    ],
    ['a null entry', '{"Entries":[null]}', 'SerializationException'],
    ['an entry that is a number', '{"Entries":[1]}', 'SerializationException'],
    [
      'a Source that is a number',
      '{"Entries":[{"Source":1,"DetailType":"a","Detail":"{}"}]}',
      'SerializationException',
    ],
    [
      'Resources that are not strings',
      '{"Entries":[{"Source":"s","DetailType":"a","Detail":"{}","Resources":[1]}]}',
      'SerializationException',
    ],
    ['a body that is not JSON', '{"Entries":', 'SerializationException'],
  ])('answers a request with %s as EventBridge does: 400, nothing journaled', async (_label, body, type) => {
    // Act
    const put = await bus.putEvents(body);
    // Assess
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ __type: type, message: expect.any(String) });
    expect(await journal()).toEqual([]);
  });

  it('takes entries of 256 KB together, and refuses one byte more as EventBridge does', async () => {
    // Prepare: Detail fills the rest of 262,144 bytes after Source ("test", 4) and DetailType ("a.one", 5)
    const detailOfBytes = (bytes: number) => {
      const skeleton = JSON.stringify({ account_id: 'acc_1', data: { pad: '' } });
      return JSON.stringify({ account_id: 'acc_1', data: { pad: 'x'.repeat(bytes - skeleton.length) } });
    };
    const fits = { Source: 'test', DetailType: 'a.one', Detail: detailOfBytes(262_144 - 9) };
    const over = { Source: 'test', DetailType: 'a.one', Detail: detailOfBytes(262_144 - 8) };
    // Act
    const accepted = await bus.putEvents(JSON.stringify({ Entries: [fits] }));
    const refused = await bus.putEvents(JSON.stringify({ Entries: [over] }));
    // Assess
    expect(accepted.body).toMatchObject({ FailedEntryCount: 0 });
    expect(await receiveAll()).toHaveLength(1);
    expect(refused).toEqual({
      status: 400,
      body: {
        __type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      },
    });
  });

  it('routes a detail with emoji and astral characters to the ingest queue unchanged', async () => {
    // Prepare
    const data = { note: 'New sale! 🎉', astral: '\u{10FFFF}', 'key 🎉': true };
    // Act
    const put = await bus.putEvents(
      JSON.stringify({
        Entries: [
          { Source: 'test', DetailType: 'a.one', Detail: JSON.stringify({ account_id: 'acc_1', data }) },
        ],
      }),
    );
    // Assess
    expect(put.body).toMatchObject({ FailedEntryCount: 0 });
    const [message] = await receiveAll();
    expect(JSON.parse(message!).detail.data).toEqual(data);
  });

  it('accepts an event the queue refuses, as EventBridge would, and sets it aside with a log line naming it', async () => {
    // Prepare: U+FFFF raw in a Detail, which SQS refuses in a body
    const lines: string[] = [];
    const logged = await LocalEventBus.open(sqs, queueUrl, dataDir, (line) => lines.push(line));
    const raw = {
      Source: 'test',
      DetailType: 'a.one',
      Detail: '{"account_id":"acc_1","data":{"x":"\uFFFF"}}',
    };
    // Act
    const put = await logged.putEvents(JSON.stringify({ Entries: [raw, entry('a.two')] }));
    // Assess
    const [refusedResult, acceptedResult] = (put.body as { Entries: { EventId: string }[] }).Entries;
    expect(put.body).toMatchObject({ FailedEntryCount: 0 });
    expect((await receiveAll()).map((body) => JSON.parse(body).id)).toEqual([acceptedResult!.EventId]);
    expect(await readdir(join(dataDir, 'bus-journal', 'undeliverable'))).toEqual([
      `${refusedResult!.EventId}.json`,
    ]);
    expect(lines).toEqual([expect.stringContaining(`${refusedResult!.EventId}.json`)]);
  });

  it('starts on a journal holding an entry the queue refuses: it is set aside, the rest replayed', async () => {
    // Prepare: an entry written before SQS's rules were enforced locally
    const refusedId = '00000000-0000-4000-8000-000000000001';
    await writeFile(
      join(dataDir, 'bus-journal', `${refusedId}.json`),
      `{"id":"${refusedId}","detail":{"x":"\uFFFF"}}`,
    );
    await bus.putEvents(JSON.stringify({ Entries: [entry('a.one')] }));
    await receiveAll();
    const lines: string[] = [];
    // Act
    const replayed = await (
      await LocalEventBus.open(sqs, queueUrl, dataDir, (line) => lines.push(line))
    ).replay();
    // Assess
    expect(replayed).toBe(1);
    expect(await receiveAll()).toHaveLength(1);
    expect(await readdir(join(dataDir, 'bus-journal', 'undeliverable'))).toEqual([`${refusedId}.json`]);
    expect(lines).toEqual([expect.stringContaining(refusedId)]);
  });
});
