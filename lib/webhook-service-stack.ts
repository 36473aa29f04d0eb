import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WebhookService, type WebhookServiceProps } from './webhook-service.js';

export interface WebhookServiceStackProps extends StackProps {
  /** Props of the WebhookService construct. @default - the construct's defaults */
  readonly service?: WebhookServiceProps;
}

/** The deployable stack: one WebhookService and the outputs a platform team needs. */
export class WebhookServiceStack extends Stack {
  public readonly service: WebhookService;

  constructor(scope: Construct, id: string, props: WebhookServiceStackProps = {}) {
    super(scope, id, props);
    this.service = new WebhookService(this, 'WebhookService', props.service);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the REST API (routes start with /v1)',
      value: this.service.api.url,
    });
    new CfnOutput(this, 'EventBusName', {
      description: 'EventBridge bus internal services publish events to',
      value: this.service.eventBus.eventBusName,
    });
  }
}
