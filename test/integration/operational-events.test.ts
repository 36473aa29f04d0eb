import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsOperationalEvents } from '../../lambdas/adapters/sqs-operational-events.js';
import { LeanSqsClient } from '../../lambdas/aws/lean/sqs.js';
import type { WebhookEvent } from '../../lambdas/domain/model.js';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';
import { parseIngestMessage } from '../../lambdas/messages/ingest-message.js';

/**
 * Operational events reach fan-out's queue as the service's own message (not through the bus),
 * whatever the tenant text in them: real SQS engine (the local one, with SQS's character rules).
 */

let engine: SqsEngine;
let sqs: SQSClient;
let lean: LeanSqsClient;

beforeAll(async () => {
  engine = await startSqsEngine();
  sqs = new SQSClient({ endpoint: engine.address, region: 'us-east-1' });
  lean = new LeanSqsClient({ endpoint: engine.address, region: 'us-east-1' });
});

afterAll(async () => {
  lean.destroy();
  sqs.destroy();
  await engine.stop();
});

const anOperationalEvent = (name: string): WebhookEvent => ({
  id: 'evt_01jh0000000000000000000000',
  accountId: 'acc_1',
  type: 'endpoint.disabled',
  data: { webhook_id: 'wh_abc', name },
  timestamp: '2025-01-18T10:00:00.000Z',
});

describe('SqsOperationalEvents', () => {
  it('sends each event to the ingest queue as a service event that fan-out reads back exactly', async () => {
    // Prepare
    const queueUrl = engine.createQueue('ingest-operational').queueUrl;
    const event = anOperationalEvent('Orders 🎉 \uFFFE\uFFFF \u0000 \ud800');
    // Act
    await new SqsOperationalEvents(lean, queueUrl).publish(event);
    // Assess
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    expect(parseIngestMessage(Messages[0]?.Body ?? '')).toEqual({ ok: true, event });
  });
});
