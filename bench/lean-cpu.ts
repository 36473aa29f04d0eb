import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand as SdkGetCommand,
  PutCommand as SdkPutCommand,
} from '@aws-sdk/lib-dynamodb';
import { GetCommand, LeanDocumentClient } from '../lambdas/aws/lean/dynamodb.js';

/**
 * CPU per DynamoDB call, the SDK's document client against the lean one (lambdas/aws/lean):
 * sequential GetItem calls of one ~1 KB item, against dynalite in a child process on 127.0.0.1 (so
 * that its own CPU is not counted), measured with process.cpuUsage(). `npx tsx bench/lean-cpu.ts`.
 */

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const WARM_UP = 300;
const ROUNDS = 3;

async function startDynalite(): Promise<{ child: ChildProcess; endpoint: string }> {
  const script = `const s = require('dynalite')({ createTableMs: 0 });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, endpoint: `http://127.0.0.1:${chunk.toString().trim()}` };
}

type Get = () => Promise<unknown>;

async function microsPerCall(get: Get): Promise<number> {
  for (let index = 0; index < WARM_UP; index++) await get();
  const before = process.cpuUsage();
  for (let index = 0; index < CALLS; index++) await get();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

async function main(): Promise<void> {
  const { child, endpoint } = await startDynalite();
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  const sdk = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const lean = new LeanDocumentClient({ endpoint, region: 'us-east-1' });
  try {
    await raw.send(
      new CreateTableCommand({
        TableName: 'bench',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // Roughly a webhook item: a few strings, numbers, a list of maps.
    const item = {
      pk: 'WEBHOOK#wh_1',
      sk: 'WEBHOOK',
      url: 'https://example.com/hooks/orders',
      status: 'active',
      events: ['order.created', 'order.paid', 'order.refunded'],
      secrets: [{ id: 'sec_1', value: 'x'.repeat(64), created_at: '2026-12-01T00:00:00.000Z' }],
      retry_policy: { max_retries: 3, intervals_seconds: [60, 300, 1800] },
      description: 'y'.repeat(600),
      version: 7,
    };
    await sdk.send(new SdkPutCommand({ TableName: 'bench', Item: item }));
    const key = { pk: 'WEBHOOK#wh_1', sk: 'WEBHOOK' };
    const viaSdk: Get = () =>
      sdk.send(new SdkGetCommand({ TableName: 'bench', Key: key, ConsistentRead: true }));
    const viaLean: Get = () =>
      lean.send(new GetCommand({ TableName: 'bench', Key: key, ConsistentRead: true }));
    const results: { sdk: number; lean: number }[] = [];
    // Alternated rounds, so that neither client has the warmer process for itself.
    for (let round = 0; round < ROUNDS; round++) {
      results.push({ sdk: await microsPerCall(viaSdk), lean: await microsPerCall(viaLean) });
    }
    const best = (pick: (result: { sdk: number; lean: number }) => number) =>
      Math.min(...results.map(pick)).toFixed(0);
    console.log(`GetItem CPU per call over ${CALLS} calls, best of ${ROUNDS} rounds (µs, user+system):`);
    console.log(`  SDK document client  ${best((result) => result.sdk)}`);
    console.log(`  lean client          ${best((result) => result.lean)}`);
    console.log(
      `  rounds: ${results.map((result) => `${result.sdk.toFixed(0)}/${result.lean.toFixed(0)}`).join(', ')}`,
    );
  } finally {
    raw.destroy();
    lean.destroy();
    child.kill();
  }
}

await main();
