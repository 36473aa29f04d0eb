import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { emailsIn, type OutboxEmail } from '../support/outbox.js';
import { type Behaviour, Receiver } from '../support/receiver.js';

/**
 * Escalation end to end, in the local runtime: real receivers on 127.0.0.1, the synthesized state
 * machine run by aws-local-stepfunctions with a 2-second wait, emails read back from the outbox,
 * operational events delivered to a customer endpoint subscribed to them.
 */

type Email = OutboxEmail;
interface DeliverySummary {
  id: string;
  status: string;
  attempts: number;
  failure_reason: string | null;
}
type Created = WebhookResource & { secret: string };

let runtime: TestRuntime;
let watcher: Receiver;
const receivers: Receiver[] = [];

beforeAll(async () => {
  // A 1-second recovery cool-down (the default is 10 minutes); the flapping case
  // (escalation-flapping.test.ts) has a runtime of its own.
  runtime = await startTestRuntime({ escalationWaitSeconds: 2, recoveryCooldownSeconds: 1 });
  // Alerts reach confirmed addresses only: the platform vouches for the ones these tests use.
  const patched = await runtime.admin.patch(`/v1/admin/accounts/${runtime.accountId}`, {
    alert_emails: [
      'watcher@example.com',
      'owner-disabled@example.com',
      'owner-reenable@example.com',
      'owner-recovers@example.com',
      'owner-once@example.com',
      'owner-loop@example.com',
      'owner-hostile@example.com',
      'owner-capped@example.com',
    ],
  });
  expect(patched.status).toBe(200);
  // A customer endpoint subscribed to the operational events of its account.
  watcher = await aReceiver([{ status: 200 }]);
  await aWebhook(watcher, {
    events: ['endpoint.failing', 'endpoint.recovered', 'endpoint.disabled'],
    alerting: { email: 'watcher@example.com' },
  });
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

async function aReceiver(script: Behaviour[]): Promise<Receiver> {
  const receiver = await Receiver.start(script);
  receivers.push(receiver);
  return receiver;
}

async function aWebhook(receiver: Receiver, overrides: Record<string, unknown> = {}): Promise<Created> {
  const response = await runtime.tenant.post<Created>('/v1/webhooks', {
    name: 'escalating',
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    ...overrides,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function publish(data: Record<string, unknown> = {}): Promise<void> {
  const response = await runtime.tenant.post('/v1/events', { type: 'order.created', data });
  expect(response.status).toBe(202);
}

const emailsTo = (address: string): Promise<Email[]> => emailsIn(runtime.outboxDir, address);

/** Waits for the email to `address` whose subject starts with `prefix`. */
const emailLike = (address: string, prefix: string, timeoutMs = 20_000) =>
  eventually(
    async () => (await emailsTo(address)).find((email) => email.subject.startsWith(prefix)),
    timeoutMs,
  );

async function opsNotices(webhookId: string): Promise<{ transition: string }[]> {
  try {
    return (await readFile(runtime.opsTopicLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { transition: string; webhookId: string })
      .filter((notice) => notice.webhookId === webhookId);
  } catch {
    return [];
  }
}

/** The operational events the watcher endpoint received about `webhookId`. */
const watched = (webhookId: string) =>
  watcher.requests
    .map((request) => JSON.parse(request.body) as { type: string; data: { webhook_id: string } })
    .filter((payload) => payload.data.webhook_id === webhookId)
    .map((payload) => payload.type);

const executionsOf = (webhookId: string) =>
  runtime.escalations.list().filter((execution) => execution.input.webhookId === webhookId);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('escalation of a failing endpoint', () => {
  it('lists the operational event types for customers to subscribe to', async () => {
    // Act
    const response = await runtime.tenant.get<{ data: { name: string }[] }>('/v1/event-types');
    // Assess
    expect(response.body.data.map((type) => type.name)).toEqual(
      expect.arrayContaining(['endpoint.failing', 'endpoint.recovered', 'endpoint.disabled']),
    );
  });

  it('alerts, waits, disables an endpoint that keeps answering 500, and sends it nothing more', async () => {
    // Prepare: threshold 2; the second attempt crosses it, the third is due after the disable.
    const receiver = await aReceiver([{ status: 500, body: 'upstream down' }]);
    const webhook = await aWebhook(receiver, {
      alerting: { email: 'owner-disabled@example.com', failure_threshold: 2 },
      retry_policy: { max_retries: 2, intervals_seconds: [1, 8] },
    });
    // Act
    await publish({ order_id: 'ord_disable' });
    // Assess: "failing" first, then "disabled" after the wait.
    const failing = await emailLike('owner-disabled@example.com', 'Webhook endpoint failing');
    expect(failing.text).toContain('failed 2 consecutive delivery attempts (threshold 2)');
    expect(failing.text).toContain('HTTP 500');
    expect(failing.text).toContain(`${runtime.url}/v1/webhooks/${webhook.id}/deliveries?status=failed`);
    const disabled = await emailLike('owner-disabled@example.com', 'Webhook endpoint disabled');
    expect(Date.parse(disabled.sent_at) - Date.parse(failing.sent_at)).toBeGreaterThanOrEqual(2000);
    const stored = (await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`)).body;
    expect(stored.status).toBe('disabled');
    expect(stored.disabled_reason).toContain('consecutive failed attempts');
    // Nothing more is sent: the pending retry ends as endpoint_disabled, new events make no delivery.
    const attemptsSoFar = receiver.requests.length;
    expect(attemptsSoFar).toBe(2);
    await publish({ order_id: 'ord_after_disable' });
    const [delivery] = await eventually(async () => {
      const list = (
        await runtime.tenant.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhook.id}/deliveries`)
      ).body.data;
      return list.length === 1 && list[0]!.status === 'failed' ? list : undefined;
    }, 15_000);
    expect(delivery).toMatchObject({ attempts: 2, failure_reason: 'endpoint_disabled' });
    await sleep(1500);
    expect(receiver.requests).toHaveLength(attemptsSoFar);
    // The platform team and subscribed customer endpoints heard every transition.
    expect((await opsNotices(webhook.id)).map((notice) => notice.transition)).toEqual([
      'failing',
      'disabled',
    ]);
    await eventually(async () => (watched(webhook.id).length === 2 ? true : undefined));
    expect(watched(webhook.id)).toEqual(['endpoint.failing', 'endpoint.disabled']);
    expect(executionsOf(webhook.id).map((execution) => execution.status)).toEqual(['SUCCEEDED']);
  });

  it('re-enables a disabled endpoint with its counter reset, and retry-failed re-sends what failed', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 500 }]);
    const webhook = await aWebhook(receiver, {
      alerting: { email: 'owner-reenable@example.com', failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    });
    await publish({ order_id: 'ord_reenable' });
    await emailLike('owner-reenable@example.com', 'Webhook endpoint disabled');
    receiver.respondWith([{ status: 200 }]);
    // Act
    const patched = await runtime.tenant.patch<WebhookResource>(`/v1/webhooks/${webhook.id}`, {
      status: 'active',
    });
    const retried = await runtime.tenant.post<{ queued: number }>(`/v1/webhooks/${webhook.id}/retry-failed`);
    // Assess
    expect(patched.body).toMatchObject({ status: 'active', disabled_reason: null });
    expect(retried.body.queued).toBe(1);
    await eventually(async () => {
      const list = (
        await runtime.tenant.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhook.id}/deliveries`)
      ).body.data;
      return list[0]?.status === 'succeeded' ? true : undefined;
    });
    expect(
      await runtime.dependencies.endpointHealth.getFailureState(runtime.accountId, webhook.id),
    ).toMatchObject({
      consecutiveFailures: 0,
      episodeState: 'closed',
    });
  });

  it('announces the recovery of an endpoint that delivers again during the wait, and keeps it active', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 503 }]);
    const webhook = await aWebhook(receiver, {
      alerting: { email: 'owner-recovers@example.com', failure_threshold: 2 },
      retry_policy: { max_retries: 0 },
    });
    await publish({ order_id: 'ord_fail_1' });
    await eventually(async () => (receiver.requests.length === 1 ? true : undefined));
    await publish({ order_id: 'ord_fail_2' });
    await emailLike('owner-recovers@example.com', 'Webhook endpoint failing');
    // Act: the endpoint is back before the 2-second wait ends.
    receiver.respondWith([{ status: 200 }]);
    await publish({ order_id: 'ord_recovered' });
    // Assess
    const recovered = await emailLike('owner-recovers@example.com', 'Webhook endpoint recovered');
    expect(recovered.text).toContain('stays active');
    expect(recovered.text).toContain(
      `Open this webhook in the portal: ${runtime.url}/portal/#/webhooks/${webhook.id}`,
    );
    expect(
      (await emailsTo('owner-recovers@example.com')).map((email) => email.subject.split(':')[0]),
    ).toEqual(['Webhook endpoint failing', 'Webhook endpoint recovered']);
    expect((await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`)).body.status).toBe(
      'active',
    );
    expect((await opsNotices(webhook.id)).map((notice) => notice.transition)).toEqual([
      'failing',
      'recovered',
    ]);
    await eventually(async () => (watched(webhook.id).length === 2 ? true : undefined));
    expect(watched(webhook.id)).toEqual(['endpoint.failing', 'endpoint.recovered']);
  });

  it('starts one execution for an episode however many failures cross the threshold', async () => {
    // Prepare: threshold 1, so every one of these concurrent failures crosses it.
    const receiver = await aReceiver([{ status: 500 }]);
    const webhook = await aWebhook(receiver, {
      alerting: { email: 'owner-once@example.com', failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    });
    // Act
    await Promise.all([1, 2, 3, 4].map((n) => publish({ order_id: `ord_burst_${n}` })));
    await eventually(async () => (receiver.requests.length === 4 ? true : undefined));
    await emailLike('owner-once@example.com', 'Webhook endpoint failing');
    // Assess
    await sleep(500);
    expect(executionsOf(webhook.id).map((execution) => execution.name)).toEqual([`${webhook.id}-1`]);
    expect(
      (await emailsTo('owner-once@example.com')).filter((email) =>
        email.subject.startsWith('Webhook endpoint failing'),
      ),
    ).toHaveLength(1);
    expect(
      await runtime.dependencies.endpointHealth.getFailureState(runtime.accountId, webhook.id),
    ).toMatchObject({
      consecutiveFailures: 4,
      episode: 1,
    });
  });

  it('never escalates an endpoint on its own failure events (no feedback loop)', async () => {
    // Prepare: an endpoint that fails everything, subscribed to its own operational events too.
    const receiver = await aReceiver([{ status: 500 }]);
    const webhook = await aWebhook(receiver, {
      events: ['order.created', 'endpoint.failing', 'endpoint.disabled'],
      alerting: { email: 'owner-loop@example.com', failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    });
    // Act
    await publish({ order_id: 'ord_loop' });
    await emailLike('owner-loop@example.com', 'Webhook endpoint disabled');
    // Assess: its own endpoint.failing was attempted, failed, and was not counted (the other
    // endpoints' operational events it receives as well are counted like any event).
    const own = receiver.requests
      .map((request) => JSON.parse(request.body) as { type: string; data: { webhook_id?: string } })
      .filter((payload) => payload.type === 'order.created' || payload.data.webhook_id === webhook.id)
      .map((payload) => payload.type);
    expect(own).toEqual(['order.created', 'endpoint.failing']);
    expect(executionsOf(webhook.id)).toHaveLength(1);
    expect(
      (await runtime.dependencies.endpointHealth.getFailureState(runtime.accountId, webhook.id))?.episode,
    ).toBe(1);
  });
});

describe('alert mail is damped and bounded', () => {
  let typeCount = 0;
  /** A fresh event type, so the events of these cases reach only their own endpoint. */
  async function ownEventType(): Promise<string> {
    typeCount += 1;
    const name = `damping.case${typeCount}`;
    expect((await runtime.admin.put(`/v1/admin/event-types/${name}`, {})).status).toBe(200);
    return name;
  }

  async function publishAndWait(receiver: Receiver, type: string, count: number): Promise<void> {
    const response = await runtime.tenant.post('/v1/events', { type, data: { n: count } });
    expect(response.status).toBe(202);
    await eventually(async () => (receiver.requests.length >= count ? true : undefined));
  }

  it('sends an endpoint at most 3 alert mails a day, while the ops topic hears every transition', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 500 }]);
    const type = await ownEventType();
    const webhook = await aWebhook(receiver, {
      events: [type],
      alerting: { email: 'owner-capped@example.com', failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    });
    const transitions = async () => (await opsNotices(webhook.id)).map((notice) => notice.transition);
    // Act: three episodes: fail, recover (healthy for the 1-second cool-down), fail again, …
    let requests = 0;
    for (let episode = 1; episode <= 3; episode++) {
      receiver.respondWith([{ status: 500 }]);
      await publishAndWait(receiver, type, ++requests);
      await eventually(async () => ((await transitions()).length === 2 * episode - 1 ? true : undefined));
      receiver.respondWith([{ status: 200 }]);
      await publishAndWait(receiver, type, ++requests);
      await eventually(async () => ((await transitions()).length === 2 * episode ? true : undefined));
    }
    // Assess
    expect(await transitions()).toEqual([
      'failing',
      'recovered',
      'failing',
      'recovered',
      'failing',
      'recovered',
    ]);
    await sleep(300);
    expect((await emailsTo('owner-capped@example.com')).map((email) => email.subject.split(':')[0])).toEqual([
      'Webhook endpoint failing',
      'Webhook endpoint recovered',
      'Webhook endpoint failing',
    ]);
  });

  it('quotes a hostile name in the subject: one line, no control or bidi characters, bounded', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 500 }]);
    const type = await ownEventType();
    const name = `Evil\r\nBcc: all@example.com\u0000\u0007\u202e\u2066${'n'.repeat(170)}`;
    const tooLong = await runtime.tenant.post('/v1/webhooks', {
      name: 'x'.repeat(10_000),
      url: `${receiver.url}/hook`,
      events: [type],
    });
    const webhook = await aWebhook(receiver, {
      name,
      events: [type],
      alerting: { email: 'owner-hostile@example.com', failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    });
    // Act
    await publishAndWait(receiver, type, 1);
    // Assess
    expect(tooLong.status).toBe(400);
    const failing = await emailLike('owner-hostile@example.com', 'Webhook endpoint failing');
    expect(failing.subject).toMatch(/^Webhook endpoint failing: "Evil Bcc: all@example\.com n+…"$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters.
    expect(failing.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect([...failing.subject.slice('Webhook endpoint failing: '.length)]).toHaveLength(82);
    expect(failing.text).toContain(webhook.id);
    expect(failing.text.split('\n').some((line) => line.startsWith('Bcc'))).toBe(false);
  });
});
