import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../lambdas/config.js';
import type { HostResolver } from '../../lambdas/domain/ports/outbound-http.js';
import { type TargetPolicy, validateTargetUrl } from '../../lambdas/domain/url-safety.js';
import { logicalId, newApp, newStack } from '../infra/helpers.js';
import { aWebhookBody } from '../support/factories.js';
import { listAllWebhooks, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * `WEBHOOKS_ALLOW_PRIVATE_TARGETS=false` is documented as the production rules (issue 9): a runtime
 * started with private targets disallowed, and nothing else said (as bin/local.ts starts it), applies
 * exactly the deployed URL policy. The expected answers are derived from the deployed management
 * function's environment (the synthesized template, read by composition's configFromEnv), not
 * written down a second time.
 */

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

const ADDRESSES: Readonly<Record<string, readonly string[]>> = {
  'hooks.example.com': ['93.184.216.34'],
  'intranet.example.com': ['10.0.0.5'],
};

const resolve: HostResolver = async (hostname) => {
  const answer = ADDRESSES[hostname];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [...answer];
};

/** The URL policy of the management function as the stack deploys it. */
function deployedPolicy(): TargetPolicy {
  const app = newApp();
  const stack = newStack(app);
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  const variables =
    template.Resources[logicalId(stack.service.functions['management-api'])]?.Properties?.Environment
      ?.Variables ?? {};
  const config = configFromEnv({
    CONFIG_TABLE_NAME: 'config',
    DELIVERIES_TABLE_NAME: 'deliveries',
    ALLOW_HTTP_TARGETS: String(variables.ALLOW_HTTP_TARGETS),
    ALLOW_PRIVATE_TARGETS: String(variables.ALLOW_PRIVATE_TARGETS),
  });
  return { allowHttp: config.allowHttpTargets, allowPrivate: config.allowPrivateTargets };
}

const REFUSED = [
  'http://hooks.example.com/orders',
  'http://127.0.0.1:4000/hook',
  'https://127.0.0.1:4000/hook',
  'https://10.0.0.5/hook',
  'https://intranet.example.com/hook',
  'https://localhost/hook',
];

let runtime: TestRuntime;
let policy: TargetPolicy;

beforeAll(async () => {
  policy = deployedPolicy();
  runtime = await startTestRuntime({ allowPrivateTargets: false, resolve });
});

afterAll(async () => {
  await runtime?.dispose();
});

describe('a local runtime with private targets disallowed (WEBHOOKS_ALLOW_PRIVATE_TARGETS=false)', () => {
  it.each(REFUSED)('refuses %s with the 400 the deployed functions give', async (url) => {
    // Prepare
    const deployed = await validateTargetUrl(url, policy, resolve);
    if (deployed.ok) throw new Error(`the deployed policy accepts ${url}`);
    const before = await listAllWebhooks(runtime.tenant);

    // Act
    const response = await runtime.tenant.post<ErrorBody>('/v1/webhooks', aWebhookBody({ url }));

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'validation_error',
        message: deployed.reason,
        details: [{ path: 'body.url', message: deployed.reason }],
      },
    });
    expect(await listAllWebhooks(runtime.tenant)).toEqual(before);
  });

  it('refuses plain http because the deployed policy is https only', async () => {
    // Prepare
    const url = 'http://hooks.example.com/orders';

    // Act
    const response = await runtime.tenant.post<ErrorBody>('/v1/webhooks', aWebhookBody({ url }));

    // Assess
    expect(policy.allowHttp).toBe(false);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('URL must use https');
  });

  it('accepts a public https URL, as deployed', async () => {
    // Prepare
    const url = 'https://hooks.example.com/orders';

    // Act
    const response = await runtime.tenant.post<{ url: string }>('/v1/webhooks', aWebhookBody({ url }));

    // Assess
    expect(response.status).toBe(201);
    expect(response.body.url).toBe(url);
  });
});
