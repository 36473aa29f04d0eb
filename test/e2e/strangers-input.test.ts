import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busEntryFor, busEntrySize, MAX_BUS_ENTRY_BYTES } from '../../lambdas/domain/bus-event.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ApiClient, eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { type ReceivedRequest, Receiver } from '../support/receiver.js';

/**
 * What a stranger sends (issue 9, items 1, 2 and 5): any JSON string reaches every receiver exactly
 * as published, through POST /v1/events, the bus and the test send, and the runtime starts again on
 * the data it left; the bus cannot cross tenants; an event whose EventBridge entry would not fit is
 * refused with 413. Real local runtime, real receivers on 127.0.0.1, the official verifier.
 */

/** Every kind of text JSON can carry: emoji, astral, noncharacters, controls, lone surrogates. */
const STRANGE_TEXT = {
  emoji: 'New sale! 🎉',
  astral: '\u{1F389}\u{10FFFF}\u{10000}',
  noncharacters: '\uFFFE\uFFFF',
  controls: '\u0000\u0001\u0008\u000B\u001F\u007F',
  lone_surrogates: '\uD800 and \uDFFF',
} as const;
const STRANGE_DATA = {
  ...STRANGE_TEXT,
  'key 🎉 \uFFFF \u0000 \uD800': 'keys are text too',
  nested: [STRANGE_TEXT, { deeper: STRANGE_TEXT.noncharacters }],
};
const STRANGE_KEY = 'idem 🎉 \uFFFE\uFFFF \u0000 \uDFFF';

let runtime: TestRuntime;
const receivers: Receiver[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

async function aReceiver(): Promise<Receiver> {
  const receiver = await Receiver.start();
  receivers.push(receiver);
  return receiver;
}

type Created = WebhookResource & { secret: string };

async function aWebhook(
  client: ApiClient,
  receiver: Receiver,
  overrides: Record<string, unknown> = {},
): Promise<Created> {
  const created = await client.post<Created>('/v1/webhooks', {
    name: 'stranger',
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    retry_policy: { intervals_seconds: [1] },
    ...overrides,
  });
  expect(created.status).toBe(201);
  return created.body;
}

function verified(request: ReceivedRequest, secret: string): { id: string; data: unknown } {
  return new StandardWebhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { id: string; data: unknown };
}

const firstRequest = (receiver: Receiver) =>
  eventually(async () => receiver.requests[0], 20_000).then((request) => request);

const bus = () => new EventBridgeClient({ endpoint: runtime.eventBridgeEndpoint, region: 'us-east-1' });

async function putOnBus(entry: { DetailType: string; Detail: string; Source?: string }): Promise<string> {
  const result = await bus().send(
    new PutEventsCommand({
      Entries: [{ EventBusName: 'webhooks-local', Source: entry.Source ?? 'billing-service', ...entry }],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
  return result.Entries?.[0]?.EventId ?? '';
}

/** Another account with a key of its own. */
async function anotherTenant(): Promise<{ accountId: string; client: ApiClient }> {
  const account = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Other 🎉' });
  expect(account.status).toBe(201);
  const key = await runtime.admin.post<{ key: string }>(`/v1/admin/accounts/${account.body.id}/api-keys`, {
    scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
  });
  expect(key.status).toBe(201);
  return { accountId: account.body.id, client: runtime.tenant.withToken(key.body.key) };
}

describe('any JSON text is a valid payload', () => {
  it('delivers an event published through POST /v1/events exactly as published, once per idempotency key', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver);
    // Act
    const first = await runtime.tenant.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: STRANGE_DATA,
      idempotency_key: STRANGE_KEY,
    });
    const again = await runtime.tenant.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: STRANGE_DATA,
      idempotency_key: STRANGE_KEY,
    });
    // Assess
    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 202, body: { id: first.body.id } });
    const payload = verified(await firstRequest(receiver), webhook.secret);
    expect(payload).toMatchObject({ id: first.body.id, data: STRANGE_DATA });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests).toHaveLength(1);
  });

  it("delivers seed 002's 🎉 Slack example, and starts again on the data directory it left", async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver);
    const published = await runtime.tenant.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: { note: 'New sale! 🎉' },
    });
    expect(published.status).toBe(202);
    await firstRequest(receiver);
    const { dataDir, apiKey } = runtime;
    // Act
    await runtime.stop();
    runtime = await startTestRuntime({ dataDir, apiKey });
    const after = await runtime.tenant.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: { note: 'after the restart 🎉' },
    });
    // Assess
    expect(after.status).toBe(202);
    await eventually(async () => (receiver.requests.length >= 2 ? true : undefined), 20_000);
    const notes = receiver.requests.map(
      (request) => (verified(request, webhook.secret).data as { note: string }).note,
    );
    expect(new Set(notes)).toEqual(new Set(['New sale! 🎉', 'after the restart 🎉']));
  });

  it('delivers an event put on the bus exactly, in the detail the API itself sends', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver);
    const entry = busEntryFor({
      accountId: runtime.accountId,
      type: 'order.created',
      data: STRANGE_DATA,
      idempotencyKey: `${STRANGE_KEY} bus`,
      time: new Date(),
    });
    // Act
    await putOnBus({ DetailType: entry.DetailType, Detail: entry.Detail });
    // Assess
    expect(verified(await firstRequest(receiver), webhook.secret).data).toEqual(STRANGE_DATA);
  });

  it('delivers a plain bus detail with emoji, controls and lone surrogates exactly', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver);
    const { noncharacters: _refusedBySqs, ...plain } = STRANGE_TEXT;
    // Act
    await putOnBus({
      DetailType: 'order.created',
      Detail: JSON.stringify({ accountId: runtime.accountId, data: plain }),
    });
    // Assess
    expect(verified(await firstRequest(receiver), webhook.secret).data).toEqual(plain);
  });

  it("sends an event type's example exactly in a test send", async () => {
    // Prepare
    const example = { ...STRANGE_DATA };
    const type = await runtime.admin.put('/v1/admin/event-types/strange.example', {
      description: 'Any text 🎉 \uFFFF',
      example,
    });
    expect(type.status).toBe(200);
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver, { events: ['strange.example'] });
    // Act
    const sent = await runtime.tenant.post<{ success: boolean }>(`/v1/webhooks/${webhook.id}/test`, {
      event_type: 'strange.example',
    });
    // Assess
    expect(sent.body.success).toBe(true);
    expect(verified(receiver.requests[0]!, webhook.secret).data).toEqual(example);
  });

  it('keeps webhook names and descriptions exactly, and sends header values as their UTF-8 bytes', async () => {
    // Prepare
    const receiver = await aReceiver();
    const name = 'Orders 🎉 \uFFFE\uFFFF \u0000 \uD800';
    const description = `${STRANGE_TEXT.controls} ${STRANGE_TEXT.lone_surrogates} ${STRANGE_TEXT.astral}`;
    const headerValue = 'café 🎉 \u{10FFFF} \uFFFF';
    // Act
    const webhook = await aWebhook(runtime.tenant, receiver, {
      name,
      description,
      headers: { 'X-Note': headerValue },
    });
    const read = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`);
    await runtime.tenant.post(`/v1/webhooks/${webhook.id}/test`, { event_type: 'order.created' });
    // Assess
    expect(read.body).toMatchObject({ name, description, headers: { 'X-Note': headerValue } });
    const sentBytes = Buffer.from(String(receiver.requests[0]?.headers['x-note']), 'latin1');
    expect(sentBytes.toString('utf8')).toBe(headerValue);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a control character', 'a\u0007b'],
    ['a lone surrogate', 'a\uD800b'],
  ])(
    'refuses a header value with %s with a 400 that names it, and creates nothing',
    async (_label, value) => {
      // Prepare
      const receiver = await aReceiver();
      // Act
      const created = await runtime.tenant.post<{ error: { message: string } }>('/v1/webhooks', {
        name: 'bad header',
        url: `${receiver.url}/hook`,
        events: ['order.created'],
        headers: { 'X-Note': value },
      });
      // Assess
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.body)).toContain('X-Note');
    },
  );
});

describe('the bus cannot cross tenants', () => {
  it("never delivers another account's event, whatever event_id a bus detail names", async () => {
    // Prepare: the other account publishes a secret to its own endpoint
    const other = await anotherTenant();
    const otherReceiver = await aReceiver();
    await aWebhook(other.client, otherReceiver);
    const secret = await other.client.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: { secret: 'of the other account' },
    });
    expect(secret.status).toBe(202);
    await firstRequest(otherReceiver);
    const receiver = await aReceiver();
    const webhook = await aWebhook(runtime.tenant, receiver);
    // Act: a bus publisher names the other account's event for this account
    await putOnBus({
      DetailType: 'order.created',
      Detail: JSON.stringify({
        account_id: runtime.accountId,
        data: { mine: true },
        event_id: secret.body.id,
      }),
    });
    // Assess
    const payload = verified(await firstRequest(receiver), webhook.secret);
    expect(payload.data).toEqual({ mine: true });
    expect(payload.id).not.toBe(secret.body.id);
    expect(receiver.requests.map((request) => request.body).join('')).not.toContain('of the other account');
  });

  /** The parked records of invalid events whose payload contains `marker`. */
  async function parkedWith(marker: string): Promise<{ reason: string }[]> {
    const found: { reason: string }[] = [];
    await eventually(async () => {
      const { Messages = [] } = await runtime.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: runtime.queueUrls.parked,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      for (const message of Messages) {
        const record = JSON.parse(message.Body ?? '{}') as { kind: string; reason: string; payload: string };
        if (record.kind === 'invalid_event' && record.payload.includes(marker)) found.push(record);
      }
      return found.length > 0 ? true : undefined;
    }, 15_000);
    return found;
  }

  it.each([
    [
      'an operational type',
      'endpoint.disabled',
      (account: string) => ({ account_id: account, data: { webhook_id: 'wh_x' } }),
      'published by the service itself',
    ],
    [
      'an unknown type',
      'no.such.type',
      (account: string) => ({ account_id: account, data: {} }),
      'unknown event type: no.such.type',
    ],
    [
      'an unknown account',
      'order.created',
      () => ({ account_id: 'acc_nobody', data: {} }),
      'unknown account: acc_nobody',
    ],
    [
      'a detail without data',
      'order.created',
      (account: string) => ({ account_id: account }),
      'not a webhook event',
    ],
  ])(
    'parks a bus event with %s, with its reason, and delivers nothing',
    async (_label, type, detail, reason) => {
      // Prepare
      const receiver = await aReceiver();
      await aWebhook(runtime.tenant, receiver, { events: [] });
      const marker = `marker-${Math.random().toString(36).slice(2)}`;
      // Act
      await putOnBus({ DetailType: type, Source: marker, Detail: JSON.stringify(detail(runtime.accountId)) });
      // Assess
      const parked = await parkedWith(marker);
      expect(parked).toEqual([expect.objectContaining({ reason: expect.stringContaining(reason) })]);
      expect(receiver.requests).toHaveLength(0);
    },
  );
});

describe('what EventBridge refuses, POST /v1/events refuses', () => {
  /** Data of a string of `padding` bytes, and the size of the entry the API would put on the bus. */
  const entryBytes = (padding: number) => {
    const data = { pad: 'x'.repeat(padding) };
    const entry = busEntryFor({
      accountId: runtime.accountId,
      type: 'order.created',
      data,
      time: new Date(),
    });
    return { data, size: busEntrySize(entry) };
  };

  it('accepts an event whose entry is exactly 256 KB, and answers 413 for one byte more', async () => {
    // Prepare
    const base = entryBytes(0).size;
    const fits = entryBytes(MAX_BUS_ENTRY_BYTES - base);
    const over = entryBytes(MAX_BUS_ENTRY_BYTES - base + 1);
    expect([fits.size, over.size]).toEqual([MAX_BUS_ENTRY_BYTES, MAX_BUS_ENTRY_BYTES + 1]);
    // Act
    const accepted = await runtime.tenant.post('/v1/events', { type: 'order.created', data: fits.data });
    const refused = await runtime.tenant.post<{ error: { code: string; message: string } }>('/v1/events', {
      type: 'order.created',
      data: over.data,
    });
    // Assess
    expect(accepted.status).toBe(202);
    expect(refused.status).toBe(413);
    expect(refused.body.error.message).toContain('262144');
  });

  it('counts the escapes a noncharacter needs on its way through SQS: 413, not a 500', async () => {
    // Prepare: 60,000 U+FFFF are 180,000 bytes in the body, and more than 256 KB once escaped
    const data = { pad: '\uFFFF'.repeat(60_000) };
    // Act
    const refused = await runtime.tenant.post('/v1/events', { type: 'order.created', data });
    // Assess
    expect(refused.status).toBe(413);
  });
});
