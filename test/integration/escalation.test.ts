import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoAlertEmailRepository } from '../../lambdas/adapters/dynamodb/alert-email-store.js';
import { DynamoEndpointHealthRepository } from '../../lambdas/adapters/dynamodb/endpoint-health-store.js';
import { DynamoWebhookRepository } from '../../lambdas/adapters/dynamodb/webhook-store.js';
import { type EscalationInput, executionName } from '../../lambdas/domain/escalation.js';
import type { Webhook, WebhookEvent } from '../../lambdas/domain/model.js';
import type { EmailMessage, EscalationStarter, OpsNotice } from '../../lambdas/domain/ports/alerting.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import {
  checkEndpoint,
  disableEndpoint,
  escalateAfterFailure,
  notify,
} from '../../lambdas/services/escalation.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount, anAttempt, aWebhook } from '../support/factories.js';

/**
 * Failing episodes against a real DynamoDB engine (the conditional writes are the whole point):
 * counting, opening one episode per streak even under concurrency, resuming a start that failed,
 * and the escalation steps (re-check, disable, notify) with recording fakes for Step Functions,
 * SES, SNS and the bus.
 */

let dynamo: TestDynamo;
let webhooks: DynamoWebhookRepository;
let health: DynamoEndpointHealthRepository;
let accounts: DynamoAccountRepository;
let alertEmails: DynamoAlertEmailRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  webhooks = new DynamoWebhookRepository(dynamo.doc, dynamo.tables.config);
  health = new DynamoEndpointHealthRepository(dynamo.doc, dynamo.tables.config);
  accounts = new DynamoAccountRepository(dynamo.doc, dynamo.tables.config);
  alertEmails = new DynamoAlertEmailRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

class RecordingStarter implements EscalationStarter {
  readonly starts: EscalationInput[] = [];
  failNext = 0;
  async start(input: EscalationInput): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('ThrottlingException');
    }
    // A little latency, so concurrent callers overlap like real StartExecution calls.
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.starts.push(input);
  }
  names(): string[] {
    return [...new Set(this.starts.map((input) => executionName(input.webhookId, input.episode)))];
  }
}

interface Fakes {
  starter: RecordingStarter;
  emails: EmailMessage[];
  notices: OpsNotice[];
  events: WebhookEvent[];
  failBus: boolean;
}

function dependencies(): { deps: Dependencies; fakes: Fakes } {
  const fakes: Fakes = {
    starter: new RecordingStarter(),
    emails: [],
    notices: [],
    events: [],
    failBus: false,
  };
  const deps = {
    accounts,
    alertEmails,
    webhooks,
    endpointHealth: health,
    clock: { now: () => new Date() },
    escalation: fakes.starter,
    mailer: { send: async (message: EmailMessage) => void fakes.emails.push(message) },
    opsNotifier: { publish: async (notice: OpsNotice) => void fakes.notices.push(notice) },
    operationalEvents: {
      publish: async (event: WebhookEvent) => {
        if (fakes.failBus) throw new Error('PutEvents failed');
        fakes.events.push(event);
      },
    },
    escalationSettings: {
      waitSeconds: 60,
      apiBaseUrl: 'https://api.example.com/prod/',
      recoveryCooldownSeconds: 0,
      alertEmailsPerDay: 3,
    },
  } as unknown as Dependencies;
  return { deps, fakes };
}

async function anEndpoint(overrides: Partial<Webhook> = {}): Promise<Webhook> {
  // The platform vouches for endpoint-owner@ (alerts go to confirmed addresses only).
  const account = anAccount({
    alertEmail: 'account-alerts@example.com',
    alertEmails: ['endpoint-owner@example.com'],
  });
  await accounts.create(account);
  const webhook = aWebhook({ accountId: account.id, ...overrides });
  await webhooks.create(webhook);
  return webhook;
}

const failure = (webhook: Webhook, event?: Pick<WebhookEvent, 'type' | 'data'>) => ({
  webhook,
  event,
  deliveryId: `dlv_test_${webhook.id.slice(3)}`,
  eventType: event?.type ?? 'order.created',
  attempt: anAttempt({ statusCode: 500, finishedAt: '2025-01-15T10:00:00.000Z' }),
});

describe('failure counters and episodes (DynamoWebhookRepository)', () => {
  it('keeps an escalated episode open on a 2xx, healthy since then, and closes it only after the cool-down with no failure since', async () => {
    // Prepare
    const webhook = await anEndpoint();
    const { accountId, id } = webhook;
    await health.recordFailure(accountId, id);
    const episode = (await health.openEpisode(accountId, id, 1)) ?? 0;
    await health.markEscalated(accountId, id, episode);
    // Act
    await health.recordSuccess(accountId, id, '2025-01-15T10:00:00.000Z');
    await health.recordSuccess(accountId, id, '2025-01-15T10:00:05.000Z');
    const afterSuccesses = await health.getFailureState(accountId, id);
    const tooEarly = await health.closeRecovered(accountId, id, episode, '2025-01-15T09:59:59.000Z');
    await health.recordFailure(accountId, id);
    const afterFailure = await health.getFailureState(accountId, id);
    const whileFailing = await health.closeRecovered(accountId, id, episode, '2025-01-15T11:00:00.000Z');
    await health.recordSuccess(accountId, id, '2025-01-15T10:01:00.000Z');
    const closed = await health.closeRecovered(accountId, id, episode, '2025-01-15T10:11:00.000Z');
    // Assess
    expect(afterSuccesses).toEqual({
      consecutiveFailures: 0,
      episode,
      episodeState: 'escalated',
      healthySince: '2025-01-15T10:00:00.000Z',
    });
    expect(tooEarly).toBe(false);
    expect(afterFailure).toEqual({ consecutiveFailures: 1, episode, episodeState: 'escalated' });
    expect(whileFailing).toBe(false);
    expect(closed).toBe(true);
    expect(await health.getFailureState(accountId, id)).toEqual({
      consecutiveFailures: 0,
      episode,
      episodeState: 'closed',
    });
  });

  it('counts alert mails per endpoint and day atomically: 20 concurrent claims against a cap of 3 win 3', async () => {
    // Prepare
    const webhook = await anEndpoint();
    const { accountId, id } = webhook;
    // Act
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => health.claimAlertMail(accountId, id, '2025-01-15', 3)),
    );
    const nextDay: boolean[] = [];
    for (let n = 0; n < 4; n++) nextDay.push(await health.claimAlertMail(accountId, id, '2025-01-16', 3));
    // Assess
    expect(claims.filter(Boolean)).toHaveLength(3);
    expect(nextDay).toEqual([true, true, true, false]);
  });

  it('opens an episode only at the threshold, only once, and numbers episodes upward', async () => {
    // Prepare
    const webhook = await anEndpoint();
    const { accountId, id } = webhook;
    await health.recordFailure(accountId, id);
    // Act
    const tooEarly = await health.openEpisode(accountId, id, 2);
    const counted = await health.recordFailure(accountId, id);
    const first = await health.openEpisode(accountId, id, 2);
    const again = await health.openEpisode(accountId, id, 2);
    await health.resetFailures(accountId, id);
    await health.recordFailure(accountId, id);
    await health.recordFailure(accountId, id);
    const second = await health.openEpisode(accountId, id, 2);
    // Assess
    expect(tooEarly).toBeUndefined();
    expect(counted).toEqual({ consecutiveFailures: 2, episode: 0, episodeState: 'closed' });
    expect(first).toBe(1);
    expect(again).toBeUndefined();
    expect(second).toBe(2);
    expect(await health.getFailureState(accountId, id)).toEqual({
      consecutiveFailures: 2,
      episode: 2,
      episodeState: 'open',
    });
  });

  it('lets exactly one of many concurrent callers open the episode', async () => {
    // Prepare
    const webhook = await anEndpoint();
    for (let n = 0; n < 3; n++) await health.recordFailure(webhook.accountId, webhook.id);
    // Act
    const opened = await Promise.all(
      Array.from({ length: 10 }, () => health.openEpisode(webhook.accountId, webhook.id, 3)),
    );
    // Assess
    expect(opened.filter((episode) => episode !== undefined)).toEqual([1]);
  });

  it('marks, closes and resets only the episode it names', async () => {
    // Prepare
    const webhook = await anEndpoint();
    const { accountId, id } = webhook;
    await health.recordFailure(accountId, id);
    const episode = (await health.openEpisode(accountId, id, 1)) ?? 0;
    // Act + Assess
    await health.markEscalated(accountId, id, episode + 1);
    expect((await health.getFailureState(accountId, id))?.episodeState).toBe('open');
    await health.markEscalated(accountId, id, episode);
    expect((await health.getFailureState(accountId, id))?.episodeState).toBe('escalated');
    await health.closeEpisode(accountId, id, episode + 1);
    expect((await health.getFailureState(accountId, id))?.episodeState).toBe('escalated');
    await health.resetFailures(accountId, id);
    expect(await health.getFailureState(accountId, id)).toEqual({
      consecutiveFailures: 0,
      episode,
      episodeState: 'closed',
    });
  });

  it('never lets a configuration update touch the counters', async () => {
    // Prepare
    const webhook = await anEndpoint();
    await health.recordFailure(webhook.accountId, webhook.id);
    await health.openEpisode(webhook.accountId, webhook.id, 1);
    // Act
    await webhooks.update({ ...webhook, name: 'Renamed', version: 2 }, 1);
    // Assess
    expect(await health.getFailureState(webhook.accountId, webhook.id)).toEqual({
      consecutiveFailures: 1,
      episode: 1,
      episodeState: 'open',
    });
  });
});

describe('escalateAfterFailure (the delivery path)', () => {
  it('counts below the threshold, starts one execution at it, and nothing more in the episode', async () => {
    // Prepare
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 3 } });
    // Act
    const outcomes = [];
    for (let n = 0; n < 5; n++) outcomes.push((await escalateAfterFailure(deps, failure(webhook))).outcome);
    // Assess
    expect(outcomes).toEqual(['counted', 'counted', 'started', 'counted', 'counted']);
    expect(fakes.starter.starts).toEqual([
      {
        accountId: webhook.accountId,
        webhookId: webhook.id,
        episode: 1,
        consecutiveFailures: 3,
        threshold: 3,
        lastStatusCode: 500,
        lastError: null,
        lastDeliveryId: `dlv_test_${webhook.id.slice(3)}`,
        lastEventType: 'order.created',
        failedAt: '2025-01-15T10:00:00.000Z',
        waitSeconds: 60,
      },
    ]);
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.episodeState).toBe('escalated');
  });

  it('starts one execution when concurrent failures cross the threshold together', async () => {
    // Prepare
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 2 } });
    // Act
    const results = await Promise.all(
      Array.from({ length: 8 }, () => escalateAfterFailure(deps, failure(webhook))),
    );
    // Assess
    expect(fakes.starter.names()).toEqual([executionName(webhook.id, 1)]);
    expect(results.filter((result) => result.outcome === 'started')).toHaveLength(1);
  });

  it('starts a new episode (a new execution name) after a 2xx ended the previous one', async () => {
    // Prepare
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 1 } });
    await escalateAfterFailure(deps, failure(webhook));
    // Act
    await health.resetFailures(webhook.accountId, webhook.id);
    await escalateAfterFailure(deps, failure(webhook));
    // Assess
    expect(fakes.starter.names()).toEqual([executionName(webhook.id, 1), executionName(webhook.id, 2)]);
  });

  it('resumes an episode whose execution could not be started, under the same name', async () => {
    // Prepare
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 1 } });
    fakes.starter.failNext = 1;
    // Act
    const failed = await escalateAfterFailure(deps, failure(webhook));
    const stateAfterFailure = await health.getFailureState(webhook.accountId, webhook.id);
    const resumed = await escalateAfterFailure(deps, failure(webhook));
    // Assess
    expect(failed).toMatchObject({
      outcome: 'start_failed',
      episode: 1,
      error: expect.stringContaining('Throttling'),
    });
    expect(stateAfterFailure?.episodeState).toBe('open');
    expect(resumed).toEqual({ outcome: 'resumed', episode: 1 });
    expect(fakes.starter.names()).toEqual([executionName(webhook.id, 1)]);
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.episodeState).toBe('escalated');
  });

  it('does not count failed deliveries of operational events about the endpoint itself', async () => {
    // Prepare
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 1 } });
    const ownFailure = { type: 'endpoint.failing', data: { webhook_id: webhook.id } };
    // Act
    const result = await escalateAfterFailure(deps, failure(webhook, ownFailure));
    // Assess
    expect(result.outcome).toBe('not_counted');
    expect(fakes.starter.starts).toEqual([]);
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.consecutiveFailures).toBe(0);
  });
});

describe('escalation steps', () => {
  async function escalated(overrides: Partial<Webhook> = {}) {
    const { deps, fakes } = dependencies();
    const webhook = await anEndpoint({ alerting: { failureThreshold: 1 }, ...overrides });
    await escalateAfterFailure(deps, failure(webhook));
    const input = fakes.starter.starts[0]!;
    return { deps, fakes, webhook, input };
  }

  it('finds a still-failing endpoint failing, disables it once, and closes the episode', async () => {
    // Prepare
    const { deps, webhook, input } = await escalated();
    // Act
    const check = await checkEndpoint(deps, input);
    const disabled = await disableEndpoint(deps, input);
    const again = await disableEndpoint(deps, input);
    // Assess
    expect(check).toEqual({ outcome: 'failing' });
    expect(disabled).toEqual({
      outcome: 'disabled',
      disabledReason: expect.stringContaining('1 consecutive failed'),
    });
    expect(again).toEqual({ outcome: 'ended', reason: 'endpoint_disabled' });
    const stored = await webhooks.get(webhook.accountId, webhook.id);
    expect(stored).toMatchObject({ status: 'disabled', version: 2 });
    expect(stored?.disabledReason).toContain('no successful delivery within 1 minute');
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.episodeState).toBe('closed');
  });

  it('finds an endpoint that answered 2xx recovered, and never disables it', async () => {
    // Prepare
    const { deps, webhook, input } = await escalated();
    await health.resetFailures(webhook.accountId, webhook.id);
    // Act
    const check = await checkEndpoint(deps, input);
    const disable = await disableEndpoint(deps, input);
    // Assess
    expect(check).toEqual({ outcome: 'recovered' });
    expect(disable).toEqual({ outcome: 'recovered' });
    expect((await webhooks.get(webhook.accountId, webhook.id))?.status).toBe('active');
  });

  it('leaves a paused endpoint alone and closes the episode, so a later streak can escalate', async () => {
    // Prepare
    const { deps, webhook, input } = await escalated();
    await webhooks.update({ ...webhook, status: 'paused', version: 2 }, 1);
    // Act
    const check = await checkEndpoint(deps, input);
    // Assess
    expect(check).toEqual({ outcome: 'ended', reason: 'endpoint_paused' });
    expect((await health.getFailureState(webhook.accountId, webhook.id))?.episodeState).toBe('closed');
  });

  it('re-reads and retries when the configuration changed under the disable', async () => {
    // Prepare
    const { deps, webhook, input } = await escalated();
    let raced = false;
    const racing = {
      ...deps,
      webhooks: {
        ...webhooks,
        get: webhooks.get.bind(webhooks),
        update: async (next: Webhook, expected: number) => {
          if (!raced) {
            raced = true;
            // A customer PATCH lands first: the disable's version check fails and it re-reads.
            await webhooks.update({ ...webhook, name: 'Renamed', version: 2 }, 1);
          }
          return webhooks.update(next, expected);
        },
      },
    } as unknown as Dependencies;
    // Act
    const result = await disableEndpoint(racing, input);
    // Assess
    expect(result.outcome).toBe('disabled');
    expect(await webhooks.get(webhook.accountId, webhook.id)).toMatchObject({
      name: 'Renamed',
      status: 'disabled',
      version: 3,
    });
  });

  it('emails the endpoint alert address, tells the ops topic and publishes the operational event', async () => {
    // Prepare
    const { deps, fakes, webhook, input } = await escalated({
      alerting: { failureThreshold: 1, email: 'endpoint-owner@example.com' },
    });
    // Act
    const result = await notify(deps, 'failing', input);
    // Assess
    expect(result).toEqual({ notified: true, emailed: true });
    expect(fakes.emails).toEqual([
      {
        to: 'endpoint-owner@example.com',
        subject: `Webhook endpoint failing: "${webhook.name}"`,
        text: expect.stringContaining(
          `https://api.example.com/prod/v1/webhooks/${webhook.id}/deliveries?status=failed`,
        ),
      },
    ]);
    expect(fakes.notices).toMatchObject([{ transition: 'failing', webhookId: webhook.id, episode: 1 }]);
    expect(fakes.events).toMatchObject([
      {
        type: 'endpoint.failing',
        accountId: webhook.accountId,
        data: { webhook_id: webhook.id, episode: 1 },
      },
    ]);
  });

  it("links the webhook's portal page in the failing, recovered and disabled emails when the deployment has a portal", async () => {
    // Prepare
    const { deps, fakes, webhook, input } = await escalated({
      alerting: { failureThreshold: 1, email: 'endpoint-owner@example.com' },
    });
    const withPortal = { ...deps, portalUrl: 'https://portal.example.com/' } as Dependencies;
    // Act
    await notify(withPortal, 'failing', input);
    await notify(withPortal, 'recovered', input);
    await notify(withPortal, 'disabled', input);
    // Assess
    const portalLine = `Open this webhook in the portal: https://portal.example.com/#/webhooks/${webhook.id}`;
    expect(fakes.emails.map((email) => email.subject.split(':')[0])).toEqual([
      'Webhook endpoint failing',
      'Webhook endpoint recovered',
      'Webhook endpoint disabled',
    ]);
    for (const email of fakes.emails) expect(email.text.split('\n').at(-1)).toBe(portalLine);
  });

  it('mails no portal link when the deployment has no portal', async () => {
    // Prepare
    const { deps, fakes, input } = await escalated({
      alerting: { failureThreshold: 1, email: 'endpoint-owner@example.com' },
    });
    // Act
    await notify({ ...deps, portalUrl: undefined } as Dependencies, 'disabled', input);
    // Assess
    expect(fakes.emails).toHaveLength(1);
    expect(fakes.emails[0]?.text).not.toContain('portal');
    expect(fakes.emails[0]?.text.split('\n').at(-1)).toMatch(
      /^Failed deliveries: https:\/\/api\.example\.com\//,
    );
  });

  it('mails no alert to an unconfirmed endpoint address (nor to the account instead), and still tells the ops topic and the bus', async () => {
    // Prepare
    const { deps, fakes, input } = await escalated({
      alerting: { failureThreshold: 1, email: 'unconfirmed@example.com' },
    });
    // Act
    const result = await notify(deps, 'failing', input);
    // Assess
    expect(result).toEqual({ notified: true, emailed: false, reason: 'email_unconfirmed' });
    expect(fakes.emails).toEqual([]);
    expect(fakes.notices).toHaveLength(1);
    expect(fakes.events).toHaveLength(1);
  });

  it("falls back to the account's alert email, and skips email when there is none", async () => {
    // Prepare
    const { deps, fakes, input } = await escalated({ alerting: { failureThreshold: 1 } });
    const silentAccount = anAccount();
    await accounts.create(silentAccount);
    const silent = aWebhook({ accountId: silentAccount.id, alerting: { failureThreshold: 1 } });
    await webhooks.create(silent);
    const bare = dependencies();
    await escalateAfterFailure(bare.deps, failure(silent));
    // Act
    await notify(deps, 'recovered', input);
    const skipped = await notify(bare.deps, 'recovered', bare.fakes.starter.starts[0]!);
    // Assess
    expect(fakes.emails.map((email) => email.to)).toEqual(['account-alerts@example.com']);
    expect(skipped).toEqual({ notified: true, emailed: false, reason: 'no_email' });
    expect(bare.fakes.emails).toEqual([]);
    expect(bare.fakes.notices).toHaveLength(1);
  });

  it('fails the step when a notice could not be sent (the Task is retried)', async () => {
    // Prepare
    const { deps, fakes, input } = await escalated();
    fakes.failBus = true;
    // Act
    const notified = notify(deps, 'disabled', input);
    // Assess
    await expect(notified).rejects.toThrow(/endpoint.disabled notices failed: bus: Error: PutEvents failed/);
    expect(fakes.emails).toHaveLength(1);
  });
});
