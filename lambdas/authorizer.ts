import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { METRIC } from '../lib/metric-names.js';
import { authorizerDependencies } from './composition.js';
import { log } from './logging.js';
import { flushMetrics, metrics } from './metrics.js';
import { authenticate, recordKeyUse } from './services/admin.js';
import type { DependenciesProvider } from './services/dependencies.js';

/**
 * API Gateway request authorizer: a bearer API key → its account and scopes. The policy allows the
 * whole API (results are cached per key across routes); scopes are enforced by the route handlers.
 */
export function createAuthorizer(dependencies: DependenciesProvider) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const header = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'authorization',
    );
    let key: Awaited<ReturnType<typeof authenticate>>;
    try {
      key = await authenticate(dependencies(), header?.[1]);
    } catch (error) {
      // Not a wrong key but a failure (API Gateway answers 500): the metric the alarm watches, since
      // Lambda's Errors also count every `Unauthorized` below.
      metrics.addMetric(METRIC.authorizerFailures, MetricUnit.Count, 1);
      flushMetrics();
      throw error;
    }
    // API Gateway turns exactly this message into a 401.
    if (!key) throw new Error('Unauthorized');
    try {
      await recordKeyUse(dependencies(), key);
    } catch (error) {
      // Bookkeeping only: a key that is valid is let in even when its last use cannot be recorded.
      log.warn('could not record the key use', { keyId: key.id, error: String(error) });
    }
    const [apiArn = '*', stage = '*'] = event.methodArn.split('/');
    return {
      principalId: key.id,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${apiArn}/${stage}/*` }],
      },
      context: {
        accountId: key.accountId,
        scopes: key.scopes.join(' '),
        keyId: key.id,
        // A session key's end travels with the cached result: the API handlers refuse it from then
        // on, whatever the authorizer cache still holds (docs/portal.md).
        ...(key.expiresAt !== undefined ? { expiresAt: key.expiresAt } : {}),
      },
    };
  };
}

export const handler = createAuthorizer(authorizerDependencies);
