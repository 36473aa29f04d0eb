import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDependencies, dynamoDbPorts, sqsPorts } from '../lambdas/composition.js';
import type { RuntimeConfig } from '../lambdas/config.js';
import { eventIdFromBusEvent, newAccountId, parseDeliveryId } from '../lambdas/domain/ids.js';
import type { Webhook } from '../lambdas/domain/model.js';
import { createFanoutHandler } from '../lambdas/fanout.js';
import { startSqsEngine } from '../lambdas/local/sqs-engine.js';
import { startDynamo } from '../test/support/dynamodb.js';
import { anEventType, aWebhook } from '../test/support/factories.js';
import { AwsMeter } from './aws-meter.js';
import { capacityTable, type SectionResult } from './summary.js';

/**
 * Bench section `fanout`: one event fanned out to 10,000 active endpoints of one account by the real
 * fan-out handler (lambdas/fanout.ts, wired like the fanout Lambda: DynamoDB and SQS adapters only)
 * against dynalite and fauxqs. The AwsMeter counts every AWS call the handler makes and the DynamoDB
 * capacity they consume; the jobs are then counted in the delivery queue, so the figure is real.
 *
 * Seeding writes the endpoints through the webhook repository (subscription entries + webhook item
 * each), not through 10,000 API calls, like test/integration/fanout-scale.test.ts. A tenth of the
 * endpoints subscribe to every type, so both subscription partitions are read. The wall time
 * includes dynalite and fauxqs, which run in this process and are far slower than the AWS services:
 * read it as a bound, not as the time in AWS. The calls and capacity units are what AWS would bill.
 */

const ENDPOINTS = Number(process.env.BENCH_FANOUT_ENDPOINTS ?? 10_000);
const ALL_TYPES_SHARE = 0.1;
const SEED_WIDTH = 100;
const EVENT_TYPE = 'order.created';

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let start = 0; start < items.length; start += width)
    await Promise.all(items.slice(start, start + width).map(work));
}

/**
 * The SQS record an EventBridge event becomes on the ingest queue, as published by the API, and
 * the event id fan-out derives from its envelope.
 */
function ingestRecord(accountId: string, index: number): { record: SQSRecord; eventId: string } {
  const now = new Date();
  const busEventId = crypto.randomUUID();
  const record: SQSRecord = {
    messageId: `bench-${index}`,
    receiptHandle: `bench-${index}`,
    body: JSON.stringify({
      version: '0',
      id: busEventId,
      'detail-type': EVENT_TYPE,
      source: 'webhooks.api',
      account: '000000000000',
      time: now.toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {
        account_id: accountId,
        data: { order_id: `ord_${index}`, amount: 149.99 },
      },
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(now.getTime()),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(now.getTime()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-ingest',
    awsRegion: 'us-east-1',
  };
  return { record, eventId: eventIdFromBusEvent(busEventId, now.getTime()) };
}

export async function benchFanout(log: (line: string) => void = () => {}): Promise<SectionResult> {
  const dynamo = await startDynamo();
  const fauxqs = await startSqsEngine();
  const queue = fauxqs.createQueue('bench-fanout-delivery');
  const sqs = new SQSClient({ endpoint: fauxqs.address, region: 'us-east-1' });
  const meter = new AwsMeter(dynamo.tables);
  try {
    const base: RuntimeConfig = {
      configTableName: dynamo.tables.config,
      deliveriesTableName: dynamo.tables.deliveries,
      deliveryQueueUrl: queue.queueUrl,
      retentionDays: 30,
      allowHttpTargets: false,
      allowPrivateTargets: false,
      dynamoDbEndpoint: dynamo.endpoint,
      sqsEndpoint: fauxqs.address,
      region: 'us-east-1',
    };
    // The fanout Lambda's ports (composition.ts fanoutDependencies), metered.
    const deps = createDependencies(
      { ...base, instrument: meter.instrument },
      { ...dynamoDbPorts, ...sqsPorts },
    );
    const seeding = createDependencies(base, { ...dynamoDbPorts });
    // Fan-out takes only events of a known type.
    await seeding.eventTypes.put(anEventType({ name: EVENT_TYPE }));

    const seed = async (accountId: string, count: number): Promise<void> => {
      await seeding.accounts.create({
        id: accountId,
        name: 'bench',
        plan: 'scale',
        createdAt: new Date().toISOString(),
      });
      const allTypes = Math.round(count * ALL_TYPES_SHARE);
      const webhooks: Webhook[] = Array.from({ length: count }, (_, index) =>
        aWebhook({ accountId, events: index < allTypes ? [] : [EVENT_TYPE, 'order.refunded'] }),
      );
      await inParallel(webhooks, SEED_WIDTH, (webhook) => seeding.webhooks.create(webhook));
    };
    const depth = async (): Promise<number> => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? Number.NaN);
    };

    const seedStart = performance.now();
    const accountId = newAccountId();
    await seed(accountId, ENDPOINTS);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`fanout: seeded ${ENDPOINTS} endpoints in ${Math.round(seedSeconds)} s`);

    const handler = createFanoutHandler(() => deps);
    const invoke = async (account: string, index: number) => {
      const { record, eventId } = ingestRecord(account, index);
      const event: SQSEvent = { Records: [record] };
      const response = await handler(event);
      if (response.batchItemFailures.length > 0) throw new Error(`fan-out failed for event ${eventId}`);
      return eventId;
    };

    // Warm-up: one event to a small account builds the SDK clients and opens connections.
    const warmAccount = newAccountId();
    await seed(warmAccount, 10);
    await invoke(warmAccount, 0);
    const before = await depth();
    meter.reset();

    const started = performance.now();
    const eventId = await invoke(accountId, 1);
    const fanoutMs = performance.now() - started;
    const calls = Object.fromEntries([...meter.calls].sort());
    // Index writes included: dynalite leaves them out of ConsumedCapacity (see AwsMeter).
    const dynamoUnits = { read: meter.readUnits, write: meter.writeUnits + meter.indexWriteUnits };

    // The jobs must be in the queue: count them, and check each is one distinct delivery of this event.
    const queued = (await depth()) - before;
    const jobs = (fauxqs.inspectQueue(queue.queueName)?.messages.ready ?? [])
      .map((message) => JSON.parse(message.body) as { deliveryId?: string })
      .filter((job) => parseDeliveryId(job.deliveryId ?? '')?.eventId === eventId);
    const distinct = new Set(jobs.map((job) => job.deliveryId)).size;
    log(`fanout: ${queued} jobs queued in ${Math.round(fanoutMs)} ms`);

    const queries = meter.calls.get('dynamodb:Query') ?? 0;
    const batches = meter.calls.get('sqs:SendMessageBatch') ?? 0;
    const dynamoCalls = meter.count('dynamodb');
    const otherCalls = dynamoCalls + meter.count('sqs') - queries - batches;
    const report = {
      endpoints: ENDPOINTS,
      allTypesEndpoints: Math.round(ENDPOINTS * ALL_TYPES_SHARE),
      seedSeconds: Math.round(seedSeconds),
      fanoutMs: Math.round(fanoutMs),
      jobsQueued: queued,
      distinctDeliveryJobsOfTheEvent: distinct,
      subscriptionQueries: queries,
      sendMessageBatches: batches,
      otherAwsCalls: otherCalls,
      dynamoCapacityUnits: dynamoUnits,
      perEndpoint: {
        dynamoWriteUnits: Math.round((dynamoUnits.write / ENDPOINTS) * 100) / 100,
        dynamoReadUnits: Math.round((dynamoUnits.read / ENDPOINTS) * 1000) / 1000,
        awsCalls: Math.round(((dynamoCalls + meter.count('sqs')) / ENDPOINTS) * 1000) / 1000,
      },
      awsCalls: calls,
      dynamoCapacityByItemKind: meter.capacityLines(),
    };
    if (queued !== ENDPOINTS || distinct !== ENDPOINTS) {
      throw new Error(
        `fan-out queued ${queued} jobs (${distinct} distinct of this event) for ${ENDPOINTS} endpoints`,
      );
    }
    const other = Object.entries(calls)
      .filter(([key]) => key !== 'dynamodb:Query' && key !== 'sqs:SendMessageBatch')
      .map(([key, count]) => `${count.toLocaleString('en-US')} ${key}`)
      .join(', ');
    return {
      report,
      tables: [
        {
          title: `Fan-out of one event to ${ENDPOINTS.toLocaleString('en-US')} endpoints of one account (fanout handler on dynalite + fauxqs)`,
          columns: ['figure', 'value', 'unit'],
          rows: [
            ['wall time (local engines in-process)', Math.round(fanoutMs), 'ms'],
            ['delivery jobs in the queue afterwards', queued, 'jobs'],
            ['DynamoDB Query (subscription pages)', queries, 'calls'],
            ['SQS SendMessageBatch', batches, 'calls'],
            ['other AWS calls', otherCalls, `calls (${other})`],
            ['DynamoDB write capacity', dynamoUnits.write, 'WCU'],
            ['DynamoDB read capacity', dynamoUnits.read, 'RCU'],
            ['seeding (not part of the figure)', Math.round(seedSeconds), 's'],
          ],
        },
        capacityTable(
          `DynamoDB capacity of the ${ENDPOINTS.toLocaleString('en-US')}-endpoint fan-out, by table, operation and item kind (index writes in WCU)`,
          report.dynamoCapacityByItemKind,
        ),
      ],
      targets: [
        {
          figure: `${ENDPOINTS.toLocaleString('en-US')}-endpoint fan-out writes (at most one per delivery)`,
          value: dynamoUnits.write,
          target: queued,
          unit: 'WCU',
        },
      ],
    };
  } finally {
    sqs.destroy();
    await fauxqs.stop();
    await dynamo.stop();
  }
}
