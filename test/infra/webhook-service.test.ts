import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, type WebhookService } from '../../lib/webhook-service.js';
import type { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { arnOf, asArray, logicalId, newStack, type PolicyStatementJson, ref } from './helpers.js';

let stack: WebhookServiceStack;
let service: WebhookService;
let template: Template;

beforeAll(() => {
  stack = newStack();
  service = stack.service;
  template = Template.fromStack(stack);
});

/** The statements of the execution role policy of one function. */
function statementsOf(name: (typeof FUNCTION_NAMES)[number]): PolicyStatementJson[] {
  const role = service.functions[name].role;
  if (!role) throw new Error(`${name} has no role`);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: logicalId(role) }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

/** Every action a function may perform on a resource (by its logical id, indexes included). */
function actionsOn(name: (typeof FUNCTION_NAMES)[number], target: IConstruct): string[] {
  const id = logicalId(target);
  return statementsOf(name)
    .filter((statement) => JSON.stringify(statement.Resource).includes(`"${id}"`))
    .flatMap((statement) => asArray(statement.Action));
}

function resourceProps(construct: IConstruct): Record<string, unknown> {
  const resource = template.toJSON().Resources[logicalId(construct)] as {
    Properties: Record<string, unknown>;
  };
  return resource.Properties;
}

describe('tables', () => {
  it('builds the deliveries table from the storage schema: on-demand, PITR, SSE, TTL, sparse GSIs projecting ALL, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'failed',
            KeySchema: [
              { AttributeName: 'failed_pk', KeyType: 'HASH' },
              { AttributeName: 'failed_sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'due',
            KeySchema: [
              { AttributeName: 'due_pk', KeyType: 'HASH' },
              { AttributeName: 'due_sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    });
  });

  it('builds the config table on-demand with PITR and SSE, retained, TTL on purge_at, with the account_items index', () => {
    const props = resourceProps(service.configTable);
    expect(props).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    // Only portal links and session keys carry the TTL attribute (docs/storage.md).
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'purge_at', Enabled: true });
    // One index (CloudFormation adds one GSI per table per update), keyed on `sk` and `account_id`,
    // which account and key items always had: DynamoDB fills it for existing items. Keys only, so
    // `last_used_at` and webhook-counter updates write nothing to it.
    expect(props.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'account_items',
        KeySchema: [
          { AttributeName: 'sk', KeyType: 'HASH' },
          { AttributeName: 'account_id', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(template.toJSON().Resources[logicalId(service.configTable)]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('master key', () => {
  it('generates one 64-character alphanumeric secret, retained with the tables', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: { GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
    });
  });
});

describe('functions', () => {
  it('runs every handler on nodejs22.x, arm64, 512 MB, active tracing, with an explicit log group', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'serverless-webhooks',
          }),
        },
      },
      FUNCTION_NAMES.length,
    );
  });

  it('keeps function logs for one month by default', () => {
    for (const name of FUNCTION_NAMES) {
      expect(resourceProps(service.functions[name].logGroup)).toMatchObject({ RetentionInDays: 30 });
    }
  });

  it('gives the queue consumers 60 s, the escalation steps 30 s and the API handlers 10 s', () => {
    const timeouts = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [name, resourceProps(service.functions[name]).Timeout]),
    );
    expect(timeouts).toEqual({
      authorizer: 10,
      'management-api': 10,
      'publish-api': 10,
      'admin-api': 10,
      fanout: 60,
      deliver: 60,
      reconciler: 10,
      escalation: 30,
    });
  });

  it('passes each handler the resource names it needs', () => {
    const env = (name: (typeof FUNCTION_NAMES)[number]) =>
      (resourceProps(service.functions[name]).Environment as { Variables: Record<string, unknown> })
        .Variables;
    expect(env('publish-api')).toMatchObject({
      EVENT_BUS_NAME: ref(service.eventBus),
      CONFIG_TABLE_NAME: ref(service.configTable),
      DELIVERIES_TABLE_NAME: ref(service.deliveriesTable),
      RETENTION_DAYS: '30',
    });
    expect(env('deliver')).toMatchObject({
      MASTER_KEY_SECRET_ARN: ref(service.masterKeySecret),
      DELIVERY_QUEUE_URL: ref(service.deliveryQueue),
      PARKED_QUEUE_URL: ref(service.parkedQueue),
      ALLOW_HTTP_TARGETS: 'false',
      ALLOW_PRIVATE_TARGETS: 'false',
    });
    // fan-out parks bus events it cannot parse.
    expect(env('fanout')).toMatchObject({
      DELIVERY_QUEUE_URL: ref(service.deliveryQueue),
      PARKED_QUEUE_URL: ref(service.parkedQueue),
    });
    expect(env('management-api')).toMatchObject({
      MASTER_KEY_SECRET_ARN: ref(service.masterKeySecret),
      DELIVERY_QUEUE_URL: ref(service.deliveryQueue),
    });
    expect(env('authorizer').MASTER_KEY_SECRET_ARN).toBeUndefined();
  });

  it('uses no AWS managed policy on any execution role', () => {
    for (const name of FUNCTION_NAMES) {
      const role = service.functions[name].role;
      expect(role && resourceProps(role).ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('queues', () => {
  it('feeds fanout from the ingest queue: batches of 10, 1 s window, partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(service.ingestQueue),
      FunctionName: ref(service.functions.fanout),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('feeds deliver from the delivery queue: batches of 100 gathered within a second, partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(service.deliveryQueue),
      FunctionName: ref(service.functions.deliver),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('redrives the consumed queues to their DLQs after 5 receives', () => {
    expect(resourceProps(service.ingestQueue).RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(service.ingestDlq),
      maxReceiveCount: 5,
    });
    expect(resourceProps(service.deliveryQueue).RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(service.deliveryDlq),
      maxReceiveCount: 5,
    });
  });

  it('sets the visibility timeout of a consumed queue to 6 x its consumer timeout', () => {
    expect(resourceProps(service.ingestQueue).VisibilityTimeout).toBe(6 * 60);
    expect(resourceProps(service.deliveryQueue).VisibilityTimeout).toBe(6 * 60);
  });

  it('keeps DLQ and parked messages for 14 days', () => {
    for (const queue of [service.ingestDlq, service.deliveryDlq, service.parkedQueue]) {
      expect(resourceProps(queue).MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('encrypts every queue with SQS-managed keys', () => {
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 5);
  });

  it('denies non-TLS access to every queue', () => {
    for (const queue of [
      service.ingestQueue,
      service.ingestDlq,
      service.deliveryQueue,
      service.deliveryDlq,
      service.parkedQueue,
    ]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('event bus', () => {
  it('routes every event of this account on the bus to the ingest queue, with the ingest DLQ for failed sends', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(service.eventBus),
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      Targets: [
        Match.objectLike({
          Arn: arnOf(service.ingestQueue),
          DeadLetterConfig: { Arn: arnOf(service.ingestDlq) },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
        }),
      ],
    });
  });

  it('lets EventBridge (this rule only) send to the ingest queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(service.ingestQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('names the bus after the stack and construct by default', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'TestWebhooks-WebhookService' });
  });

  it('runs the reconciler every 5 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: arnOf(service.functions.reconciler) })],
    });
  });
});

describe('REST API', () => {
  /** The logical id of the API Gateway resource at `path` (e.g. `/v1/{proxy+}`). */
  function resourceId(path: string): string {
    return logicalId(service.api.root.resourceForPath(path));
  }

  it('is a regional endpoint', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('checks API keys with a cached request authorizer on the Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('puts the authorizer in front of ANY /v1/{proxy+} (management API)', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      ResourceId: { Ref: resourceId('/v1/{proxy+}') },
      AuthorizationType: 'CUSTOM',
      AuthorizerId: ref(service.authorizer),
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
  });

  it("serves seed 003's /api/v1/{proxy+} from the management function behind the same authorizer", () => {
    const management = template.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: 'ANY', ResourceId: { Ref: resourceId('/v1/{proxy+}') } },
    });
    const [v1] = Object.values(management) as { Properties: { Integration: unknown } }[];
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      ResourceId: { Ref: resourceId('/api/v1/{proxy+}') },
      AuthorizationType: 'CUSTOM',
      AuthorizerId: ref(service.authorizer),
      Integration: v1?.Properties.Integration,
    });
    expect(v1?.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY' });
  });

  it('answers an unsigned call of an IAM route (MISSING_AUTHENTICATION_TOKEN) with a JSON 403 forbidden', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '403',
      ResponseTemplates: {
        'application/json': '{"error":{"code":"forbidden","message":"Admin credentials required"}}',
      },
    });
  });

  it('puts the authorizer in front of POST /v1/events (publish API)', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: resourceId('/v1/events') },
      AuthorizationType: 'CUSTOM',
      AuthorizerId: ref(service.authorizer),
    });
  });

  it.each(['/v1/events', '/v1/events/{id}'])(
    'serves GET %s (the event log) from the management function, behind the authorizer',
    (path) => {
      const management = template.findResources('AWS::ApiGateway::Method', {
        Properties: { HttpMethod: 'ANY', ResourceId: { Ref: resourceId('/v1/{proxy+}') } },
      });
      const [tenantRoutes] = Object.values(management) as { Properties: { Integration: unknown } }[];
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'GET',
        ResourceId: { Ref: resourceId(path) },
        AuthorizationType: 'CUSTOM',
        AuthorizerId: ref(service.authorizer),
        Integration: tenantRoutes?.Properties.Integration,
      });
    },
  );

  it('requires IAM (SigV4) on ANY /v1/admin/{proxy+}', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      ResourceId: { Ref: resourceId('/v1/admin/{proxy+}') },
      AuthorizationType: 'AWS_IAM',
    });
  });

  it('serves POST /v1/portal/sessions (the portal-link exchange) without authorization, from the admin function', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: resourceId('/v1/portal/sessions') },
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    const [method] = Object.values(
      template.findResources('AWS::ApiGateway::Method', {
        Properties: { HttpMethod: 'POST', ResourceId: { Ref: resourceId('/v1/portal/sessions') } },
      }),
    );
    expect(JSON.stringify(method?.Properties.Integration.Uri)).toContain(
      `"${logicalId(service.functions['admin-api'])}"`,
    );
  });

  it('serves GET /v1/openapi.json without authorization', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      ResourceId: { Ref: resourceId('/v1/openapi.json') },
      AuthorizationType: 'NONE',
    });
  });

  it('throttles the stage, logs at INFO without bodies, traces, and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'INFO',
          DataTraceEnabled: false,
          MetricsEnabled: true,
        }),
      ],
    });
  });

  it('leaves the account-level API Gateway logging role alone by default (it is shared by every API)', () => {
    // Prepare: the default stack (beforeAll).
    // Act / Assess
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(service.api.node.tryFindChild('CloudWatchRole')).toBeUndefined();
  });

  it('answers its own errors in the API error shape', () => {
    const responses = template.findResources('AWS::ApiGateway::GatewayResponse');
    const byType = Object.fromEntries(
      Object.values(responses).map((resource) => {
        const props = (resource as { Properties: Record<string, unknown> }).Properties;
        const body = (props.ResponseTemplates as Record<string, string>)['application/json'] ?? '';
        // What API Gateway substitutes at run time: a quoted JSON string.
        const parsed = JSON.parse(body.replaceAll('$context.error.messageString', '"some message"'));
        return [props.ResponseType as string, { status: props.StatusCode, code: parsed.error.code, parsed }];
      }),
    );
    expect(byType.UNAUTHORIZED).toMatchObject({ status: '401', code: 'unauthorized' });
    expect(byType.ACCESS_DENIED).toMatchObject({ status: '403', code: 'forbidden' });
    expect(byType.DEFAULT_5XX).toMatchObject({ code: 'internal_error' });
    expect(byType.DEFAULT_4XX).toMatchObject({ code: expect.any(String) });
    for (const { parsed } of Object.values(byType)) {
      expect(parsed).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
  });
});

describe('least privilege', () => {
  it('lets publish-api put events on its own bus only', () => {
    const putEvents = statementsOf('publish-api').filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('events:')),
    );
    expect(putEvents).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: arnOf(service.eventBus) },
    ]);
  });

  it('grants no Scan, no table management and no action wildcards to any function', () => {
    for (const name of FUNCTION_NAMES) {
      const actions = statementsOf(name).flatMap((statement) => asArray(statement.Action));
      expect(actions, name).not.toContain('dynamodb:Scan');
      expect(
        actions.filter((action) => /DeleteTable|CreateTable|UpdateTable/.test(action)),
        name,
      ).toEqual([]);
      expect(
        actions.filter((action) => action.includes('*')),
        name,
      ).toEqual([]);
    }
  });

  it('grants Resource "*" only for X-Ray, which has no resource-level permissions', () => {
    for (const name of FUNCTION_NAMES) {
      const wildcard = statementsOf(name).filter((statement) => asArray(statement.Resource).includes('*'));
      expect(wildcard.flatMap((statement) => asArray(statement.Action)).sort(), name).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('names the deliveries table indexes one by one instead of index/*', () => {
    const resources = JSON.stringify(statementsOf('deliver').map((statement) => statement.Resource));
    expect(resources).toContain('/index/failed');
    expect(resources).toContain('/index/due');
    expect(resources).not.toContain('/index/*');
  });

  it('lets only the admin API (and the reconciler, for account purges) query the config table index, by name', () => {
    const configIndexes = (name: (typeof FUNCTION_NAMES)[number]) =>
      statementsOf(name)
        .flatMap((statement) => asArray(statement.Resource))
        .map((resource) => JSON.stringify(resource))
        .filter(
          (resource) => resource.includes(logicalId(service.configTable)) && resource.includes('/index/'),
        );
    const allowed = ['admin-api', 'reconciler'] as const;
    for (const name of allowed) {
      const granted = configIndexes(name).join(' ');
      expect(granted, name).toContain('/index/account_items');
      expect(granted, name).not.toContain('/index/*');
      const query = statementsOf(name).filter((statement) =>
        JSON.stringify(statement.Resource).includes('/index/account_items'),
      );
      expect(
        query.flatMap((statement) => asArray(statement.Action)),
        name,
      ).toContain('dynamodb:Query');
    }
    for (const name of FUNCTION_NAMES.filter((other) => !(allowed as readonly string[]).includes(other))) {
      expect(configIndexes(name), name).toEqual([]);
    }
  });

  it("lets the authorizer read the config table and update only a key's last_used_at", () => {
    expect(actionsOn('authorizer', service.configTable).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(actionsOn('authorizer', service.deliveriesTable)).toEqual([]);
    const updates = statementsOf('authorizer').filter((statement) =>
      asArray(statement.Action).some((action) => JSON.stringify(action).includes('UpdateItem')),
    );
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      Action: 'dynamodb:UpdateItem',
      Effect: 'Allow',
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] },
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'last_used_at'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
      },
    });
    for (const action of ['PutItem', 'DeleteItem', 'BatchWriteItem']) {
      expect(JSON.stringify(statementsOf('authorizer'))).not.toContain(`dynamodb:${action}`);
    }
  });

  it('keeps admin-api away from delivery history, the master key and the queues', () => {
    for (const target of [service.deliveriesTable, service.masterKeySecret, service.deliveryQueue]) {
      expect(actionsOn('admin-api', target), target.node.id).toEqual([]);
    }
    expect(actionsOn('admin-api', service.configTable)).toContain('dynamodb:PutItem');
  });

  it('lets only management-api and deliver read the master key', () => {
    const readers = FUNCTION_NAMES.filter((name) =>
      actionsOn(name, service.masterKeySecret).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers).toEqual(['management-api', 'deliver']);
  });

  it('lets only the two queue consumers send to the parked queue', () => {
    const senders = FUNCTION_NAMES.filter((name) =>
      actionsOn(name, service.parkedQueue).includes('sqs:SendMessage'),
    );
    expect(senders).toEqual(['fanout', 'deliver']);
  });

  it('gives the reconciler item writes on the config table (it sends queued confirmation mails) and no Scan', () => {
    expect(actionsOn('reconciler', service.configTable)).toContain('dynamodb:PutItem');
    expect(actionsOn('reconciler', service.configTable)).not.toContain('dynamodb:Scan');
    expect(actionsOn('reconciler', service.deliveriesTable)).toContain('dynamodb:UpdateItem');
  });
});

describe('stack', () => {
  it('outputs the API URL and the event bus name', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('EventBusName', { Value: ref(service.eventBus) });
  });
});
