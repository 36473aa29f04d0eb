import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import type { WebhookFunctionName } from './webhook-service.js';
import { WebhookServiceStack } from './webhook-service-stack.js';

/**
 * What the local runtime needs to mirror the deployed stack, read from the synthesized template
 * rather than written twice: queue settings (visibility timeout, retention, redrive), the
 * escalation state machine's definition, each function's timeout and the deployed URL policy. Synthesis skips Lambda bundling, so it takes a couple of
 * seconds.
 */

export interface LocalQueue {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  /** SQS refuses a larger body; the default is SQS's own (1 MiB). */
  readonly maximumMessageSizeBytes: number;
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

/**
 * The escalation state machine as deployed: its Amazon States Language definition, with the
 * CloudFormation references of its Task resources replaced by marker ARNs the local runtime maps to
 * the local handlers.
 */
export interface LocalStateMachine {
  readonly definition: Record<string, unknown>;
  /** The marker ARN of the escalation Lambda in `definition` (Task `Resource`, qualified `:$LATEST`). */
  readonly escalationTaskArn: string;
  /** The deployed default wait (deliver's ESCALATION_WAIT_SECONDS). */
  readonly defaultWaitSeconds: number;
}

/** A function as deployed: what the local API twin enforces (Lambda's timeout). */
export interface LocalFunction {
  readonly timeoutSeconds: number;
}

/** The endpoint-URL policy of the deployed functions (their ALLOW_*_TARGETS environment). */
export interface DeployedTargetPolicy {
  readonly allowHttpTargets: boolean;
  readonly allowPrivateTargets: boolean;
}

export interface LocalTopology {
  readonly escalation: LocalStateMachine;
  /** Every function of the stack by its name (`management-api`, `deliver`, …). */
  readonly functions: Readonly<Record<WebhookFunctionName, LocalFunction>>;
  /** As the management API function is deployed (the stack's defaults: https only, public targets). */
  readonly targetPolicy: DeployedTargetPolicy;
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
      maximumMessageSizeBytes: Number(properties.MaximumMessageSize ?? 1_048_576),
      redrive: redrive
        ? {
            deadLetterQueue: redrive.deadLetterTargetArn['Fn::GetAtt'][0],
            maxReceiveCount: redrive.maxReceiveCount,
          }
        : undefined,
    };
  });
  const idOf = (element: unknown): string => stack.resolve((element as CfnElement).logicalId) as string;
  const propertiesOf = (name: WebhookFunctionName) =>
    template.Resources[idOf(service.functions[name].node.defaultChild)]?.Properties ?? {};
  const functions = Object.fromEntries(
    (Object.keys(service.functions) as WebhookFunctionName[]).map((name) => [
      name,
      // CloudFormation's default Lambda timeout is 3 s.
      { timeoutSeconds: Number(propertiesOf(name).Timeout ?? 3) },
    ]),
  ) as Record<WebhookFunctionName, LocalFunction>;
  const managementEnvironment =
    (propertiesOf('management-api').Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {};
  const targetPolicy: DeployedTargetPolicy = {
    allowHttpTargets: managementEnvironment.ALLOW_HTTP_TARGETS === 'true',
    allowPrivateTargets: managementEnvironment.ALLOW_PRIVATE_TARGETS === 'true',
  };
  return { queues, roles, functions, targetPolicy, escalation: escalationStateMachine(stack, template) };
}

/** What a Lambda ARN reference becomes in the local definition. */
export const localLambdaArn = (logicalId: string): string =>
  `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A DefinitionString (a string, or an Fn::Join of strings and references) as one string. */
export function resolveDefinitionString(value: unknown, lambdas: ReadonlySet<string>): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`Unsupported DefinitionString: ${JSON.stringify(value).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt && getAtt[1] === 'Arn' && lambdas.has(getAtt[0])) return localLambdaArn(getAtt[0]);
      const ref = (part as { Ref?: string }).Ref;
      if (ref && PSEUDO_PARAMETERS[ref]) return PSEUDO_PARAMETERS[ref];
      throw new Error(`Unsupported reference in the state machine definition: ${JSON.stringify(part)}`);
    })
    .join(separator);
}

function escalationStateMachine(
  stack: WebhookServiceStack,
  template: { Resources: Record<string, TemplateResource> },
): LocalStateMachine {
  const service = stack.service;
  const idOf = (element: unknown): string => stack.resolve((element as CfnElement).logicalId) as string;
  const stateMachineId = idOf(service.escalationStateMachine.node.defaultChild);
  const escalationFunctionId = idOf(service.functions.escalation.node.defaultChild);
  const deliverId = idOf(service.functions.deliver.node.defaultChild);
  const lambdas = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id),
  );
  const definitionString = template.Resources[stateMachineId]?.Properties?.DefinitionString;
  const environment = template.Resources[deliverId]?.Properties?.Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return {
    definition: JSON.parse(resolveDefinitionString(definitionString, lambdas)) as Record<string, unknown>,
    escalationTaskArn: `${localLambdaArn(escalationFunctionId)}:$LATEST`,
    defaultWaitSeconds: Number(environment?.Variables?.ESCALATION_WAIT_SECONDS),
  };
}
