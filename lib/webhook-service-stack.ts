import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { WebhookService, type WebhookServiceProps } from './webhook-service.js';

export interface WebhookServiceStackProps extends StackProps {
  /** Props of the WebhookService construct. @default - the construct's defaults */
  readonly service?: WebhookServiceProps;
  /**
   * An address subscribed to the ops topic (alarms, escalation transitions); SNS asks it to confirm.
   * @default - no subscription: subscribe whatever the platform team uses (chat, paging) to `opsTopic`
   */
  readonly opsAlertEmail?: string;
}

/** The deployable stack: one WebhookService and the outputs a platform team needs. */
export class WebhookServiceStack extends Stack {
  public readonly service: WebhookService;

  constructor(scope: Construct, id: string, props: WebhookServiceStackProps = {}) {
    super(scope, id, props);
    this.service = new WebhookService(this, 'WebhookService', props.service);
    if (props.opsAlertEmail)
      this.service.opsTopic.addSubscription(new EmailSubscription(props.opsAlertEmail));

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the REST API (routes start with /v1)',
      value: this.service.api.url,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'EventBridge bus internal services publish events to',
      value: this.service.eventBus.eventBusName,
    });
    new CfnOutput(this, 'OpsTopicArn', {
      description: 'SNS topic of alarms and escalation transitions',
      value: this.service.opsTopic.topicArn,
    });
    if (this.service.portal) {
      new CfnOutput(this, 'PortalUrl', {
        description: 'Base URL of the customer portal (portal links are minted against it)',
        value: this.service.portal.url,
      });
    }
  }
}
