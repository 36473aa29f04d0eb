import type { SQSEvent } from 'aws-lambda';

/**
 * Child process of the bench: runs only the delivery handler (real adapters, real signing, real
 * HTTP) against the parent's dynalite, fauxqs and receiver, and reports the CPU this process spent
 * per delivery. The engines live in the parent, so their CPU is not counted here.
 */

process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';

const { allPorts, createDependencies } = await import('../lambdas/composition.js');
const { fileKey } = await import('../lambdas/adapters/secret-cipher.js');
const { createDeliverHandler } = await import('../lambdas/deliver.js');
const { createWebhook } = await import('../lambdas/services/webhooks.js');
const { deliveryIdFor, newEventId } = await import('../lambdas/domain/ids.js');

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`deliver-cpu needs ${name}`);
  return value;
};
const accountId = need('ACCOUNT_ID');
const deliveries = Number(process.env.BENCH_CPU_DELIVERIES ?? 2000);
/** Jobs per invocation: what the construct deploys (WebhookServiceProps.deliveryBatchSize). */
const batchSize = Number(process.env.BENCH_CPU_BATCH ?? 100);
const warmup = 200;

const deps = createDependencies(
  {
    configTableName: need('CONFIG_TABLE_NAME'),
    deliveriesTableName: need('DELIVERIES_TABLE_NAME'),
    deliveryQueueUrl: need('DELIVERY_QUEUE_URL'),
    parkedQueueUrl: need('PARKED_QUEUE_URL'),
    retentionDays: 30,
    allowHttpTargets: true,
    allowPrivateTargets: true,
    dynamoDbEndpoint: need('DYNAMODB_ENDPOINT'),
    sqsEndpoint: need('SQS_ENDPOINT'),
    masterKey: fileKey(need('MASTER_KEY_FILE')),
    region: 'us-east-1',
  },
  allPorts(),
);

const { webhook } = await createWebhook(deps, accountId, {
  name: 'cpu bench',
  url: `${need('RECEIVER_URL')}/cpu`,
  events: ['order.created'],
});

/**
 * Prepares `count` events (not measured) and returns the SQS records of their first jobs, as fan-out
 * sends them in AWS: no delivery stored, the job naming its account (docs/storage.md).
 */
async function prepare(count: number): Promise<SQSEvent['Records']> {
  const records: SQSEvent['Records'] = [];
  for (let index = 0; index < count; index++) {
    const now = new Date();
    const event = {
      id: newEventId(now.getTime() + index),
      accountId: accountId,
      type: 'order.created',
      data: { order_id: `ord_${index}`, amount: 149.99, currency: 'EUR' },
      timestamp: now.toISOString(),
    };
    await deps.events.putEvent(event);
    const id = deliveryIdFor(event.id, webhook.id);
    records.push({
      messageId: id,
      receiptHandle: id,
      body: JSON.stringify({ deliveryId: id, attempt: 1, dueAt: event.timestamp, accountId }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    });
  }
  return records;
}

const handler = createDeliverHandler(() => deps);
const run = async (records: SQSEvent['Records']) => {
  let failures = 0;
  for (let start = 0; start < records.length; start += batchSize) {
    const response = await handler({ Records: records.slice(start, start + batchSize) });
    failures += response.batchItemFailures.length;
  }
  return failures;
};

await run(await prepare(warmup));
const measured = await prepare(deliveries);
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const failures = await run(measured);
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;

process.stdout.write(
  `${JSON.stringify({ deliveries, failures, cpuMicros: cpu.user + cpu.system, wallMs: Math.round(wallMs) })}\n`,
);
process.exit(0);
