import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WebhookServiceStack } from '../lib/webhook-service-stack.js';

const app = new App();

// Environment-agnostic on purpose: `cdk synth` works offline, without credentials.
/** Deploy-time settings as CDK context (`cdk deploy -c alertSenderEmail=alerts@example.com`). */
const context = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const escalationWaitHours = context('escalationWaitHours');

new WebhookServiceStack(app, 'ServerlessWebhooks', {
  description: 'serverless-webhooks: webhook delivery service',
  opsAlertEmail: context('opsAlertEmail'),
  service: {
    alertSenderEmail: context('alertSenderEmail'),
    ...(escalationWaitHours ? { escalationWait: Duration.hours(Number(escalationWaitHours)) } : {}),
  },
});

// cdk-nag 3 is a policy-validation plugin (the v2 Aspects form no longer exists); findings land in
// the cloud assembly's validation report and fail synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
