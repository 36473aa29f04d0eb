import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_NAMES,
  type WebhookFunctionName,
  WebhookService,
  type WebhookServiceProps,
} from '../../lib/webhook-service.js';
import { arnOf, logicalId, newApp, newStack } from './helpers.js';

/** One synthesis with every prop set away from its default. */
let service: WebhookService;
let template: Template;

const propsOf = (construct: IConstruct) =>
  (template.toJSON().Resources[logicalId(construct)] as { Properties: Record<string, unknown> }).Properties;
const envOf = (name: WebhookFunctionName) =>
  (propsOf(service.functions[name]).Environment as { Variables: Record<string, unknown> }).Variables;

beforeAll(() => {
  const stack = newStack(newApp(), {
    service: {
      retentionDays: 7,
      apiThrottle: { rateLimit: 5, burstLimit: 10 },
      logRetention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
      deliveryConcurrency: 20,
      deliveryBatchSize: 10,
      allowHttpTargets: true,
      eventBusName: 'custom-bus',
      apiGatewayCloudWatchRole: true,
    },
  });
  service = stack.service;
  template = Template.fromStack(stack);
});

describe('WebhookService props', () => {
  it('passes retentionDays to the functions that write history', () => {
    const retention = FUNCTION_NAMES.filter((name) => envOf(name).RETENTION_DAYS === '7');
    expect(retention).toEqual(['management-api', 'publish-api', 'fanout', 'deliver', 'reconciler']);
  });

  it('applies apiThrottle to the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });

  it('applies logRetention to every function log group and to the access logs', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('applies removalPolicy to both tables and the master key', () => {
    template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  it('reserves deliveryConcurrency for deliver and caps its event source to match', () => {
    expect(propsOf(service.functions.deliver).ReservedConcurrentExecutions).toBe(20);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(service.deliveryQueue),
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('gives deliver deliveryBatchSize jobs a batch, with no batching window at 10', () => {
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (resource) =>
        JSON.stringify(
          (resource as { Properties: { EventSourceArn: unknown } }).Properties.EventSourceArn,
        ) === JSON.stringify(arnOf(service.deliveryQueue)),
    ) as { Properties: Record<string, unknown> };
    expect(mapping.Properties.BatchSize).toBe(10);
    expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('tells the handlers that http targets are allowed, private ones still not', () => {
    for (const name of FUNCTION_NAMES) {
      expect(envOf(name), name).toMatchObject({ ALLOW_HTTP_TARGETS: 'true', ALLOW_PRIVATE_TARGETS: 'false' });
    }
  });

  it('names the bus eventBusName', () => {
    expect(propsOf(service.eventBus).Name).toBe('custom-bus');
  });

  it('sets the account-level API Gateway logging role with apiGatewayCloudWatchRole, retained on delete', () => {
    template.hasResource('AWS::ApiGateway::Account', {
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CloudWatchRole'), 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('WebhookService prop validation', () => {
  const build = (props: WebhookServiceProps) => () =>
    new WebhookService(new Stack(newApp(), 'S'), 'W', props);

  it('rejects a deliveryConcurrency below the SQS event source minimum of 2', () => {
    expect(build({ deliveryConcurrency: 1 })).toThrow(/deliveryConcurrency/);
  });

  it('rejects a deliveryBatchSize outside 1 to 1000, naming the prop', () => {
    for (const deliveryBatchSize of [0, 1001, 2.5]) {
      expect(build({ deliveryBatchSize })).toThrow(/deliveryBatchSize must be a whole number from 1 to 1000/);
    }
  });

  it('rejects a non-positive retentionDays', () => {
    expect(build({ retentionDays: 0 })).toThrow(/retentionDays/);
  });

  it('rejects a non-positive escalationWait', () => {
    expect(build({ escalationWait: Duration.seconds(0) })).toThrow(/escalationWait/);
  });

  it('rejects an escalationWait that is not whole seconds, naming the rule', () => {
    expect(build({ escalationWait: Duration.seconds(90.5) })).toThrow(
      'escalationWait must be a whole number of seconds, from 1 second to 364 days, got Duration.seconds(90.5)',
    );
  });

  it('accepts a fractional unit that is whole seconds: half an hour waits 1800 s, executions live a day more', () => {
    // Prepare
    const stack = newStack(newApp(), { service: { escalationWait: Duration.hours(0.5) } });
    // Act
    const custom = Template.fromStack(stack);
    // Assess
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ESCALATION_WAIT_SECONDS: '1800' }) },
    });
    custom.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"TimeoutSeconds":88200')])],
      },
    });
  });

  it('rejects an alertSenderEmail that is not an address', () => {
    expect(build({ alertSenderEmail: 'not-an-email' })).toThrow(/alertSenderEmail/);
  });
});
