import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileOpsNotifier, OutboxMailer } from '../../lambdas/adapters/local-outbox.js';
import { SesMailer, SkippingMailer } from '../../lambdas/adapters/ses-mailer.js';
import { SfnEscalationStarter } from '../../lambdas/adapters/sfn-escalation.js';
import { SnsOpsNotifier, snsSubject } from '../../lambdas/adapters/sns-ops-notifier.js';
import type { EscalationInput } from '../../lambdas/domain/escalation.js';
import type { OpsNotice } from '../../lambdas/domain/ports/alerting.js';

/**
 * The escalation adapters. Step Functions, SES and SNS have no local engine the tests could run
 * against (the local runtime replaces them with aws-local-stepfunctions and files), so their AWS
 * adapters are checked against aws-sdk-client-mock: the exact requests they make, and how they
 * treat the answers that matter.
 */

const INPUT: EscalationInput = {
  accountId: 'acc_1',
  webhookId: 'wh_abc',
  episode: 4,
  consecutiveFailures: 3,
  threshold: 3,
  lastStatusCode: 500,
  lastError: null,
  lastDeliveryId: 'dlv_1',
  lastEventType: 'order.created',
  failedAt: '2025-01-15T10:00:00.000Z',
  waitSeconds: 259200,
};

const NOTICE: OpsNotice = {
  transition: 'disabled',
  accountId: 'acc_1',
  webhookId: 'wh_abc',
  episode: 4,
  subject: 'Webhook endpoint disabled: Orders — naïve',
  message: 'It was disabled.',
  detail: { webhook_id: 'wh_abc', disabled_reason: 'x' },
};

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:escalation';

describe('SfnEscalationStarter (Step Functions StartExecution)', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  it('starts an execution named after the endpoint and episode, with the input as JSON', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    // Act
    await new SfnEscalationStarter(new SFNClient({}), STATE_MACHINE_ARN).start(INPUT);
    // Assess
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'wh_abc-4',
      input: JSON.stringify(INPUT),
    });
  });

  it('treats ExecutionAlreadyExists as started (the episode already has its execution)', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }));
    // Act
    const started = new SfnEscalationStarter(new SFNClient({}), STATE_MACHINE_ARN).start(INPUT);
    // Assess
    await expect(started).resolves.toBeUndefined();
  });

  it('lets any other error through (the delivery path retries on the next failure)', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sfn.on(StartExecutionCommand).rejects(throttled);
    // Act
    const started = new SfnEscalationStarter(new SFNClient({}), STATE_MACHINE_ARN).start(INPUT);
    // Assess
    await expect(started).rejects.toThrow('Rate exceeded');
  });
});

describe('SesMailer (SES v2 SendEmail)', () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());

  it('sends a plain-text email from the configured sender', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    // Act
    await new SesMailer(new SESv2Client({}), 'alerts@example.com').send({
      to: 'ops@customer.example',
      subject: 'Webhook endpoint failing: Orders',
      text: 'Body',
    });
    // Assess
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'alerts@example.com',
      Destination: { ToAddresses: ['ops@customer.example'] },
      Content: {
        Simple: {
          Subject: { Data: 'Webhook endpoint failing: Orders', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Body', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('fails the step when SES refuses (Step Functions retries the Task)', async () => {
    // Prepare
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    // Act
    const sent = new SesMailer(new SESv2Client({}), 'alerts@example.com').send({
      to: 'a@b.c',
      subject: 's',
      text: 't',
    });
    // Assess
    await expect(sent).rejects.toThrow('not verified');
  });

  it('is replaced by a mailer that only reports the skip when no sender is configured', async () => {
    // Prepare
    const skipped: string[] = [];
    // Act
    await new SkippingMailer((message) => skipped.push(message.subject)).send({
      to: 'a@b.c',
      subject: 's',
      text: 't',
    });
    // Assess
    expect(skipped).toEqual(['s']);
    expect(ses.calls()).toHaveLength(0);
  });
});

describe('SnsOpsNotifier (SNS Publish)', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes a JSON notice with an ASCII subject and a filterable transition attribute', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'n-1' });
    // Act
    await new SnsOpsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:ops').publish(NOTICE);
    // Assess
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:ops');
    expect(input.Subject).toBe('[webhooks] Webhook endpoint disabled: Orders ? na?ve');
    expect(JSON.parse(input.Message ?? '')).toEqual({
      transition: 'disabled',
      account_id: 'acc_1',
      webhook_id: 'wh_abc',
      episode: 4,
      summary: 'It was disabled.',
      detail: { webhook_id: 'wh_abc', disabled_reason: 'x' },
    });
    expect(input.MessageAttributes?.transition).toEqual({ DataType: 'String', StringValue: 'disabled' });
  });

  it('keeps subjects within SNS limits', () => {
    expect(snsSubject(`a\nb${'x'.repeat(200)}`)).toHaveLength(100);
    expect(snsSubject('a\nb').includes('\n')).toBe(false);
  });
});

describe('local twins of SES and SNS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhooks-outbox-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each email as one JSON file {to, subject, text, sent_at} in the outbox', async () => {
    // Prepare
    const mailer = new OutboxMailer(join(dir, 'outbox'));
    // Act
    await mailer.send({ to: 'a@example.com', subject: 'first', text: 'one' });
    await mailer.send({ to: 'b@example.com', subject: 'second', text: 'two' });
    // Assess
    const files = (await readdir(join(dir, 'outbox'))).sort();
    expect(files).toHaveLength(2);
    expect(files.every((file) => /^\d+-[0-9a-f]{8}\.json$/.test(file))).toBe(true);
    const emails = await Promise.all(
      files.map(async (file) => JSON.parse(await readFile(join(dir, 'outbox', file), 'utf8'))),
    );
    expect(emails.map((email) => Object.keys(email).sort())).toEqual([
      ['sent_at', 'subject', 'text', 'to'],
      ['sent_at', 'subject', 'text', 'to'],
    ]);
    expect(emails.map((email) => email.subject).sort()).toEqual(['first', 'second']);
  });

  it('appends each ops notice as one JSON line', async () => {
    // Prepare
    const path = join(dir, 'ops-topic.jsonl');
    const notifier = new FileOpsNotifier(path);
    // Act
    await notifier.publish(NOTICE);
    await notifier.publish({ ...NOTICE, transition: 'recovered' });
    // Assess
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.transition)).toEqual(['disabled', 'recovered']);
    expect(lines[0]).toMatchObject({ webhookId: 'wh_abc', episode: 4, published_at: expect.any(String) });
  });
});
