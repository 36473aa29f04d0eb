import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebhookService } from '../../lib/webhook-service.js';
import { newStack, ref } from './helpers.js';

/**
 * The ops topic as AWS evaluates it: a topic policy replaces SNS's default one, so every AWS service
 * that publishes (CloudWatch alarms) needs an Allow there and on the key, for this account only.
 */

let service: WebhookService;
let template: Template;

beforeAll(() => {
  const stack = newStack();
  service = stack.service;
  template = Template.fromStack(stack);
});

const ACCOUNT = { Ref: 'AWS::AccountId' };
const ALARMS_OF_THIS_ACCOUNT_AND_REGION = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', ACCOUNT, ':alarm:*'],
  ],
};

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Condition?: Record<string, unknown>;
}

function topicPolicyStatements(): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::SNS::TopicPolicy', { Properties: { Topics: [ref(service.opsTopic)] } }),
  ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
  expect(policies).toHaveLength(1);
  return policies[0]!.Properties.PolicyDocument.Statement;
}

describe('ops topic policy', () => {
  it('lets CloudWatch alarms of this account and region publish', () => {
    // Prepare: the synthesized stack (beforeAll).
    // Act
    const statements = topicPolicyStatements();
    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: ref(service.opsTopic),
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': ALARMS_OF_THIS_ACCOUNT_AND_REGION },
        },
      }),
    );
  });

  it('allows no other service or account: the rest is the TLS deny', () => {
    // Prepare: the synthesized stack (beforeAll).
    // Act
    const others = topicPolicyStatements().filter(
      (statement) =>
        JSON.stringify(statement.Principal) !== JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    // Assess
    expect(others).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });
});

describe('ops topic key', () => {
  it('lets CloudWatch alarms of this account encrypt messages for the topic', () => {
    // Prepare: the synthesized stack (beforeAll).
    // Act / Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        ]),
      },
    });
  });

  it('encrypts the topic with that key', () => {
    // Prepare: the synthesized stack (beforeAll).
    // Act / Assess
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('OpsTopicKey'), 'Arn'] },
    });
  });
});
