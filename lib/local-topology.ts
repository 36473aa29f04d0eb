import { App, Stack } from 'aws-cdk-lib';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { WebhookServiceStack } from './webhook-service-stack.js';

/**
 * What the local runtime needs to mirror the deployed stack, read from the synthesized template
 * rather than written twice: queue settings (visibility timeout, retention, redrive) and, later,
 * the state machine definition. Synthesis skips Lambda bundling, so it takes a couple of seconds.
 */

export interface LocalQueue {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

export interface LocalTopology {
  readonly queues: readonly LocalQueue[];
  readonly roles: {
    readonly ingest: string;
    readonly ingestDlq: string;
    readonly delivery: string;
    readonly deliveryDlq: string;
    readonly parked: string;
  };
}

type TemplateResource = { Type: string; Properties?: Record<string, unknown> };

export function synthesizeTopology(): LocalTopology {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new WebhookServiceStack(app, 'ServerlessWebhooks');
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, TemplateResource>;
  };
  const logicalId = (construct: IConstruct): string =>
    Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnQueue);
  const service = stack.service;
  const roles = {
    ingest: logicalId(service.ingestQueue),
    ingestDlq: logicalId(service.ingestDlq),
    delivery: logicalId(service.deliveryQueue),
    deliveryDlq: logicalId(service.deliveryDlq),
    parked: logicalId(service.parkedQueue),
  };
  const queues = Object.values(roles).map((name): LocalQueue => {
    const properties = template.Resources[name]?.Properties ?? {};
    const redrive = properties.RedrivePolicy as
      | { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] }; maxReceiveCount: number }
      | undefined;
    return {
      name,
      visibilityTimeoutSeconds: Number(properties.VisibilityTimeout ?? 30),
      messageRetentionSeconds: Number(properties.MessageRetentionPeriod ?? 345_600),
      redrive: redrive
        ? {
            deadLetterQueue: redrive.deadLetterTargetArn['Fn::GetAtt'][0],
            maxReceiveCount: redrive.maxReceiveCount,
          }
        : undefined,
    };
  });
  return { queues, roles };
}
