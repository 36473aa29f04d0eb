import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface WebhookRestApiProps {
  /** `<base name>-api` is the API's name. */
  readonly baseName: string;
  /** Retention of the access log group. */
  readonly logRetention: logs.RetentionDays;
  /** Steady-state requests per second across the whole stage. */
  readonly rateLimit: number;
  /** Maximum burst of concurrent requests across the whole stage. */
  readonly burstLimit: number;
  /**
   * Create the account's API Gateway CloudWatch role (see WebhookServiceProps).
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /** The request authorizer of the tenant routes (API keys). */
  readonly authorizerFunction: lambda.IFunction;
  /**
   * Tenant routes (`/v1/{proxy+}`, and `GET /v1/events`, the event log), the API description and the
   * confirmation links.
   */
  readonly managementFunction: lambda.IFunction;
  /** `POST /v1/events`. */
  readonly publishFunction: lambda.IFunction;
  /**
   * `/v1/admin/{proxy+}`, authorised with IAM, and `POST /v1/portal/sessions` (the portal-link
   * exchange: config table only, where the links are minted).
   */
  readonly adminFunction: lambda.IFunction;
}

/**
 * The headers the portal's browser calls may send: its session key, JSON bodies, and Idempotency-Key
 * (allowed for the portal's writes by issue 11).
 */
const PORTAL_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'];

/**
 * The REST API: a regional, throttled, access-logged and traced stage; tenant routes behind the API
 * key authorizer, admin routes behind SigV4, the API description and the confirmation links open;
 * API Gateway's own errors in the API's error shape; and the cdk-nag findings this design accepts.
 * `addGatewayResponses` completes it once the portal's origin (if any) is known, and
 * `addPortalPreflights` answers that origin's preflights.
 *
 * Created directly in `scope` as `Api`, `ApiAccessLogs` and `ApiKeyAuthorizer`, not under a
 * construct of its own: a replaced API changes its URL.
 */
export class WebhookRestApi {
  public readonly api: apigw.RestApi;
  public readonly authorizer: apigw.RequestAuthorizer;
  /** The resources the portal calls, and the methods each serves it (its preflights allow those). */
  private readonly portalResources: ReadonlyArray<[apigw.Resource, string[]]>;

  constructor(scope: Construct, props: WebhookRestApiProps) {
    const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: props.logRetention });
    const cloudWatchRole = props.cloudWatchRole ?? false;
    this.api = new apigw.RestApi(scope, 'Api', {
      restApiName: `${props.baseName}-api`,
      description: 'Serverless webhooks: tenant REST API, event publishing and admin API',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole,
      // Account-wide setting: deleting this stack must not switch off other APIs' logging.
      ...(cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        // Never log bodies: secrets and API keys appear in responses exactly once.
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: true,
      },
    });
    this.authorizer = new apigw.RequestAuthorizer(scope, 'ApiKeyAuthorizer', {
      handler: props.authorizerFunction,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.minutes(5),
    });
    const tenant: apigw.MethodOptions = {
      authorizer: this.authorizer,
      authorizationType: apigw.AuthorizationType.CUSTOM,
    };
    const integration = (handler: lambda.IFunction) =>
      new apigw.LambdaIntegration(handler, { allowTestInvoke: false });
    const managementIntegration = integration(props.managementFunction);
    const adminIntegration = integration(props.adminFunction);

    const v1 = this.api.root.addResource('v1');
    const eventsResource = v1.addResource('events');
    const publishMethod = eventsResource.addMethod('POST', integration(props.publishFunction), tenant);
    // The event log reads the deliveries table: the management function's, with webhooks:read
    // (checked there); the publish function only writes events.
    const eventLogMethod = eventsResource.addMethod('GET', managementIntegration, tenant);
    // GET /v1/events/{id}: beside the explicit /v1/events, /v1/{proxy+} does not catch its children.
    const eventResource = eventsResource.addResource('{id}');
    const eventMethod = eventResource.addMethod('GET', managementIntegration, tenant);
    const adminMethod = v1
      .addResource('admin')
      .addResource('{proxy+}')
      .addMethod('ANY', adminIntegration, { authorizationType: apigw.AuthorizationType.IAM });
    const openApiMethod = v1
      .addResource('openapi.json')
      // The admin function serves it: the management bundle is at its size budget.
      .addMethod('GET', adminIntegration, { authorizationType: apigw.AuthorizationType.NONE });
    // The link in an alert-address confirmation mail: the unguessable token is the credential.
    const confirmationMethod = v1
      .addResource('email-confirmations')
      .addResource('{token}')
      .addMethod('GET', managementIntegration, { authorizationType: apigw.AuthorizationType.NONE });
    // The portal exchanges its one-time link token for a session key: the token is the credential.
    const portalSessionsResource = v1.addResource('portal').addResource('sessions');
    const portalSessionMethod = portalSessionsResource.addMethod('POST', adminIntegration, {
      authorizationType: apigw.AuthorizationType.NONE,
    });
    const tenantResource = v1.addResource('{proxy+}');
    const managementMethod = tenantResource.addMethod('ANY', managementIntegration, tenant);
    // Seed 003's paths (docs/seed-003.md): the same function, authorizer and scopes as /v1.
    const seed003Method = this.api.root
      .addResource('api')
      .addResource('v1')
      .addResource('{proxy+}')
      .addMethod('ANY', managementIntegration, tenant);
    this.portalResources = [
      [eventsResource, ['GET', 'POST']],
      [eventResource, ['GET']],
      [portalSessionsResource, ['POST']],
      // Every tenant route of the management function: webhooks, deliveries, event types, usage, ...
      [tenantResource, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']],
    ];

    this.acknowledgeApiFindings({
      publishMethod,
      eventLogMethod,
      eventMethod,
      adminMethod,
      openApiMethod,
      confirmationMethod,
      portalSessionMethod,
      managementMethod,
      seed003Method,
    });
  }

  /**
   * CORS preflights for `portalOrigin` alone on the routes the portal calls, answered by API
   * Gateway (a MOCK integration: a preflight carries no Authorization, so it must never reach the
   * authorizer). The admin routes get none: no browser may call them.
   */
  public addPortalPreflights(portalOrigin: string): void {
    for (const [resource, methods] of this.portalResources) {
      resource.addCorsPreflight({
        allowOrigins: [portalOrigin],
        allowHeaders: PORTAL_REQUEST_HEADERS,
        allowMethods: methods,
        maxAge: Duration.hours(1),
      });
    }
  }

  /**
   * API Gateway's own errors in the API's error shape: `{"error":{"code","message"}}`; with
   * `portalOrigin`, readable by that origin, so that the portal can show a 401 or a 429.
   */
  public addGatewayResponses(portalOrigin: string | undefined): void {
    const cors = portalOrigin ? { 'Access-Control-Allow-Origin': `'${portalOrigin}'` } : undefined;
    const body = (code: string, message: string) => ({
      'application/json': `{"error":{"code":"${code}","message":${message}}}`,
    });
    const fromContext = '$context.error.messageString';
    const responses: ReadonlyArray<[string, apigw.ResponseType, string, string, string]> = [
      [
        'Unauthorized',
        apigw.ResponseType.UNAUTHORIZED,
        '401',
        'unauthorized',
        '"Missing or invalid API key"',
      ],
      ['AccessDenied', apigw.ResponseType.ACCESS_DENIED, '403', 'forbidden', '"Access denied"'],
      ['Throttled', apigw.ResponseType.THROTTLED, '429', 'rate_limited', '"Too many requests"'],
      // Only ever an unsigned call of an IAM route (/v1/admin/...): lib/api-fallbacks.ts routes the
      // paths and methods nothing serves. The id stays: a renamed gateway response of the same type
      // would be put by the new resource, then reset to the default by the old one's deletion.
      [
        'NoRoute',
        apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        '403',
        'forbidden',
        '"Admin credentials required"',
      ],
      ['RequestTooLarge', apigw.ResponseType.REQUEST_TOO_LARGE, '413', 'payload_too_large', fromContext],
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX, '', 'bad_request', fromContext],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX, '', 'internal_error', '"Internal server error"'],
    ];
    for (const [id, type, statusCode, code, message] of responses) {
      this.api.addGatewayResponse(id, {
        type,
        ...(statusCode ? { statusCode } : {}),
        ...(cors ? { responseHeaders: cors } : {}),
        templates: body(code, message),
      });
    }
  }

  private acknowledgeApiFindings(methods: {
    publishMethod: apigw.Method;
    eventLogMethod: apigw.Method;
    eventMethod: apigw.Method;
    adminMethod: apigw.Method;
    openApiMethod: apigw.Method;
    confirmationMethod: apigw.Method;
    portalSessionMethod: apigw.Method;
    managementMethod: apigw.Method;
    seed003Method: apigw.Method;
  }): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Requests are validated in the handlers with zod (body, query and path), which answer a JSON 4xx; API Gateway models would duplicate those schemas and answer in another error shape.',
    });
    // Only with apiGatewayCloudWatchRole: RestApi names that role 'CloudWatchRole'.
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level API Gateway logging role must use the AWS managed push-to-CloudWatch policy; API Gateway writes execution and access logs through it.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: tenant routes require an API key checked by the Lambda authorizer, admin routes require SigV4, and the stage is throttled. Platform teams can associate a web ACL with the exposed stage.',
    });
    const cognito = 'AwsSolutions-COG4';
    const authorization = 'AwsSolutions-APIG4';
    const acknowledge = (method: apigw.Method, ids: readonly string[], reason: string) => {
      for (const id of ids) Validations.of(method).acknowledge({ id, reason });
    };
    const apiKeys =
      'Tenants authenticate with API keys (Bearer ak_...) verified by the Lambda request authorizer.';
    acknowledge(methods.publishMethod, [cognito], apiKeys);
    acknowledge(methods.eventLogMethod, [cognito], apiKeys);
    acknowledge(methods.eventMethod, [cognito], apiKeys);
    acknowledge(methods.managementMethod, [cognito], apiKeys);
    acknowledge(methods.seed003Method, [cognito], apiKeys);
    acknowledge(
      methods.adminMethod,
      [cognito],
      'Admin routes are authorised with IAM (SigV4) for the platform team, not with Cognito users.',
    );
    acknowledge(
      methods.openApiMethod,
      [cognito, authorization],
      'GET /v1/openapi.json is the public API description; it holds no tenant data.',
    );
    acknowledge(
      methods.confirmationMethod,
      [cognito, authorization],
      'GET /v1/email-confirmations/{token} is the link in an alert-address confirmation mail: the single-purpose 260-bit token is the credential, and the answer names only the address.',
    );
    acknowledge(
      methods.portalSessionMethod,
      [cognito, authorization],
      'POST /v1/portal/sessions exchanges a one-time portal link token (256 random bits, stored hashed, usable once within 15 minutes) for a session key of its one account: the token is the credential, and an unknown, used or expired token gets a 4xx with no account data.',
    );
  }
}
