import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

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
 * (lambdas/aws/lambda-credentials.ts explains the ~130 KB this saves per function).
 */
export const LAMBDA_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambdas', 'aws', 'lambda-credentials.ts'),
};

export const WEBHOOK_BUNDLING = {
  minify: true,
  sourceMap: true,
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
  /** Added to the defaults (`NODE_OPTIONS`, `POWERTOOLS_SERVICE_NAME`, ...). @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One Lambda handler of the service with the project's defaults: Node.js 22 on arm64, ESM bundle
 * built locally by esbuild, active tracing, an explicit log group with retention, and an execution
 * role that may only write to that log group (no AWSLambdaBasicExecutionRole: least privilege).
 * Everything else a function may touch is granted by the caller.
 */
export class WebhookFunction extends NodejsFunction {
  /** The handler entry name (`lambdas/<name>.ts`). */
  public readonly entryName: string;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(props.name)) {
      throw new Error(`WebhookFunction name must match [a-z0-9-]+ (lambdas/<name>.ts), got '${props.name}'`);
    }
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
}
