import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { aWebhookBody } from '../support/factories.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { emailsIn, type OutboxEmail } from '../support/outbox.js';
import { Receiver } from '../support/receiver.js';

/**
 * Alert mail goes only to confirmed addresses (docs/escalation.md, "Who gets alert mail"), in the
 * local runtime: confirmation mails and alerts are read back from the outbox, links are followed
 * with real HTTP GETs to the runtime.
 */

type Email = OutboxEmail;
type Created = WebhookResource & { secret: string };

let typeCount = 0;
/** A fresh event type: each webhook here gets events of its own, so one test never triggers another's. */
async function anEventType(): Promise<string> {
  typeCount += 1;
  const name = `alerting.case${typeCount}`;
  expect((await runtime.admin.put(`/v1/admin/event-types/${name}`, {})).status).toBe(200);
  return name;
}

let runtime: TestRuntime;
const receivers: Receiver[] = [];
/** Addresses the platform sets on the account (PATCH /v1/admin/accounts/{id}). */
const PLATFORM_SET = ['oncall@platform.example', 'Team-Lead@Platform.example'];

beforeAll(async () => {
  runtime = await startTestRuntime({ escalationWaitSeconds: 1, confirmationSweepIntervalMs: 100 });
  const patched = await runtime.admin.patch(`/v1/admin/accounts/${runtime.accountId}`, {
    alert_emails: PLATFORM_SET,
  });
  expect(patched.status).toBe(200);
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

const emailsTo = (address: string): Promise<Email[]> => emailsIn(runtime.outboxDir, address);

async function opsTransitions(webhookId: string): Promise<string[]> {
  try {
    return (await readFile(runtime.opsTopicLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { transition: string; webhookId: string })
      .filter((notice) => notice.webhookId === webhookId)
      .map((notice) => notice.transition);
  } catch {
    return [];
  }
}

/** A webhook whose endpoint answers 500 to everything; threshold 1, no retries. */
async function aFailingWebhook(email: string, name = 'Failing orders'): Promise<Created> {
  const receiver = await Receiver.start([{ status: 500 }]);
  receivers.push(receiver);
  const response = await runtime.tenant.post<Created>(
    '/v1/webhooks',
    aWebhookBody({
      name,
      url: `${receiver.url}/hook`,
      events: [await anEventType()],
      alerting: { email, failure_threshold: 1 },
      retry_policy: { max_retries: 0 },
    }),
  );
  expect(response.status).toBe(201);
  return response.body;
}

/** Publishes one event and waits until its escalation has run to the end (ops topic: disabled). */
async function failAndEscalate(webhook: Created): Promise<void> {
  const type = webhook.events[0];
  const published = await runtime.tenant.post('/v1/events', { type, data: { n: 1 } });
  expect(published.status).toBe(202);
  await eventually(
    async () => ((await opsTransitions(webhook.id)).includes('disabled') ? true : undefined),
    20_000,
  );
}

const confirmationMail = (address: string) =>
  eventually(async () =>
    (await emailsTo(address)).find((email) => email.subject === 'Confirm webhook alert emails'),
  );

const tokenIn = (email: Email): string => {
  const match = /\/v1\/email-confirmations\/(ect_[0-9a-z]{52})/.exec(email.text);
  if (!match?.[1]) throw new Error(`no confirmation link in ${email.text}`);
  return match[1];
};

/** The link as a mail reader follows it: a plain GET, no API key. */
const follow = async (path: string) => {
  const response = await fetch(`${runtime.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('alert emails reach confirmed addresses only', () => {
  it('sends an unconfirmed address exactly one confirmation mail and no alert', async () => {
    // Prepare
    const address = 'new-owner@customer.example';
    const webhook = await aFailingWebhook(address);
    // Act
    await failAndEscalate(webhook);
    // Assess
    const confirmation = await confirmationMail(address);
    expect(confirmation.text).toContain(`${runtime.url}/v1/email-confirmations/ect_`);
    expect(confirmation.text).not.toContain('Failing orders');
    await sleep(300);
    expect((await emailsTo(address)).map((email) => email.subject)).toEqual(['Confirm webhook alert emails']);
    expect(webhook.alerting).toMatchObject({ email: address, email_status: 'pending_confirmation' });
    const stored = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`);
    expect(stored.body.alerting).toMatchObject({ email: address, email_status: 'pending_confirmation' });
  });

  it('alerts an address once its confirmation link was followed (and following it again answers the same)', async () => {
    // Prepare
    const address = 'confirming-owner@customer.example';
    const first = await aFailingWebhook(address);
    const token = tokenIn(await confirmationMail(address));
    // Act
    const confirmed = await follow(`/v1/email-confirmations/${token}`);
    const again = await follow(`/v1/email-confirmations/${token}`);
    const second = await aFailingWebhook(address, 'Second endpoint');
    await failAndEscalate(second);
    // Assess
    expect(confirmed).toEqual({
      status: 200,
      body: { email: address, status: 'confirmed', confirmed_at: expect.any(String) },
    });
    expect(again).toEqual(confirmed);
    const subjects = (await emailsTo(address)).map((email) => email.subject);
    expect(subjects).toEqual([
      'Confirm webhook alert emails',
      'Webhook endpoint failing: "Second endpoint"',
      'Webhook endpoint disabled: "Second endpoint"',
    ]);
    const stored = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${first.id}`);
    expect(stored.body.alerting).toMatchObject({ email: address, email_status: 'confirmed' });
  });

  it('alerts an address the platform set on the account without any confirmation', async () => {
    // Prepare: the platform wrote it in another case; the comparison ignores case.
    const address = 'team-lead@platform.example';
    const webhook = await aFailingWebhook(address);
    // Act
    await failAndEscalate(webhook);
    // Assess
    expect(webhook.alerting).toMatchObject({ email: address, email_status: 'confirmed' });
    await eventually(async () => ((await emailsTo(address)).length === 2 ? true : undefined));
    expect((await emailsTo(address)).map((email) => email.subject)).toEqual([
      'Webhook endpoint failing: "Failing orders"',
      'Webhook endpoint disabled: "Failing orders"',
    ]);
    const account = await runtime.admin.patch<{ alert_emails: string[] }>(
      `/v1/admin/accounts/${runtime.accountId}`,
      { alert_emails: PLATFORM_SET },
    );
    expect(account.body.alert_emails).toEqual(['oncall@platform.example', 'team-lead@platform.example']);
  });

  it("links the webhook's page in the portal from its failing and disabled emails", async () => {
    // Prepare
    const address = 'oncall@platform.example';
    const webhook = await aFailingWebhook(address, 'Portal-linked');
    // Act
    await failAndEscalate(webhook);
    // Assess
    await eventually(async () => ((await emailsTo(address)).length === 2 ? true : undefined));
    const emails = await emailsTo(address);
    expect(emails.map((email) => email.subject)).toEqual([
      'Webhook endpoint failing: "Portal-linked"',
      'Webhook endpoint disabled: "Portal-linked"',
    ]);
    const pageLink = `${runtime.url}/portal/#/webhooks/${webhook.id}`;
    for (const email of emails) {
      expect(email.text).toContain(`\nOpen this webhook in the portal: ${pageLink}`);
      expect(email.text).toContain(`Failed deliveries: ${runtime.url}/v1/webhooks/${webhook.id}/deliveries`);
    }
    // The fragment stays in the browser: the link's page is the portal's.
    const page = await fetch(pageLink);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('answers a wrong, malformed or unknown token with a 404 JSON error and confirms nothing', async () => {
    // Prepare
    const address = 'never-confirmed@customer.example';
    const webhook = await aFailingWebhook(address);
    const token = tokenIn(await confirmationMail(address));
    const wrong = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    // Act
    const answers = await Promise.all(
      [wrong, 'ect_short', '..%2F..%2Fv1%2Fwebhooks', 'x'.repeat(300)].map((value) =>
        follow(`/v1/email-confirmations/${value}`),
      ),
    );
    // Assess
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'This confirmation link is unknown or has expired' } },
      });
    }
    const stored = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`);
    expect(stored.body.alerting.email_status).toBe('pending_confirmation');
  });

  it('sends one confirmation mail for 20 webhooks naming the same new address', async () => {
    // Prepare
    const address = 'bombed@victim.example';
    const type = await anEventType();
    // Act
    for (let n = 0; n < 20; n++) {
      const response = await runtime.tenant.post<Created>(
        '/v1/webhooks',
        aWebhookBody({
          name: `hook ${n}`,
          events: [type],
          alerting: { email: n % 2 === 0 ? address : address.toUpperCase() },
        }),
      );
      expect(response.status).toBe(201);
    }
    // Assess
    await confirmationMail(address);
    await sleep(500);
    expect(await emailsTo(address)).toHaveLength(1);
    expect(await emailsTo(address.toUpperCase())).toHaveLength(0);
  });

  it('refuses an 11th new address in a day with a 429 that changes nothing (no spraying mail at many addresses)', async () => {
    // Prepare: an account of its own, so the other cases' addresses do not count.
    const account = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Sprayer' });
    const key = await runtime.admin.post<{ key: string }>(`/v1/admin/accounts/${account.body.id}/api-keys`, {
      scopes: ['webhooks:read', 'webhooks:write'],
    });
    const sprayer = runtime.tenant.withToken(key.body.key);
    const created = await sprayer.post<Created>(
      '/v1/webhooks',
      aWebhookBody({ name: 'sprayer', events: [] }),
    );
    // Act
    const statuses: number[] = [];
    for (let n = 1; n <= 10; n++) {
      const patched = await sprayer.patch(`/v1/webhooks/${created.body.id}`, {
        alerting: { email: `victim${n}@spray.example` },
      });
      statuses.push(patched.status);
    }
    const eleventh = await sprayer.patch<{ error: { code: string } }>(`/v1/webhooks/${created.body.id}`, {
      alerting: { email: 'victim11@spray.example' },
    });
    const reused = await sprayer.patch(`/v1/webhooks/${created.body.id}`, {
      alerting: { email: 'victim3@spray.example' },
    });
    // Assess
    expect(statuses).toEqual(Array(10).fill(200));
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error.code).toBe('quota_exceeded');
    expect(reused.status).toBe(200);
    const stored = await sprayer.get<WebhookResource>(`/v1/webhooks/${created.body.id}`);
    expect(stored.body.alerting).toMatchObject({
      email: 'victim3@spray.example',
      email_status: 'pending_confirmation',
    });
    await confirmationMail('victim10@spray.example');
    expect(await emailsTo('victim11@spray.example')).toEqual([]);
  });

  it('validates the platform-set list: addresses only, no repeats, at most 20', async () => {
    // Act
    const answers = await Promise.all(
      [
        { alert_emails: ['not an address'] },
        { alert_emails: ['a@x.example', 'A@X.example'] },
        { alert_emails: Array.from({ length: 21 }, (_, n) => `user${n}@x.example`) },
        {},
      ].map((body) => runtime.admin.patch(`/v1/admin/accounts/${runtime.accountId}`, body)),
    );
    const missing = await runtime.admin.patch('/v1/admin/accounts/acc_missing', { alert_emails: [] });
    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400]);
    expect(missing.status).toBe(404);
    const account = await runtime.admin.patch<{ alert_emails: string[] }>(
      `/v1/admin/accounts/${runtime.accountId}`,
      { alert_emails: PLATFORM_SET },
    );
    expect(account.body.alert_emails).toEqual(['oncall@platform.example', 'team-lead@platform.example']);
  });
});
