import aslValidator from 'asl-validator';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { localLambdaArn, resolveDefinitionString } from '../../lib/local-topology.js';
import { FUNCTION_NAMES, WebhookService } from '../../lib/webhook-service.js';
import type { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { arnOf, asArray, logicalId, newApp, newStack, type PolicyStatementJson, ref } from './helpers.js';

/**
 * The escalation workflow as synthesized: the state machine (definition validated with
 * asl-validator, Retry and Catch on every Task, logging, tracing), the ops topic, and the grants
 * around them (SES scoped to the sender identity, StartExecution for deliver only).
 */

interface State {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  SecondsPath?: string;
  Parameters?: Record<string, unknown>;
  QueryLanguage?: string;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage?: string;
  TimeoutSeconds?: number;
}

let stack: WebhookServiceStack;
let service: WebhookService;
let template: Template;
let definition: Definition;
let bare: { service: WebhookService; template: Template };

const resources = () =>
  template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const propsOf = (id: string) => resources()[id]!.Properties;

function statementsOf(
  name: (typeof FUNCTION_NAMES)[number],
  of = { service, template },
): PolicyStatementJson[] {
  const role = of.service.functions[name].role!;
  const policies = of.template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: logicalId(role) }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

const envOf = (name: (typeof FUNCTION_NAMES)[number], of = { service, template }) =>
  (
    of.template.toJSON().Resources[logicalId(of.service.functions[name])] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }
  ).Properties.Environment.Variables;

beforeAll(() => {
  stack = newStack(newApp(), {
    service: { alertSenderEmail: 'alerts@example.com', escalationWait: Duration.hours(24) },
  });
  service = stack.service;
  template = Template.fromStack(stack);
  const lambdas = new Set(
    Object.entries(resources())
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id),
  );
  definition = JSON.parse(
    resolveDefinitionString(propsOf(logicalId(service.escalationStateMachine)).DefinitionString, lambdas),
  ) as Definition;
  const bareStack = newStack();
  bare = { service: bareStack.service, template: Template.fromStack(bareStack) };
});

describe('escalation state machine', () => {
  it('has a definition asl-validator accepts (JSON paths and ARNs checked)', () => {
    // Act
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    // Assess
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is a Standard workflow in JSONPath, logging every event and traced with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: arnOf(service.node.findChild('EscalationWorkflow').node.findChild('Logs')),
            },
          },
        ],
      },
    });
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(
      Object.values(definition.States).every((state) => (state.QueryLanguage ?? 'JSONPath') === 'JSONPath'),
    ).toBe(true);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      RetentionInDays: 30,
    });
  });

  it('runs alert → wait ($.waitSeconds) → re-check → disable or recovered, re-checking after a cool-down wait', () => {
    expect(definition.StartAt).toBe('NotifyFailing');
    expect(Object.keys(definition.States).sort()).toEqual(
      [
        'CheckEndpoint',
        'DisableEndpoint',
        'Disabled',
        'Ended',
        'EscalationFailed',
        'IsStillFailing',
        'NotifyDisabled',
        'NotifyFailing',
        'NotifyRecovered',
        'Recovered',
        'WaitForCooldown',
        'WaitForRecovery',
        'WasDisabled',
      ].sort(),
    );
    expect(definition.States.WaitForRecovery).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' });
    expect(definition.States.WaitForCooldown).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.check.waitSeconds',
      Next: 'CheckEndpoint',
    });
    // The execution may outlive the wait by a day (retries), never by more.
    expect(definition.TimeoutSeconds).toBe(24 * 3600 + 24 * 3600);
  });

  it('puts Retry and Catch on every Task, each calling the escalation function with its task name', () => {
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks).toHaveLength(5);
    const escalationArn = `${localLambdaArn(logicalId(service.functions.escalation))}:$LATEST`;
    for (const [name, state] of tasks) {
      expect(state.Resource, name).toBe(escalationArn);
      expect(state.Parameters, name).toEqual({ task: expect.any(String), 'input.$': '$' });
      expect(
        state.Retry?.map((retrier) => retrier.ErrorEquals),
        name,
      ).toContainEqual(['States.ALL']);
      expect(
        state.Retry?.find((retrier) => retrier.ErrorEquals.includes('MalformedTask'))?.MaxAttempts,
        name,
      ).toBe(0);
      expect(
        state.Catch?.map((catcher) => catcher.ErrorEquals),
        name,
      ).toEqual([['States.ALL']]);
    }
    // A "failing" notice that cannot be sent does not stop the escalation; any other step ends it.
    expect(definition.States.NotifyFailing?.Catch?.[0]?.Next).toBe('WaitForRecovery');
    expect(definition.States.CheckEndpoint?.Catch?.[0]?.Next).toBe('EscalationFailed');
  });

  it('lets the state machine invoke the escalation function ($LATEST) and nothing else', () => {
    const role = service.escalationStateMachine.role;
    const policy = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }),
    )[0] as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } };
    const invoke = policy.Properties.PolicyDocument.Statement.filter((statement) =>
      asArray(statement.Action).includes('lambda:InvokeFunction'),
    );
    expect(invoke).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::Join': ['', [arnOf(service.functions.escalation), ':$LATEST']] },
      },
    ]);
  });
});

describe('escalation grants and settings', () => {
  it('lets only deliver start executions, of this state machine only', () => {
    const starters = FUNCTION_NAMES.filter((name) =>
      statementsOf(name).some((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('states:')),
      ),
    );
    expect(starters).toEqual(['deliver']);
    expect(
      statementsOf('deliver').filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('states:')),
      ),
    ).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(service.escalationStateMachine) },
    ]);
  });

  it('lets the escalation function (alerts) and the reconciler (confirmation mails) send email only as the alert sender, and no other function at all', () => {
    const ses = FUNCTION_NAMES.flatMap((name) =>
      statementsOf(name)
        .filter((statement) => asArray(statement.Action).some((action) => action.startsWith('ses:')))
        .map((statement) => ({ name, statement })),
    );
    const identity = (name: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ses:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:identity/${name}`,
        ],
      ],
    });
    const sendAsAlertSender = {
      Effect: 'Allow',
      Action: 'ses:SendEmail',
      Resource: [identity('alerts@example.com'), identity('example.com')],
      Condition: { StringEquals: { 'ses:FromAddress': 'alerts@example.com' } },
    };
    expect(ses).toEqual([
      { name: 'reconciler', statement: sendAsAlertSender },
      { name: 'escalation', statement: sendAsAlertSender },
    ]);
    expect(envOf('escalation').ALERT_SENDER_EMAIL).toBe('alerts@example.com');
  });

  it('grants no email sending and sets no sender without alertSenderEmail (emails are skipped)', () => {
    const actions = FUNCTION_NAMES.flatMap((name) =>
      statementsOf(name, bare).flatMap((statement) => asArray(statement.Action)),
    );
    expect(actions.filter((action) => action.startsWith('ses:'))).toEqual([]);
    expect(envOf('escalation', bare).ALERT_SENDER_EMAIL).toBeUndefined();
  });

  it('lets the escalation function publish to the ops topic and the ingest queue (not the bus), and write only the config table', () => {
    const statements = statementsOf('escalation');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: ref(service.opsTopic),
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: arnOf(service.opsTopicKey),
    });
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: arnOf(service.ingestQueue),
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('events:PutEvents');
    const tables = JSON.stringify(statements.map((statement) => statement.Resource));
    expect(tables).toContain(logicalId(service.configTable));
    expect(tables).not.toContain(logicalId(service.deliveriesTable));
    expect(tables).not.toContain(logicalId(service.masterKeySecret));
  });

  it('tells deliver which state machine to start and how long executions wait (escalationWait)', () => {
    expect(envOf('deliver')).toMatchObject({
      ESCALATION_STATE_MACHINE_ARN: ref(service.escalationStateMachine),
      ESCALATION_WAIT_SECONDS: String(24 * 3600),
    });
    expect(envOf('deliver', bare).ESCALATION_WAIT_SECONDS).toBe(String(72 * 3600));
    expect(envOf('escalation')).toMatchObject({
      OPS_TOPIC_ARN: ref(service.opsTopic),
      INGEST_QUEUE_URL: ref(service.ingestQueue),
      API_URL: expect.anything(),
    });
  });

  it('rejects an escalationWait a Standard execution could not outlive', () => {
    const build = () =>
      new WebhookService(new Stack(newApp(), 'S'), 'W', { escalationWait: Duration.days(400) });
    expect(build).toThrow(/escalationWait/);
  });
});

describe('ops topic', () => {
  it('is encrypted with a rotated customer managed key that CloudWatch alarms may use, TLS only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(service.opsTopicKey) });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(service.opsTopic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
