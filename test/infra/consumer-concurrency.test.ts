import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebhookService, type WebhookServiceProps } from '../../lib/webhook-service.js';
import { arnOf, logicalId, newApp, newStack } from './helpers.js';

/** How far the queue consumers scale by default, and what the concurrency props accept. */

let service: WebhookService;
let template: Template;

beforeAll(() => {
  const stack = newStack();
  service = stack.service;
  template = Template.fromStack(stack);
});

const propsOf = (construct: IConstruct) =>
  (template.toJSON().Resources[logicalId(construct)] as { Properties: Record<string, unknown> }).Properties;

describe('consumer concurrency defaults', () => {
  it('caps the delivery queue event source at 50 concurrent invocations', () => {
    // Prepare: the default stack (beforeAll).
    // Act / Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(service.deliveryQueue),
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it('caps the ingest queue event source at 10 concurrent invocations', () => {
    // Prepare: the default stack (beforeAll).
    // Act / Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(service.ingestQueue),
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('reserves no concurrency for either consumer, so that any account can deploy it', () => {
    // Prepare: the default stack (beforeAll).
    // Act
    const reserved = [service.functions.deliver, service.functions.fanout].map(
      (fn) => propsOf(fn).ReservedConcurrentExecutions,
    );
    // Assess
    expect(reserved).toEqual([undefined, undefined]);
  });
});

describe('fanoutConcurrency', () => {
  it('caps the ingest queue event source and reserves as much for fanout', () => {
    // Prepare
    const stack = newStack(newApp(), { service: { fanoutConcurrency: 30 } });
    // Act
    const custom = Template.fromStack(stack);
    // Assess
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(stack.service.ingestQueue),
      ScalingConfig: { MaximumConcurrency: 30 },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Ingest queue consumer'),
      ReservedConcurrentExecutions: 30,
    });
  });
});

describe('consumer concurrency validation', () => {
  const build = (props: WebhookServiceProps) => () =>
    new WebhookService(new Stack(newApp(), 'S'), 'W', props);

  it.each([
    ['deliveryConcurrency', 1],
    ['deliveryConcurrency', 1001],
    ['deliveryConcurrency', 2.5],
    ['fanoutConcurrency', 0],
    ['fanoutConcurrency', 5000],
    ['fanoutConcurrency', Number.NaN],
  ] as const)('rejects %s %d, naming the range', (prop, value) => {
    // Prepare
    const props: WebhookServiceProps = { [prop]: value };
    // Act / Assess
    expect(build(props)).toThrow(`${prop} must be a whole number from 2 to 1000`);
  });

  it.each([2, 1000])('accepts %d, the bounds of the SQS event source', (value) => {
    // Prepare
    const props: WebhookServiceProps = { deliveryConcurrency: value, fanoutConcurrency: value };
    // Act / Assess
    expect(build(props)).not.toThrow();
  });
});
