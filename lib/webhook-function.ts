import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { type CONFIG_INDEX, CONFIG_TABLE, DELIVERIES_TABLE, type TableSchema } from './storage-schema.js';

/** An index of the config table a function may query. */
export type ConfigIndexName = (typeof CONFIG_INDEX)[keyof typeof CONFIG_INDEX];

/** The repository root, from this file's location (never from the process's working directory). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `lambdas/<name>.ts`, absolute. */
export const lambdaEntry = (name: string): string => join(REPO_ROOT, 'lambdas', `${name}.ts`);

/** ESM bundles have no `require`; some CommonJS dependencies still call it. */
export const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * How every handler is bundled. Exported so the bundle-size test (test/infra/bundles.test.ts) builds
 * with exactly the same options. `externalModules: []`: the modular AWS SDK v3 clients are bundled, so
 * the SDK version is the one in package-lock.json, not whatever the Lambda runtime ships.
 */
/**
 * Module substitutions for Lambda bundles: the SDK's default credential chain becomes the
 * environment-variable provider, which is what the chain resolves to inside Lambda anyway
 * (lambdas/aws/lambda-credentials.ts explains the ~130 KB this saves per function), and the
 * event-stream codec no called operation uses becomes a stub (lambdas/aws/no-event-streams.ts, ~15 KB).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambdas', 'aws', 'lambda-credentials.ts'),
  '@smithy/core/event-streams': join(REPO_ROOT, 'lambdas', 'aws', 'no-event-streams.ts'),
};

export const WEBHOOK_BUNDLING = {
  minify: true,
  sourceMap: true,
  // Stack traces need the map's positions and file names, not the sources themselves: a map without
  // them is a third of the size, and Node parses it at import with --enable-source-maps.
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.ESM,
  banner: ESM_REQUIRE_SHIM,
  mainFields: ['module', 'main'],
  externalModules: [],
  forceDockerBundling: false,
  esbuildArgs: Object.fromEntries(
    Object.entries(LAMBDA_ALIASES).map(([module, replacement]) => [`--alias:${module}`, replacement]),
  ),
} as const satisfies BundlingOptions;

export interface WebhookFunctionProps {
  /** The handler entry: `lambdas/<name>.ts`, exporting `handler`. Lowercase letters, digits and dashes. */
  readonly name: string;
  /** @default - none */
  readonly description?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Retention of the function's own log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Added to the defaults (`NODE_OPTIONS`, `POWERTOOLS_SERVICE_NAME`, ...): settings only. A variable
   * that names a resource (`BOUND_VARIABLES`) is set by the binding method that also grants its use.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * How a function may use a table. `none` sets the table's name only: the functions' environment
 * parser (lambdas/config.ts) requires both table names, also of a function that never touches one.
 */
export type TableAccess = 'none' | 'read' | 'readwrite';

/** Where the customer portal is served (lib/portal-hosting.ts). */
export interface PortalEndpoint extends IConstruct {
  /** `https://<host>/` */
  readonly url: string;
  /** `https://<host>` */
  readonly origin: string;
}

/** What a binding method bound the function to. */
export type BindingKind =
  | 'configTable'
  | 'deliveriesTable'
  | 'deliveryQueue'
  | 'parkedQueue'
  | 'ingestQueue'
  | 'eventBus'
  | 'masterKey'
  | 'escalations'
  | 'opsTopic'
  | 'alertSender'
  | 'api'
  | 'portal';

/** One binding: the environment variables it set and the IAM actions it granted with them. */
export interface FunctionBinding {
  readonly kind: BindingKind;
  /** The resource (the sender's address for `alertSender`). */
  readonly resource: IConstruct | string;
  /** The environment variables this binding set. */
  readonly variables: readonly string[];
  /** Every action granted to the function's role by this binding; empty when it names the resource only. */
  readonly actions: readonly string[];
}

/** The variables that name a resource: only the binding methods of WebhookFunction set them. */
export const BOUND_VARIABLES: ReadonlySet<string> = new Set([
  'CONFIG_TABLE_NAME',
  'DELIVERIES_TABLE_NAME',
  'DELIVERY_QUEUE_URL',
  'PARKED_QUEUE_URL',
  'INGEST_QUEUE_URL',
  'EVENT_BUS_NAME',
  'MASTER_KEY_SECRET_ARN',
  'ESCALATION_STATE_MACHINE_ARN',
  'ESCALATION_WAIT_SECONDS',
  'OPS_TOPIC_ARN',
  'ALERT_SENDER_EMAIL',
  'API_URL',
  'PORTAL_URL',
  'PORTAL_ORIGIN',
]);

const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/**
 * One Lambda handler of the service with the project's defaults: Node.js 22 on arm64, ESM bundle
 * built locally by esbuild, active tracing, an explicit log group with retention, and an execution
 * role that may only write to that log group (no AWSLambdaBasicExecutionRole: least privilege).
 * Everything else a function may touch is bound with one of the binding methods below, each of
 * which sets the environment variable naming a resource together with the grant to use it, and
 * records both in `bindings`.
 */
export class WebhookFunction extends NodejsFunction {
  /** The handler entry name (`lambdas/<name>.ts`). */
  public readonly entryName: string;
  private readonly boundTo: FunctionBinding[] = [];
  /** Set while a binding method sets its variables (addEnvironment refuses bound variables otherwise). */
  private binding = false;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(props.name)) {
      throw new Error(`WebhookFunction name must match [a-z0-9-]+ (lambdas/<name>.ts), got '${props.name}'`);
    }
    for (const key of Object.keys(props.environment ?? {})) refuseUnbound(key, props.name);
    // Created in the parent scope because a role and a log group must exist before `super()`.
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} handler`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: lambdaEntry(props.name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      bundling: WEBHOOK_BUNDLING,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'serverless-webhooks',
        ...props.environment,
      },
    });
    this.entryName = props.name;

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions. Every other statement of this role names its resources.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 on purpose: bundles target node22 and the local runtime and tests run on the same major; moving to a newer runtime is a deliberate upgrade, not a drift.',
    });
  }

  /** What this function was bound to, in the order of the binding calls. */
  public get bindings(): readonly FunctionBinding[] {
    return [...this.boundTo];
  }

  /** A variable that names a resource is set by a binding method only (see BOUND_VARIABLES). */
  public override addEnvironment(key: string, value: string, options?: lambda.EnvironmentOptions): this {
    if (!this.binding) refuseUnbound(key, this.entryName);
    return super.addEnvironment(key, value, options);
  }

  /**
   * CONFIG_TABLE_NAME, and item-level access to the config table (`none`: the name only) and to the
   * named indexes of it alone (least privilege: only the admin API queries them).
   */
  public useConfigTable(
    table: dynamodb.ITable,
    access: TableAccess,
    indexes: readonly ConfigIndexName[] = [],
  ): this {
    return this.bindTable('configTable', 'CONFIG_TABLE_NAME', table, CONFIG_TABLE, access, indexes);
  }

  /**
   * UpdateItem of API key items' `last_used_at` alone (the authorizer): partition keys `APIKEY#…`,
   * no other attribute (the key attributes name the item), no other write action.
   */
  public recordsKeyUse(table: dynamodb.ITable): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['APIKEY#*'] },
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [CONFIG_TABLE.partitionKey, CONFIG_TABLE.sortKey, 'last_used_at'],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    return this;
  }

  /** DELIVERIES_TABLE_NAME, and item-level access to the deliveries table and its indexes (`none`: the name only). */
  public useDeliveriesTable(table: dynamodb.ITable, access: TableAccess): this {
    const indexes = DELIVERIES_TABLE.globalSecondaryIndexes.map((index) => index.indexName);
    return this.bindTable(
      'deliveriesTable',
      'DELIVERIES_TABLE_NAME',
      table,
      DELIVERIES_TABLE,
      access,
      indexes,
    );
  }

  /** DELIVERY_QUEUE_URL, and SendMessage to the delivery queue. */
  public sendsToDeliveryQueue(queue: sqs.IQueue): this {
    return this.bind('deliveryQueue', queue, { DELIVERY_QUEUE_URL: queue.queueUrl }, [
      queue.grantSendMessages(this),
    ]);
  }

  /** PARKED_QUEUE_URL, and SendMessage to the parked queue. */
  public parksIn(queue: sqs.IQueue): this {
    return this.bind('parkedQueue', queue, { PARKED_QUEUE_URL: queue.queueUrl }, [
      queue.grantSendMessages(this),
    ]);
  }

  /** INGEST_QUEUE_URL, and SendMessage to the ingest queue (the service's own operational events). */
  public sendsToIngestQueue(queue: sqs.IQueue): this {
    return this.bind('ingestQueue', queue, { INGEST_QUEUE_URL: queue.queueUrl }, [
      queue.grantSendMessages(this),
    ]);
  }

  /** EVENT_BUS_NAME, and PutEvents on the bus. */
  public publishesToBus(bus: events.IEventBus): this {
    return this.bind('eventBus', bus, { EVENT_BUS_NAME: bus.eventBusName }, [bus.grantPutEventsTo(this)]);
  }

  /** MASTER_KEY_SECRET_ARN, and reading the master key secret. */
  public readsMasterKey(secret: secretsmanager.ISecret): this {
    return this.bind('masterKey', secret, { MASTER_KEY_SECRET_ARN: secret.secretArn }, [
      secret.grantRead(this),
    ]);
  }

  /** ESCALATION_STATE_MACHINE_ARN and ESCALATION_WAIT_SECONDS, and StartExecution of the state machine. */
  public startsEscalations(stateMachine: sfn.IStateMachine, waitSeconds: number): this {
    const environment = {
      ESCALATION_STATE_MACHINE_ARN: stateMachine.stateMachineArn,
      ESCALATION_WAIT_SECONDS: String(waitSeconds),
    };
    return this.bind('escalations', stateMachine, environment, [stateMachine.grantStartExecution(this)]);
  }

  /**
   * OPS_TOPIC_ARN, Publish to the topic, and of its key what SNS needs of a publisher to an encrypted
   * topic (grantPublish would add GenerateDataKey*).
   */
  public publishesToOpsTopic(topic: sns.ITopic, key: kms.IKey): this {
    return this.bind('opsTopic', topic, { OPS_TOPIC_ARN: topic.topicArn }, [
      iam.Grant.addToPrincipal({ grantee: this, actions: ['sns:Publish'], resourceArns: [topic.topicArn] }),
      iam.Grant.addToPrincipal({
        grantee: this,
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resourceArns: [key.keyArn],
      }),
    ]);
  }

  /**
   * ALERT_SENDER_EMAIL, and SES v2 SendEmail from that sender only: its email identity, or its
   * domain's identity when the domain is what was verified, and in both cases only with that exact
   * From address.
   */
  public sendsAlertMailAs(sender: string): this {
    const stack = Stack.of(this);
    const identity = (name: string) =>
      stack.formatArn({
        service: 'ses',
        resource: 'identity',
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const domain = sender.slice(sender.lastIndexOf('@') + 1);
    return this.bind('alertSender', sender, { ALERT_SENDER_EMAIL: sender }, [
      iam.Grant.addToPrincipal({
        grantee: this,
        actions: ['ses:SendEmail'],
        resourceArns: [identity(sender), identity(domain)],
        conditions: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    ]);
  }

  /** API_URL: the REST API's base URL, for the links in mails (a link, no permission). */
  public linksToApi(api: apigw.RestApi): this {
    return this.bind('api', api, { API_URL: api.url }, []);
  }

  /** PORTAL_URL: the portal's base URL, which portal links and alert mails point to (no permission). */
  public linksToPortal(portal: PortalEndpoint): this {
    return this.bind('portal', portal, { PORTAL_URL: portal.url }, []);
  }

  /**
   * PORTAL_ORIGIN: the portal's origin, whose browser calls the function's answers carry CORS
   * headers for (lambdas/http/api.ts; no permission).
   */
  public allowsPortalOrigin(portal: PortalEndpoint): this {
    return this.bind('portal', portal, { PORTAL_ORIGIN: portal.origin }, []);
  }

  /**
   * Item-level access to a table and to its named indexes, nothing else: no Scan, no table
   * management, and index ARNs listed one by one instead of `index/*`.
   */
  private bindTable(
    kind: BindingKind,
    variable: string,
    table: dynamodb.ITable,
    schema: TableSchema,
    access: TableAccess,
    indexes: readonly string[],
  ): this {
    const unknown = indexes.filter(
      (name) => !schema.globalSecondaryIndexes.some((index) => index.indexName === name),
    );
    if (unknown.length > 0) throw new Error(`${this.entryName}: no index ${unknown.join(', ')} on ${kind}`);
    const grants =
      access === 'none'
        ? []
        : [
            iam.Grant.addToPrincipal({
              grantee: this,
              actions:
                access === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
              resourceArns: [
                table.tableArn,
                ...indexes.map((indexName) => `${table.tableArn}/index/${indexName}`),
              ],
            }),
          ];
    return this.bind(kind, table, { [variable]: table.tableName }, grants);
  }

  private bind(
    kind: BindingKind,
    resource: IConstruct | string,
    environment: Readonly<Record<string, string>>,
    grants: readonly iam.Grant[],
  ): this {
    this.binding = true;
    try {
      for (const [key, value] of Object.entries(environment)) this.addEnvironment(key, value);
    } finally {
      this.binding = false;
    }
    const actions = grants.flatMap((grant) =>
      grant.principalStatements.flatMap((statement) => statement.actions),
    );
    this.boundTo.push({ kind, resource, variables: Object.keys(environment), actions });
    return this;
  }
}

function refuseUnbound(key: string, name: string): void {
  if (BOUND_VARIABLES.has(key)) {
    throw new Error(
      `${name}: ${key} names a resource: set it with the WebhookFunction binding method that also grants its use`,
    );
  }
}
