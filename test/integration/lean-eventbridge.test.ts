import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../lambdas/adapters/eventbridge-publisher.js';
import { LeanEventBridgeClient } from '../../lambdas/aws/lean/eventbridge.js';
import { LocalEventBus } from '../../lambdas/local/event-bus.js';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';

/**
 * The lean EventBridge client (AWSEvents.PutEvents, JSON 1.1) through the publisher adapter, against
 * the local runtime's bus (the PutEvents twin that the SDK's client is tested with in e2e), whose
 * rule sends to an ingest queue on the local SQS engine.
 */

let engine: SqsEngine;
let sqs: SQSClient;
let server: Server;
let endpoint: string;
let dataDir: string;
let ingestUrl: string;
const targets: string[] = [];

beforeAll(async () => {
  engine = await startSqsEngine();
  sqs = new SQSClient({ endpoint: engine.address, region: 'us-east-1' });
  ingestUrl = engine.createQueue('lean-eventbridge-ingest').queueUrl;
  dataDir = await mkdtemp(join(tmpdir(), 'lean-eventbridge-'));
  const bus = await LocalEventBus.open(sqs, ingestUrl, dataDir);
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      targets.push(`${request.headers['x-amz-target']} ${request.headers['content-type']}`);
      const answer = await bus.putEvents(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  sqs.destroy();
  await engine.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('LeanEventBridgeClient', () => {
  it('puts an entry with its Time in epoch seconds, answering its EventId', async () => {
    const client = new LeanEventBridgeClient({ endpoint, region: 'us-east-1' });
    const publisher = new EventBridgePublisher(client, 'webhooks-local');
    const { busEventId } = await publisher.put({
      Source: 'billing-service',
      DetailType: 'order.created',
      Detail: JSON.stringify({ account_id: 'acc_1', data: { order_id: 'ord_1' } }),
      Time: new Date('2026-12-01T10:20:30.000Z'),
    });
    client.destroy();
    expect(busEventId).toEqual(expect.any(String));
    expect(targets).toEqual(['AWSEvents.PutEvents application/x-amz-json-1.1']);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: ingestUrl, WaitTimeSeconds: 1 }),
    );
    const envelope = JSON.parse(Messages[0]?.Body ?? '{}') as { time?: string; detail?: unknown };
    expect(envelope.time).toBe('2026-12-01T10:20:30Z');
    expect(envelope.detail).toEqual({ account_id: 'acc_1', data: { order_id: 'ord_1' } });
  });

  it('throws a failed entry as the adapter reports it', async () => {
    const client = new LeanEventBridgeClient({ endpoint, region: 'us-east-1' });
    const publisher = new EventBridgePublisher(client, 'webhooks-local');
    await expect(
      publisher.put({ Source: 's', DetailType: 'd', Detail: 'not json', Time: new Date() }),
    ).rejects.toThrow(/PutEvents failed: MalformedDetail/);
    client.destroy();
  });
});
