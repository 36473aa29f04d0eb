import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_TABLES } from '../lambdas/local/options.js';
import { startLocalRuntime } from '../lambdas/local/runtime.js';
import { synthesizeTopology } from '../lib/local-topology.js';
import { ApiClient } from '../test/support/local-runtime.js';
import { Receiver } from '../test/support/receiver.js';
import { AwsMeter } from './aws-meter.js';
import { capacityTable, type SectionResult } from './summary.js';

/**
 * Bench section `delivery`: the delivery pipeline measured on the local runtime (issue 3's figures).
 *  1. burst: 2,000 events x 5 endpoints put on the bus as internal services do (PutEvents, 10 an
 *     entry batch) as fast as 20 clients can; publish-to-receipt latency, deliveries per second, AWS
 *     calls and capacity per delivery;
 *  2. paced: 200 events one at a time through POST /v1/events on an idle pipeline; publish-to-receipt
 *     latency;
 *  3. CPU per delivery in the delivery handler (a child process running only the handler);
 *  4. the modelled AWS bill per million deliveries at list prices (us-east-1, ARM Lambda).
 */

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ENDPOINTS = 5;
const PUBLISHERS = 20;
const PACED_EVENTS = 200;

/** List prices, us-east-1, November 2026. */
const PRICE = {
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  sqsRequest: 0.4 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  eventBridgeEvent: 1.0 / 1e6,
  apiGatewayRequest: 3.5 / 1e6,
  logsGb: 0.5,
};
const LAMBDA_MEMORY_GB = 0.5;
/**
 * Logs per Lambda invocation: START, END and REPORT (~400 bytes) and the handler's one line of
 * counts with Powertools' context (~450 bytes). A failed attempt adds a warn line; the burst has none.
 */
const LOG_BYTES_PER_INVOCATION = 850;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function benchDelivery(log: (line: string) => void = () => {}): Promise<SectionResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'webhooks-bench-'));
  const meter = new AwsMeter(LOCAL_TABLES);
  const platform = new AwsMeter(LOCAL_TABLES);
  let deliverBusyMs = 0;
  let deliverInvocations = 0;
  const runtime = await startLocalRuntime({
    topology: synthesizeTopology(),
    dataDir,
    port: 0,
    adminToken: 'bench-admin',
    instrument: meter.instrument,
    instrumentPlatform: platform.instrument,
    deliveryConcurrency: 4,
    // What the construct deploys (WebhookServiceProps.deliveryBatchSize).
    deliveryBatchSize: 100,
    // As deployed: first attempts stay out of the `due` index (docs/storage.md, write budget).
    indexFirstAttempts: false,
    wrapDeliverHandler: (handler) => async (event) => {
      const started = performance.now();
      try {
        return await handler(event);
      } finally {
        deliverBusyMs += performance.now() - started;
        deliverInvocations += 1;
      }
    },
  });
  const api = new ApiClient(runtime.url, runtime.apiKey);
  const receivers = await Promise.all(
    Array.from({ length: ENDPOINTS }, () => Receiver.start([{ status: 200 }])),
  );
  try {
    for (const receiver of receivers) {
      const created = await api.post('/v1/webhooks', {
        name: 'bench',
        url: `${receiver.url}/hook`,
        events: ['order.created'],
      });
      if (created.status !== 201) throw new Error(`webhook create failed: ${JSON.stringify(created.body)}`);
    }
    const received = () => receivers.reduce((sum, receiver) => sum + receiver.requests.length, 0);
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 600_000;
      while (received() < count) {
        if (Date.now() > deadline) throw new Error(`only ${received()} of ${count} deliveries arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // 1. Burst, on the bus: the bill below is what internal services publishing there cost; the API
    // path's extras are modelled apart (apiPathExtra).
    const bus = new EventBridgeClient({
      endpoint: runtime.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    meter.reset();
    platform.reset();
    const burstPublishedAt = new Map<string, number>();
    const burstStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PUBLISHERS }, async () => {
        while (next < EVENTS) {
          const indexes = Array.from({ length: Math.min(10, EVENTS - next) }, () => next++);
          const sentAt = Date.now();
          const answer = await bus.send(
            new PutEventsCommand({
              Entries: indexes.map((index) => ({
                EventBusName: 'webhooks-local',
                Source: 'bench.orders',
                DetailType: 'order.created',
                Detail: JSON.stringify({
                  account_id: runtime.accountId,
                  data: { order_id: `ord_${index}`, amount: 149.99, currency: 'EUR' },
                }),
              })),
            }),
          );
          if (answer.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(answer.Entries)}`);
          for (const index of indexes) burstPublishedAt.set(`ord_${index}`, sentAt);
        }
      }),
    );
    const deliveries = EVENTS * ENDPOINTS;
    await waitFor(deliveries);
    const burstSeconds =
      (Math.max(...receivers.flatMap((r) => r.requests.map((q) => q.receivedAt))) - burstStart) / 1000;
    const burstLatency = receivers.flatMap((receiver) =>
      receiver.requests.map((request) => {
        const orderId = (JSON.parse(request.body) as { data?: { order_id?: string } }).data?.order_id;
        const sent = orderId === undefined ? undefined : burstPublishedAt.get(orderId);
        return sent === undefined ? Number.NaN : request.receivedAt - sent;
      }),
    );
    log(`delivery: burst of ${deliveries} deliveries in ${round(burstSeconds, 1)} s`);
    const counts = {
      // Table writes as dynalite reports them, plus the index writes it leaves out (see AwsMeter).
      dynamoWriteUnits: meter.writeUnits + meter.indexWriteUnits,
      dynamoIndexWriteUnits: meter.indexWriteUnits,
      dynamoReadUnits: meter.readUnits,
      dynamoCalls: meter.count('dynamodb'),
      projectSqs: meter.count('sqs'),
      platformSqs: platform.count('sqs'),
      putEvents: meter.count('eventbridge'),
      batches: platform.calls.get('sqs:DeleteMessageBatch') ?? 0,
    };
    const capacityLines = meter.capacityLines();
    const calls = Object.fromEntries([...meter.calls].sort());
    const platformCalls = Object.fromEntries([...platform.calls].sort());
    // Lambda's pollers long-poll; the local pollers' empty polls are not what AWS bills, so the
    // model counts one receive and one delete per 10 messages handled (the local pollers delete 10 a
    // call, as SQS allows), plus EventBridge's SendMessage.
    const modelledPlatformSqs = counts.batches * 2 + (platform.calls.get('sqs:SendMessage') ?? 0);

    // 2. Paced.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pacedPublishedAt = new Map<string, number>();
    const before = receivers.map((receiver) => receiver.requests.length);
    for (let index = 0; index < PACED_EVENTS; index++) {
      const sentAt = Date.now();
      const response = await api.post<{ id: string }>('/v1/events', {
        type: 'order.created',
        data: { order_id: `p_${index}` },
      });
      pacedPublishedAt.set(response.body.id, sentAt);
      const target = received() + ENDPOINTS;
      await waitFor(target);
    }
    const pacedLatency = receivers.flatMap((receiver, index) =>
      receiver.requests
        .slice(before[index])
        .map(
          (request) =>
            request.receivedAt - (pacedPublishedAt.get(String(request.headers['webhook-id'])) ?? Number.NaN),
        ),
    );

    log(`delivery: ${PACED_EVENTS} paced events done`);

    // 3. CPU per delivery, in a process that runs only the delivery handler.
    const profile = process.env.BENCH_CPU_PROFILE
      ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE]
      : [];
    const child = await promisify(execFile)(
      process.execPath,
      [...profile, '--import', 'tsx', join('bench', 'deliver-cpu.ts')],
      {
        env: {
          ...process.env,
          CONFIG_TABLE_NAME: runtime.engines.tables.config,
          DELIVERIES_TABLE_NAME: runtime.engines.tables.deliveries,
          DYNAMODB_ENDPOINT: runtime.engines.dynamoDbEndpoint,
          SQS_ENDPOINT: runtime.engines.sqsEndpoint,
          DELIVERY_QUEUE_URL: runtime.queueUrls.delivery,
          PARKED_QUEUE_URL: runtime.queueUrls.parked,
          MASTER_KEY_FILE: join(dataDir, 'master.key'),
          RECEIVER_URL: receivers[0]!.url,
          ACCOUNT_ID: runtime.accountId,
        },
        maxBuffer: 1 << 20,
      },
    );
    const cpu = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
      deliveries: number;
      failures: number;
      cpuMicros: number;
      wallMs: number;
    };

    log(`delivery: deliver handler CPU measured over ${cpu.deliveries} deliveries`);

    // 4. The bill.
    const per = (value: number) => value / deliveries;
    // Deliver's invocations as counted, and fan-out's: batches of up to 10 ingest messages (its event
    // source's batchSize), so at least one per 10 events.
    const invocations = deliverInvocations + Math.ceil(EVENTS / 10);
    const lambdaSeconds = deliverBusyMs / 1000 + 0; // fan-out time is small next to delivery
    const cost = {
      dynamodb:
        per(counts.dynamoWriteUnits) * PRICE.dynamoWriteUnit +
        per(counts.dynamoReadUnits) * PRICE.dynamoReadUnit,
      sqs: per(counts.projectSqs + modelledPlatformSqs) * PRICE.sqsRequest,
      eventbridge: per(EVENTS) * PRICE.eventBridgeEvent,
      lambdaRequests: per(invocations) * PRICE.lambdaRequest,
      lambdaDuration: per(lambdaSeconds) * LAMBDA_MEMORY_GB * PRICE.lambdaGbSecondArm,
      logs: (per(invocations * LOG_BYTES_PER_INVOCATION) / 1e9) * PRICE.logsGb,
    };
    const perMillion = Object.fromEntries(
      Object.entries(cost).map(([name, value]) => [name, round(value * 1e6)]),
    );
    const total = round(Object.values(cost).reduce((sum, value) => sum + value, 0) * 1e6);
    // Publishing through POST /v1/events instead adds, per event: the API Gateway request, the
    // publish function's invocation, and its reads of the event type, the account and the day's
    // usage (the authorizer's answer is cached by API Gateway for 5 minutes).
    const apiPathExtra = round(
      per(EVENTS) * (PRICE.apiGatewayRequest + PRICE.lambdaRequest + 3 * PRICE.dynamoReadUnit) * 1e6,
    );

    const report = {
      run: { events: EVENTS, endpoints: ENDPOINTS, deliveries, publishers: PUBLISHERS },
      burst: {
        seconds: round(burstSeconds, 1),
        deliveriesPerSecond: Math.round(deliveries / burstSeconds),
        latencyMs: { p50: percentile(burstLatency, 50), p99: percentile(burstLatency, 99) },
      },
      paced: {
        events: PACED_EVENTS,
        latencyMs: { p50: percentile(pacedLatency, 50), p99: percentile(pacedLatency, 99) },
      },
      perDelivery: {
        dynamoWriteUnits: round(per(counts.dynamoWriteUnits)),
        dynamoIndexWriteUnits: round(per(counts.dynamoIndexWriteUnits)),
        dynamoReadUnits: round(per(counts.dynamoReadUnits)),
        dynamoCalls: round(per(counts.dynamoCalls)),
        projectSqsRequests: round(per(counts.projectSqs)),
        platformSqsRequestsModelled: round(per(modelledPlatformSqs)),
        eventBridgePutEvents: round(per(counts.putEvents)),
        lambdaInvocations: round(per(invocations), 3),
      },
      deliverHandler: {
        cpuMsPerDelivery: round(cpu.cpuMicros / cpu.deliveries / 1000, 3),
        measuredDeliveries: cpu.deliveries,
        failures: cpu.failures,
        avgBatchMs: round(deliverBusyMs / Math.max(1, deliverInvocations), 1),
      },
      costPerMillionDeliveriesUsd: {
        ...perMillion,
        total,
        plusApiGatewayIfPublishedThroughApi: apiPathExtra,
      },
      awsCalls: calls,
      platformCalls,
      dynamoCapacityByItemKind: capacityLines,
    };
    const cpuMicrosPerDelivery = cpu.cpuMicros / cpu.deliveries;
    const fixed = (value: number, digits = 2) => value.toFixed(digits);
    return {
      report,
      tables: [
        {
          title: `Delivery pipeline: ${EVENTS.toLocaleString('en-US')} events x ${ENDPOINTS} endpoints through the local runtime`,
          columns: ['figure', 'value', 'unit'],
          rows: [
            ['burst throughput', report.burst.deliveriesPerSecond, 'deliveries/s'],
            [
              'burst publish-to-receipt p50 / p99',
              `${report.burst.latencyMs.p50} / ${report.burst.latencyMs.p99}`,
              'ms',
            ],
            [
              'paced publish-to-receipt p50 / p99',
              `${report.paced.latencyMs.p50} / ${report.paced.latencyMs.p99}`,
              'ms',
            ],
            ['deliver handler CPU', Math.round(cpuMicrosPerDelivery), 'µs/delivery'],
            [
              'DynamoDB write / read capacity',
              `${fixed(per(counts.dynamoWriteUnits))} / ${fixed(per(counts.dynamoReadUnits))}`,
              'units/delivery',
            ],
            [
              'AWS bill per million deliveries',
              `$${fixed(total)}`,
              `(+$${fixed(apiPathExtra)} through API Gateway)`,
            ],
          ],
        },
        capacityTable(
          `DynamoDB capacity of the burst per 10,000 deliveries, by table, operation and item kind (index writes in WCU)`,
          capacityLines,
          10_000 / deliveries,
        ),
      ],
      targets: [
        {
          figure: 'modelled AWS bill per million deliveries',
          value: total,
          target: 1.5,
          unit: '$',
          digits: 2,
        },
        {
          figure: 'DynamoDB write units per delivery',
          value: per(counts.dynamoWriteUnits),
          target: 1.5,
          unit: 'WCU',
          digits: 2,
        },
        {
          figure: 'DynamoDB read units per delivery',
          value: per(counts.dynamoReadUnits),
          target: 1.5,
          unit: 'RCU',
          digits: 2,
        },
        { figure: 'deliver handler CPU per delivery', value: cpuMicrosPerDelivery, target: 500, unit: 'µs' },
      ],
    };
  } finally {
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
