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
});
