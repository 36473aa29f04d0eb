import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WebhookServiceStack } from '../lib/webhook-service-stack.js';

const app = new App();

// Environment-agnostic on purpose: `cdk synth` works offline, without credentials.
new WebhookServiceStack(app, 'ServerlessWebhooks', {
  description: 'serverless-webhooks: webhook delivery service',
});

// cdk-nag 3 is a policy-validation plugin (the v2 Aspects form no longer exists); findings land in
// the cloud assembly's validation report and fail synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
