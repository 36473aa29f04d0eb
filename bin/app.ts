import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type AppContext, ContextError, parseAppContext } from '../lib/context.js';
import { WebhookServiceStack } from '../lib/webhook-service-stack.js';

const app = new App();

// Environment-agnostic on purpose: `cdk synth` works offline, without credentials.
/** Deploy-time settings as CDK context (`cdk deploy -c alertSenderEmail=alerts@example.com`). */
let context: AppContext;
try {
  context = parseAppContext((name) => app.node.tryGetContext(name));
} catch (error) {
  if (!(error instanceof ContextError)) throw error;
  // A mistyped option is the deployer's to fix: one line that says what is wrong, no stack trace.
  console.error(error.message);
  process.exit(1);
}

new WebhookServiceStack(app, 'ServerlessWebhooks', {
  description: 'serverless-webhooks: webhook delivery service',
  opsAlertEmail: context.opsAlertEmail,
  service: {
    alertSenderEmail: context.alertSenderEmail,
    ...(context.escalationWaitHours === undefined
      ? {}
      : { escalationWait: Duration.hours(context.escalationWaitHours) }),
    deliveryConcurrency: context.deliveryConcurrency,
    fanoutConcurrency: context.fanoutConcurrency,
    apiGatewayCloudWatchRole: context.apiGatewayCloudWatchRole,
  },
});

// cdk-nag 3 is a policy-validation plugin (the v2 Aspects form no longer exists); findings land in
// the cloud assembly's validation report and fail synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
