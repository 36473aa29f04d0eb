import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * The receiver examples of docs/receivers/, run as documented against real deliveries: each answers
 * 200 only when both signature schemes verify, so a succeeded delivery proves the recipe works.
 */

const hasPython = spawnSync('python3', ['--version']).status === 0;
const EXAMPLES = [
  { name: 'Node', command: process.execPath, args: ['docs/receivers/node-receiver.mjs'], available: true },
  { name: 'Python', command: 'python3', args: ['docs/receivers/python_receiver.py'], available: hasPython },
];

let runtime: TestRuntime;
let receiver: ChildProcess | undefined;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterEach(() => {
  receiver?.kill();
  receiver = undefined;
});

afterAll(async () => {
  await runtime.dispose();
});

async function startExample(example: (typeof EXAMPLES)[number], secret: string): Promise<string> {
  receiver = spawn(example.command, example.args, {
    env: { ...process.env, WEBHOOK_SECRET: secret, PORT: '0' },
  });
  let output = '';
  receiver.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await eventually(async () => /listening on (\d+)/.exec(output)?.[1], 10_000);
  return `http://127.0.0.1:${port}`;
}

describe.each(EXAMPLES)('the $name receiver example', (example) => {
  it.runIf(example.available)('verifies real deliveries, also across a secret rotation', async () => {
    // Prepare
    const created = await runtime.tenant.post<WebhookResource & { secret: string }>('/v1/webhooks', {
      name: `${example.name} example`,
      url: 'http://127.0.0.1:9/placeholder',
      events: ['order.created'],
    });
    const url = await startExample(example, created.body.secret);
    await runtime.tenant.patch(`/v1/webhooks/${created.body.id}`, { url: `${url}/hook` });
    const deliveries = async () =>
      (
        await runtime.tenant.get<{ data: { status: string; last_status_code: number | null }[] }>(
          `/v1/webhooks/${created.body.id}/deliveries`,
        )
      ).body.data;

    // Act: one event before and one after a rotation the receiver has not caught up with.
    await runtime.tenant.post('/v1/events', { type: 'order.created', data: { order_id: 'before' } });
    await eventually(async () =>
      (await deliveries()).length === 1 && (await deliveries())[0]?.status !== 'pending' ? true : undefined,
    );
    await runtime.tenant.post(`/v1/webhooks/${created.body.id}/rotate-secret`, {
      grace_period_seconds: 3600,
    });
    await runtime.tenant.post('/v1/events', { type: 'order.created', data: { order_id: 'after' } });

    // Assess
    const settled = await eventually(async () => {
      const all = await deliveries();
      return all.length === 2 && all.every((delivery) => delivery.status !== 'pending') ? all : undefined;
    });
    expect(settled.map((delivery) => [delivery.status, delivery.last_status_code])).toEqual([
      ['succeeded', 200],
      ['succeeded', 200],
    ]);
  });

  it.runIf(example.available)('rejects a request whose signature does not match', async () => {
    // Prepare
    const url = await startExample(example, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const timestamp = String(Math.floor(Date.now() / 1000));

    // Act
    const response = await fetch(`${url}/hook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'evt_forged',
        'webhook-timestamp': timestamp,
        'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        'x-webhook-timestamp': timestamp,
        'x-webhook-signature': `sha256=${'0'.repeat(64)}`,
      },
      body: '{"id":"evt_forged","type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{}}',
    });

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ verified: false });
  });
});

afterAll(async () => {
  if (receiver && receiver.exitCode === null) {
    receiver.kill();
    await once(receiver, 'exit');
  }
});

describe('the README', () => {
  it('quotes the receiver examples verbatim', async () => {
    // Prepare
    const readme = await readFile('README.md', 'utf8');
    const excerpts = [...readme.matchAll(/<!-- receiver-excerpt: (\S+) -->\s*```\w+\n([\s\S]*?)```/g)];

    // Act
    const quoted = await Promise.all(
      excerpts.map(async ([, file, code]) => ({
        file,
        verbatim: (await readFile(file!, 'utf8')).includes(code!),
      })),
    );

    // Assess
    expect(quoted).toEqual([
      { file: 'docs/receivers/node-receiver.mjs', verbatim: true },
      { file: 'docs/receivers/python_receiver.py', verbatim: true },
    ]);
  });
});
