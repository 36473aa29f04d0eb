import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalId, newApp, newStack, ref } from './helpers.js';

describe('WebhookServiceStack', () => {
  it('subscribes the ops alert email to the ops topic', () => {
    // Prepare
    const stack = newStack(newApp(), { opsAlertEmail: 'ops@example.com' });

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: ref(stack.service.opsTopic),
    });
  });

  it('subscribes nothing to the ops topic without an ops alert email', () => {
    // Prepare
    const stack = newStack(newApp());

    // Act
    const subscriptions = Template.fromStack(stack).findResources('AWS::SNS::Subscription');

    // Assess
    expect(Object.values(subscriptions).map((resource) => resource.Properties?.Protocol)).not.toContain(
      'email',
    );
  });

  it('outputs the API URL, the bus name and the ops topic', () => {
    // Prepare
    const stack = newStack(newApp());

    // Act
    const outputs = Template.fromStack(stack).toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs.EventBusName?.Value).toEqual(ref(stack.service.eventBus));
    expect(outputs.OpsTopicArn?.Value).toEqual(ref(stack.service.opsTopic));
    expect(outputs.ApiUrl).toBeDefined();
  });

  it('outputs the portal URL, only when the portal is on', () => {
    // Prepare
    const stack = newStack(newApp());
    const withoutPortal = newStack(newApp(), { service: { portal: { enabled: false } } });

    // Act
    const outputs = (of: typeof stack) =>
      Template.fromStack(of).toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs(stack).PortalUrl?.Value).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [logicalId(stack.service.portal!.distribution), 'DomainName'] }, '/'],
      ],
    });
    expect(outputs(withoutPortal).PortalUrl).toBeUndefined();
  });
});
