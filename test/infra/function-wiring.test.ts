import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_PORTS } from '../../lambdas/composition.js';
import { BOUND_VARIABLES, WebhookFunction } from '../../lib/webhook-function.js';
import { FUNCTION_NAMES, type WebhookFunctionName } from '../../lib/webhook-service.js';
import type { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { logicalId, newApp, newStack } from './helpers.js';
import {
  type FunctionWiring,
  grantsWithoutWires,
  isFunctionName,
  portReport,
  referencedIds,
  type TemplateJson,
  wiresWithoutGrants,
  wiringOf,
} from './wiring-checker.js';

/**
 * Each function's wired ports (lambdas/composition.ts), its environment and its permissions agree:
 * a port it wires builds from the environment it is deployed with, every variable naming a resource
 * comes with the grant to use it, and every grant comes with the variable. Port names are read from
 * what dependenciesFromEnv exposes, never listed here.
 */

interface Synthesized {
  readonly stack: WebhookServiceStack;
  readonly template: TemplateJson;
}
const synthesized: Record<string, Synthesized> = {};
const VARIANTS = {
  defaults: {},
  // The SES grants exist only with a sender.
  'an alert sender': { service: { alertSenderEmail: 'alerts@example.com' } },
} as const;

beforeAll(() => {
  for (const [variant, props] of Object.entries(VARIANTS)) {
    const stack = newStack(newApp(), props);
    synthesized[variant] = { stack, template: Template.fromStack(stack).toJSON() as TemplateJson };
  }
});

function wiring(variant: string, name: WebhookFunctionName): FunctionWiring {
  const { stack, template } = synthesized[variant]!;
  return wiringOf(template, logicalId(stack.service.functions[name]), name);
}

/** The variables a function's bindings set without granting anything. */
function namedOnly(variant: string, name: WebhookFunctionName): Set<string> {
  const bindings = synthesized[variant]!.stack.service.functions[name].bindings;
  return new Set(bindings.filter((binding) => binding.actions.length === 0).flatMap((b) => b.variables));
}

describe('the functions', () => {
  it('are the ones FUNCTION_PORTS wires and FUNCTION_NAMES lists', () => {
    // Prepare: the default stack (beforeAll).
    const { stack } = synthesized.defaults!;
    // Act
    const deployed = Object.keys(stack.service.functions);
    // Assess
    expect(new Set(deployed)).toEqual(new Set(FUNCTION_NAMES));
    expect(new Set(deployed)).toEqual(new Set(Object.keys(FUNCTION_PORTS)));
  });

  it('are every Lambda function of the template, but the one deploying the portal files', () => {
    // Prepare: the default stack (beforeAll).
    const { stack, template } = synthesized.defaults!;
    // Act
    const inTemplate = Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => id)
      // CDK BucketDeployment's own handler (lib/portal-hosting.ts): it runs at deploy time only.
      .filter((id) => !id.startsWith('CustomCDKBucketDeployment'));
    // Assess
    expect(new Set(inTemplate)).toEqual(new Set(Object.values(stack.service.functions).map(logicalId)));
  });
});

describe.each(Object.keys(VARIANTS))('wiring, with %s', (variant) => {
  it.each(FUNCTION_NAMES)('%s: every port it wires builds from its synthesized environment', (name) => {
    // Prepare
    const { environment } = wiring(variant, name);
    if (!isFunctionName(name)) throw new Error(`${name} is not in FUNCTION_PORTS`);
    // Act
    const report = portReport(name, environment);
    // Assess
    expect(report.problems).toEqual([]);
    expect(report.wired.length).toBeGreaterThan(0);
  });

  it.each(FUNCTION_NAMES)('%s: each variable naming a resource comes with the grant to use it', (name) => {
    // Prepare
    const { template } = synthesized[variant]!;
    // Act
    const problems = wiresWithoutGrants(template, wiring(variant, name), namedOnly(variant, name));
    // Assess
    expect(problems).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: each resource it is granted on is named in its environment', (name) => {
    // Prepare
    const { template } = synthesized[variant]!;
    // Act
    const problems = grantsWithoutWires(template, wiring(variant, name));
    // Assess
    expect(problems).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s: every variable naming a resource was set by a binding', (name) => {
    // Prepare
    const { environment } = wiring(variant, name);
    const bindings = synthesized[variant]!.stack.service.functions[name].bindings;
    // Act
    const bound = bindings.flatMap((binding) => binding.variables);
    // Assess
    const naming = Object.keys(environment).filter(
      (variable) => BOUND_VARIABLES.has(variable) || referencedIds(environment[variable]).length > 0,
    );
    expect(new Set(bound)).toEqual(new Set(naming));
    expect(bound).toHaveLength(new Set(bound).size);
  });
});

describe('the wiring checker', () => {
  /** A throwaway stack: fanout bound to its tables, and the queues a broken wiring would touch. */
  function throwaway() {
    const stack = new Stack(newApp(), 'Throwaway');
    const table = (id: string) =>
      new dynamodb.Table(stack, id, { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const config = table('Config');
    const deliveries = table('Deliveries');
    const queue = new sqs.Queue(stack, 'Queue');
    const fanout = new WebhookFunction(stack, 'Fanout', { name: 'fanout' })
      .useConfigTable(config, 'readwrite')
      .useDeliveriesTable(deliveries, 'readwrite');
    return { stack, deliveries, queue, fanout };
  }
  const templateOf = (stack: Stack) => Template.fromStack(stack).toJSON() as TemplateJson;

  it('reports a grant made without the variable naming its resource', () => {
    // Prepare
    const { stack, queue, fanout } = throwaway();
    queue.grantSendMessages(fanout);
    const template = templateOf(stack);
    // Act
    const problems = grantsWithoutWires(template, wiringOf(template, logicalId(fanout), 'fanout'));
    // Assess
    expect(problems).toEqual([expect.stringMatching(new RegExp(`sqs:SendMessage.*${logicalId(queue)}`))]);
  });

  it('reports a variable naming a resource without the grant to use it', () => {
    // Prepare
    const { stack, queue } = throwaway();
    const bare = new lambda.Function(stack, 'Bare', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
      environment: { DELIVERY_QUEUE_URL: queue.queueUrl },
    });
    const template = templateOf(stack);
    // Act
    const problems = wiresWithoutGrants(template, wiringOf(template, logicalId(bare), 'bare'));
    // Assess
    expect(problems).toEqual([expect.stringMatching(/DELIVERY_QUEUE_URL .* not granted sqs:SendMessage/)]);
  });

  it('reports a variable bound to name a resource only whose resource is granted all the same', () => {
    // Prepare
    const stack = new Stack(newApp(), 'Throwaway');
    const table = new dynamodb.Table(stack, 'T', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const authorizer = new WebhookFunction(stack, 'Authorizer', { name: 'authorizer' }).useDeliveriesTable(
      table,
      'none',
    );
    table.grantReadData(authorizer);
    const template = templateOf(stack);
    // Act
    const problems = wiresWithoutGrants(
      template,
      wiringOf(template, logicalId(authorizer), 'authorizer'),
      new Set(['DELIVERIES_TABLE_NAME']),
    );
    // Assess
    expect(problems).toEqual([expect.stringMatching(/DELIVERIES_TABLE_NAME is bound to name .* only/)]);
  });

  it('reports a wired port its environment cannot build', () => {
    // Prepare: fanout wires the delivery queue but was not bound to one.
    const { stack, fanout } = throwaway();
    const { environment } = wiringOf(templateOf(stack), logicalId(fanout));
    // Act
    const report = portReport('fanout', environment);
    // Assess
    expect(report.problems.join('\n')).toMatch(/^fanout: port \S+ does not build: /);
  });

  it('is backed by WebhookFunction, which refuses a variable naming a resource outside a binding', () => {
    // Prepare
    const { queue, fanout } = throwaway();
    // Act
    const unbound = () => fanout.addEnvironment('DELIVERY_QUEUE_URL', queue.queueUrl);
    // Assess
    expect(unbound).toThrow(/DELIVERY_QUEUE_URL names a resource/);
  });
});
