import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoAlertEmailRepository } from '../../lambdas/adapters/dynamodb/alert-email-store.js';
import { DomainError } from '../../lambdas/domain/errors.js';
import type { EmailMessage } from '../../lambdas/domain/ports/alerting.js';
import {
  confirmAlertEmail,
  sendQueuedConfirmations,
  useAlertEmail,
} from '../../lambdas/services/alert-emails.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { anAccount } from '../support/factories.js';

/**
 * Alert-address confirmation against a real DynamoDB engine: the conditional writes that keep it to
 * one mail per address, the outbox claim, token expiry. The mailer records; the clock is set by hand.
 */

let dynamo: TestDynamo;
let accounts: DynamoAccountRepository;
let alertEmails: DynamoAlertEmailRepository;

beforeAll(async () => {
  dynamo = await startDynamo();
  accounts = new DynamoAccountRepository(dynamo.doc, dynamo.tables.config);
  alertEmails = new DynamoAlertEmailRepository(dynamo.doc, dynamo.tables.config);
});

afterAll(async () => {
  await dynamo?.stop();
});

function dependencies(start: string) {
  const sent: EmailMessage[] = [];
  let now = new Date(start);
  let failSends = 0;
  const deps = {
    accounts,
    alertEmails,
    clock: { now: () => now },
    mailer: {
      send: async (message: EmailMessage) => {
        if (failSends > 0) {
          failSends -= 1;
          throw new Error('SES throttled');
        }
        sent.push(message);
      },
    },
    escalationSettings: {
      waitSeconds: 60,
      apiBaseUrl: 'https://api.example.com/prod',
      recoveryCooldownSeconds: 0,
      alertEmailsPerDay: 3,
    },
  } as unknown as Dependencies;
  return {
    deps,
    sent,
    setNow: (iso: string) => {
      now = new Date(iso);
    },
    failNextSend: () => {
      failSends = 1;
    },
  };
}

const tokenOf = (message: EmailMessage | undefined): string =>
  /\/v1\/email-confirmations\/(ect_[0-9a-z]{52})/.exec(message?.text ?? '')?.[1] ?? '';

/** All queued mails of earlier tests are sent first, so each test sees only its own. */
async function drain(): Promise<void> {
  await sendQueuedConfirmations(dependencies('2025-01-01T00:00:00.000Z').deps, 100);
}

describe('alert-address confirmation (DynamoDB)', () => {
  it('queues one mail for concurrent uses of a new address, and a new one only once the link expired', async () => {
    // Prepare
    await drain();
    const account = anAccount();
    await accounts.create(account);
    const { deps, sent, setNow } = dependencies('2025-01-15T10:00:00.000Z');
    // Act
    await Promise.all(Array.from({ length: 10 }, () => useAlertEmail(deps, account.id, 'Owner@Example.com')));
    const first = await sendQueuedConfirmations(deps);
    setNow('2025-01-21T10:00:00.000Z');
    await useAlertEmail(deps, account.id, 'owner@example.com');
    const withinWeek = await sendQueuedConfirmations(deps);
    setNow('2025-01-22T10:00:01.000Z');
    await useAlertEmail(deps, account.id, 'owner@example.com');
    const afterWeek = await sendQueuedConfirmations(deps);
    // Assess
    expect([first, withinWeek, afterWeek]).toEqual([1, 0, 1]);
    expect(sent.map((message) => message.to)).toEqual(['Owner@Example.com', 'Owner@Example.com']);
    expect(sent[0]?.text).toContain('https://api.example.com/prod/v1/email-confirmations/ect_');
  });

  it('puts a mail whose send failed back for the next sweep', async () => {
    // Prepare
    await drain();
    const account = anAccount();
    await accounts.create(account);
    const { deps, sent, failNextSend } = dependencies('2025-01-15T10:00:00.000Z');
    await useAlertEmail(deps, account.id, 'retry@example.com');
    failNextSend();
    // Act
    const failed = await sendQueuedConfirmations(deps).catch((error: unknown) => String(error));
    const retried = await sendQueuedConfirmations(deps);
    // Assess
    expect(failed).toContain('SES throttled');
    expect(retried).toBe(1);
    expect(sent.map((message) => message.to)).toEqual(['retry@example.com']);
  });

  it('confirms with the token until it expires, idempotently; an expired token is a 404 that changes nothing', async () => {
    // Prepare
    await drain();
    const account = anAccount();
    await accounts.create(account);
    const { deps, sent, setNow } = dependencies('2025-01-15T10:00:00.000Z');
    await useAlertEmail(deps, account.id, 'late@example.com');
    await useAlertEmail(deps, account.id, 'prompt@example.com');
    await sendQueuedConfirmations(deps);
    const late = tokenOf(sent.find((message) => message.to === 'late@example.com'));
    const prompt = tokenOf(sent.find((message) => message.to === 'prompt@example.com'));
    // Act
    setNow('2025-01-16T10:00:00.000Z');
    const confirmed = await confirmAlertEmail(deps, prompt);
    const repeated = await confirmAlertEmail(deps, prompt);
    setNow('2025-01-22T10:00:00.001Z');
    const expired = await confirmAlertEmail(deps, late).catch((error: unknown) => error);
    // Assess
    expect(confirmed).toEqual({
      email: 'prompt@example.com',
      status: 'confirmed',
      confirmedAt: '2025-01-16T10:00:00.000Z',
    });
    expect(repeated).toEqual(confirmed);
    expect(expired).toBeInstanceOf(DomainError);
    expect((expired as DomainError).code).toBe('not_found');
    expect((await alertEmails.get(account.id, 'late@example.com'))?.status).toBe('pending');
    expect(await useAlertEmail(deps, account.id, 'PROMPT@example.com')).toBe('confirmed');
  });

  it('never mails an address the platform set on the account', async () => {
    // Prepare
    await drain();
    const account = anAccount({ alertEmails: ['oncall@example.com'] });
    await accounts.create(account);
    const { deps, sent } = dependencies('2025-01-15T10:00:00.000Z');
    // Act
    const status = await useAlertEmail(deps, account.id, 'OnCall@example.com');
    const swept = await sendQueuedConfirmations(deps);
    // Assess
    expect(status).toBe('confirmed');
    expect(swept).toBe(0);
    expect(sent).toEqual([]);
  });
});
