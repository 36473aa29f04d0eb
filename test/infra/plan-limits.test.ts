import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_LIMITS, parsePlanLimits } from '../../lambdas/domain/plans.js';
import { FUNCTION_NAMES, type WebhookServiceProps } from '../../lib/webhook-service.js';
import { logicalId, newApp, newStack } from './helpers.js';

/** The `planLimits` prop: per-deployment quotas reach exactly the functions that enforce them. */

function synth(service: WebhookServiceProps) {
  const stack = newStack(newApp(), { service });
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Properties: { Environment?: { Variables: Record<string, unknown> } } }>;
  };
  return (name: (typeof FUNCTION_NAMES)[number]) =>
    template.Resources[logicalId(stack.service.functions[name])]!.Properties.Environment?.Variables ?? {};
}

describe('WebhookService planLimits', () => {
  it('passes PLAN_LIMITS to the management API, the publish API and fan-out, in the form the handlers parse', () => {
    // Act
    const envOf = synth({
      planLimits: { scale: { maxWebhooks: 5, maxEventsPerDay: 1000 }, enterprise: { maxEventsPerDay: null } },
    });
    // Assess
    const withLimits = FUNCTION_NAMES.filter((name) => envOf(name).PLAN_LIMITS !== undefined);
    expect(withLimits).toEqual(['management-api', 'publish-api', 'fanout']);
    const limits = parsePlanLimits(String(envOf('fanout').PLAN_LIMITS));
    expect(limits).toEqual({
      scale: { maxWebhooks: 5, maxEventsPerDay: 1000 },
      pro: DEFAULT_PLAN_LIMITS.pro,
      enterprise: { maxWebhooks: null, maxEventsPerDay: null },
    });
  });

  it('sets nothing when the defaults stand', () => {
    // Act
    const envOf = synth({});
    // Assess
    expect(FUNCTION_NAMES.filter((name) => envOf(name).PLAN_LIMITS !== undefined)).toEqual([]);
  });

  it.each([
    ['a negative limit', { scale: { maxWebhooks: -1 } }, /planLimits\.scale\.maxWebhooks/],
    ['a fractional limit', { pro: { maxEventsPerDay: 1.5 } }, /planLimits\.pro\.maxEventsPerDay/],
    ['an unknown plan', { platinum: { maxWebhooks: 1 } }, /unknown plan 'platinum'/],
  ])('rejects %s at synth time', (_, planLimits, message) => {
    // Act + Assess
    expect(() => synth({ planLimits: planLimits as WebhookServiceProps['planLimits'] })).toThrow(message);
  });
});
