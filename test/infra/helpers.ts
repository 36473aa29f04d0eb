import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { WebhookServiceStack, type WebhookServiceStackProps } from '../../lib/webhook-service-stack.js';

/** App context that skips esbuild bundling: infra tests only look at the template. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

export function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...SKIP_BUNDLING, ...context } });
}

export function newStack(app: App = newApp(), props: WebhookServiceStackProps = {}): WebhookServiceStack {
  return new WebhookServiceStack(app, 'TestWebhooks', props);
}

/** The CloudFormation logical id of a construct's default resource (or of the element itself). */
export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

export const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
export const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

/** IAM Statement fields are a string or an array; tests compare arrays. */
export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
