import { DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PORTAL_DIR, writePortal } from '../portal/build.js';
import { portalContentSecurityPolicy } from '../portal/security-headers.js';

export interface PortalHostingProps {
  /** The API the portal calls: its origin goes into the CSP, its URL into `config.json`. */
  readonly api: apigw.RestApi;
  /** Origins allowed to frame the portal (validated `https://host[:port]`); empty: not framable. */
  readonly frameAncestors: readonly string[];
  /** Retention of the log group of the function that deploys the files. */
  readonly logRetention: logs.RetentionDays;
}

/** How long the access logs of the bucket and the distribution are kept. */
const ACCESS_LOG_DAYS = 90;

/**
 * The customer portal in AWS (docs/portal.md): its files in a private S3 bucket, served through
 * CloudFront with origin access control, HTTPS only, and security headers (a CSP shared with the
 * local runtime: portal/security-headers.ts); `config.json` names the API.
 */
export class PortalHosting extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: what the API's CORS allows. */
  public readonly origin: string;
  /** `https://<distribution domain>/`: the base URL portal links are minted against (PORTAL_URL). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: PortalHostingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // From the API's id, not its deployment URL: the stage depends on the methods, which depend on the
    // functions, which name this distribution; the RestApi itself depends on none of them.
    const apiOrigin = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an object ACL.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
      // Logs are a record of who fetched what: they outlive the stack, and expire on their own.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the portal bucket and distribution; logging it into itself would loop, and into another bucket would only move the finding.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 's3/',
      // Build output only, no data: the deployment below deletes the files when it is deleted, so
      // the bucket is empty when CloudFormation removes it.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Customer portal: CSP, HSTS, nosniff, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: portalContentSecurityPolicy(apiOrigin, props.frameAncestors),
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        // X-Frame-Options cannot name origins: with frame ancestors allowed, the CSP alone decides.
        ...(props.frameAncestors.length === 0
          ? { frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true } }
          : {}),
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Customer portal of the webhook service',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Honours the files' `Cache-Control: no-cache` (below): the edge keeps them a second at most
        // and revalidates with S3 (a 304 for an unchanged file).
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
    });
    this.acknowledgeDistributionFindings();
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;

    this.deployFiles(props, stack);
  }

  /**
   * The built portal and `config.json`. The file names are not content-hashed, so index.html,
   * app.js and app.css must change together: every file is `Cache-Control: no-cache` (browsers
   * revalidate each load, never mixing a new page with an old script), and each deployment
   * invalidates the distribution.
   */
  private deployFiles(props: PortalHostingProps, stack: Stack): void {
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the function that deploys the portal files',
    });
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', { retention: props.logRetention });
    // Its own log group and role: no AWSLambdaBasicExecutionRole, as for the service's functions.
    logGroup.grantWrite(role);

    const stage = props.api.deploymentStage.stageName;
    const apiUrl = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stage}`;
    const deployment = new s3deploy.BucketDeployment(this, 'Files', {
      sources: [
        s3deploy.Source.asset(PORTAL_DIR, {
          // Built in-process by esbuild, like the functions: no Docker (the image is never used).
          bundling: {
            image: DockerImage.fromRegistry('unused'),
            local: {
              tryBundle(outputDir: string): boolean {
                writePortal(outputDir);
                return true;
              },
            },
          },
        }),
        s3deploy.Source.jsonData('config.json', { api_url: apiUrl }),
      ],
      destinationBucket: this.bucket,
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      retainOnDelete: false,
      role,
      logGroup,
    });
    this.acknowledgeDeploymentFindings(deployment, stack);
  }

  private acknowledgeDistributionFindings(): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'The portal serves the customers of the platform wherever they are; it holds no data itself (every call is authorised by the API), so a geo restriction would only lock customers out.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'No WAF by default, as for the API: the distribution serves four static files, and the API it calls is throttled and authorised. Platform teams can associate a web ACL.',
    );
    acknowledge(
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate, whose minimum protocol CloudFront sets; a custom domain with its certificate (and TLSv1.2_2021) is the platform team’s to add.',
    );
  }

  /** BucketDeployment's own function: its runtime and its grants are CDK's. */
  private acknowledgeDeploymentFindings(deployment: s3deploy.BucketDeployment, stack: Stack): void {
    const role = deployment.handlerRole;
    const acknowledgeOnRole = (id: string, reason: string) =>
      Validations.of(role).acknowledge({ id, reason });
    const grantedByCdk =
      'Granted by CDK BucketDeployment to the function that copies the portal files: read of the CDK asset bucket, read/write of the portal bucket.';
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      acknowledgeOnRole(`AwsSolutions-IAM5[Action::${action}]`, grantedByCdk);
    }
    acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'The deployment writes and prunes every object of the portal bucket, and of that bucket only.',
    );
    // The default synthesizer's asset bucket, which holds the zipped portal and config.json.
    acknowledgeOnRole(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      'Read of the CDK asset bucket, where the deployment fetches the zipped portal files from; granted by CDK BucketDeployment.',
    );
    acknowledgeOnRole(
      'AwsSolutions-IAM5[Resource::*]',
      'cloudfront:CreateInvalidation and GetInvalidation, granted on * by CDK BucketDeployment: it invalidates the portal distribution after each deployment.',
    );
    // The singleton function lives in the stack's scope, outside this construct.
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-L1',
          reason:
            'The runtime of CDK BucketDeployment’s function is chosen by aws-cdk-lib and moves with its upgrades; it runs at deploy time only.',
        });
      }
    }
  }
}
