import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileOpsNotifier, OutboxMailer } from '../../lambdas/adapters/local-outbox.js';
import { secretsManagerKey } from '../../lambdas/adapters/secret-cipher.js';
import { SesMailer, SkippingMailer } from '../../lambdas/adapters/ses-mailer.js';
import { SfnEscalationStarter } from '../../lambdas/adapters/sfn-escalation.js';
import { SnsOpsNotifier, snsSubject } from '../../lambdas/adapters/sns-ops-notifier.js';
import { LeanSecretsManagerClient } from '../../lambdas/aws/lean/secrets-manager.js';
import { LeanSesV2Client } from '../../lambdas/aws/lean/sesv2.js';
import { LeanSfnClient } from '../../lambdas/aws/lean/sfn.js';
import type { EscalationInput } from '../../lambdas/domain/escalation.js';
import type { OpsNotice } from '../../lambdas/domain/ports/alerting.js';

/**
 * The escalation adapters. Step Functions, SES and SNS have no local engine the tests could run
 * against (the local runtime replaces them with aws-local-stepfunctions and files), so their AWS
 * adapters are checked against a loopback stand-in (Step Functions and SES, on the lean client)
 * or aws-sdk-client-mock (SNS, on the SDK): the exact requests they make, and how they treat the
 * answers that matter.
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

/**
 * Step Functions and Secrets Manager go through the lean JSON client (lambdas/aws/lean): checked
 * against a loopback server that answers as the service does, with the requests it received.
 */
interface Received {
  readonly path: string;
  readonly target: string;
  readonly authorization: string;
  readonly body: Record<string, unknown>;
}
async function anAwsStandIn(
  answer: (received: Received) => { status: number; body: unknown; headers?: Record<string, string> },
) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        path: String(request.url),
        target: String(request.headers['x-amz-target']),
        authorization: String(request.headers.authorization),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      };
      received.push(entry);
      const { status, body, headers = {} } = answer(entry);
      response
        .writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers })
        .end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('SfnEscalationStarter (Step Functions StartExecution)', () => {
  const started = async (answer: Parameters<typeof anAwsStandIn>[0]) => {
    const standIn = await anAwsStandIn(answer);
    const client = new LeanSfnClient({ endpoint: standIn.endpoint, region: 'us-east-1' });
    try {
      await new SfnEscalationStarter(client, STATE_MACHINE_ARN).start(INPUT);
      return { received: standIn.received };
    } finally {
      client.destroy();
      await standIn.close();
    }
  };

  it('starts an execution named after the endpoint and episode, with the input as JSON', async () => {
    // Act
    const { received } = await started(() => ({
      status: 200,
      body: { executionArn: 'arn:exec', startDate: 1764600000.5 },
    }));
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]!.target).toBe('AWSStepFunctions.StartExecution');
    expect(received[0]!.authorization).toMatch(/\/us-east-1\/states\/aws4_request, /);
    expect(received[0]!.body).toEqual({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'wh_abc-4',
      input: JSON.stringify(INPUT),
    });
  });

  it('treats ExecutionAlreadyExists as started (the episode already has its execution)', async () => {
    // Act
    const run = started(() => ({
      status: 400,
      body: {
        __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists',
        message: 'Execution already exists',
      },
    }));
    // Assess
    await expect(run).resolves.toEqual({ received: [expect.anything()] });
  });

  it('lets any other error through (the delivery path retries on the next failure)', async () => {
    // Act: throttled three times (the client's own retries), then given up
    const run = started(() => ({
      status: 400,
      body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
    }));
    // Assess
    await expect(run).rejects.toThrow('Rate exceeded');
  });
});

describe('secretsManagerKey (Secrets Manager GetSecretValue)', () => {
  it('reads the master key string of the secret it is given', async () => {
    const standIn = await anAwsStandIn(() => ({
      status: 200,
      body: { SecretString: 'a'.repeat(64), Name: 'k' },
    }));
    const client = new LeanSecretsManagerClient({ endpoint: standIn.endpoint, region: 'eu-west-1' });
    try {
      expect(await secretsManagerKey('arn:aws:secretsmanager:eu-west-1:1:secret:k', client)()).toBe(
        'a'.repeat(64),
      );
      expect(standIn.received[0]!.target).toBe('secretsmanager.GetSecretValue');
      expect(standIn.received[0]!.body).toEqual({ SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:k' });
    } finally {
      client.destroy();
      await standIn.close();
    }
  });

  it('refuses a secret without a string value', async () => {
    const standIn = await anAwsStandIn(() => ({ status: 200, body: { Name: 'k' } }));
    const client = new LeanSecretsManagerClient({ endpoint: standIn.endpoint });
    try {
      await expect(secretsManagerKey('arn:k', client)()).rejects.toThrow('no string value');
    } finally {
      client.destroy();
      await standIn.close();
    }
  });
});

describe('SesMailer (SES v2 SendEmail)', () => {
  const mailed = async (answer: Parameters<typeof anAwsStandIn>[0], to = 'ops@customer.example') => {
    const standIn = await anAwsStandIn(answer);
    const client = new LeanSesV2Client({ endpoint: standIn.endpoint, region: 'eu-west-1' });
    try {
      await new SesMailer(client, 'alerts@example.com').send({
        to,
        subject: 'Webhook endpoint failing: Orders',
        text: 'Body',
      });
      return standIn.received;
    } finally {
      client.destroy();
      await standIn.close();
    }
  };

  it('sends a plain-text email from the configured sender', async () => {
    // Act
    const received = await mailed(() => ({ status: 200, body: { MessageId: 'm-1' } }));
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/v2/email/outbound-emails');
    expect(received[0]!.target).toBe('undefined');
    expect(received[0]!.authorization).toMatch(/\/eu-west-1\/ses\/aws4_request, /);
    expect(received[0]!.body).toEqual({
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
    // Act: REST-JSON names the error in x-amzn-errortype
    const sent = mailed(() => ({
      status: 400,
      body: { message: 'Email address is not verified' },
      headers: { 'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazon.ses/' },
    }));
    // Assess
    await expect(sent).rejects.toThrow('not verified');
    await expect(sent).rejects.toMatchObject({ name: 'MessageRejected' });
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
