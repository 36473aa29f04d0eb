import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { logicalId, newApp, newStack } from './helpers.js';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: it runs during `app.synth()`, skips findings that
 * were acknowledged with `Validations.of(construct).acknowledge(...)`, and CDK writes what is left to
 * the cloud assembly's validation report (and fails synthesis). The test reads that report.
 */

interface ReportViolation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}
interface ValidationReport {
  pluginReports: { pluginName: string; violations: ReportViolation[] }[];
}

const PACK = 'AwsSolutions';

let stack: WebhookServiceStack;
/** The stack with the opt-in account-level API Gateway logging role (apiGatewayCloudWatchRole). */
let withRoleStack: WebhookServiceStack;
let violations: { rule: string; severity: string; path: string }[];

beforeAll(() => {
  // Read the report instead of letting synthesis throw, so failures list every finding.
  const app = newApp({ [cxapi.FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false });
  stack = newStack(app);
  withRoleStack = new WebhookServiceStack(app, 'TestWebhooksWithApiGatewayRole', {
    service: { apiGatewayCloudWatchRole: true },
  });
  // A canary stack with one known finding proves the pack really ran in this synthesis.
  new sqs.Queue(new Stack(app, 'NagCanary'), 'QueueWithoutDlq', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, cxapi.VALIDATION_REPORT_FILE), 'utf8'),
  ) as ValidationReport;
  violations = report.pluginReports
    .filter((plugin) => plugin.pluginName === PACK)
    .flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => ({
          rule: violation.ruleName,
          severity: violation.severity,
          path: construct.constructPath,
        })),
      ),
    );
});

/** Every `{ rule id -> reason }` acknowledged on a construct of the stack. */
function acknowledgments(of: WebhookServiceStack = stack): { path: string; id: string; reason: string }[] {
  return of.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('runs in the synthesis (the canary queue without a DLQ is reported)', () => {
    expect(violations).toContainEqual({
      rule: 'AwsSolutions-SQS3',
      severity: 'error',
      path: 'NagCanary/QueueWithoutDlq/Resource',
    });
  });

  it('reports no unacknowledged error or warning for the service stack', () => {
    expect(violations.filter((violation) => violation.path.startsWith(`${stack.node.path}/`))).toEqual([]);
  });

  it('gives every acknowledgment a reason of at least 10 characters', () => {
    const all = acknowledgments();
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(reason.trim().length, `${path}: ${id}`).toBeGreaterThanOrEqual(10);
    }
  });

  it('acknowledges only the reviewed rules, and IAM findings one finding at a time', () => {
    const ids = [...new Set(acknowledgments().map((ack) => ack.id))].sort();
    const portalBucket = `<${logicalId(stack.service.portal!.bucket)}.Arn>/*`;
    expect(ids).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG3',
      'AwsSolutions-APIG4',
      // The portal's distribution (lib/portal-hosting.ts): no geo restriction, no WAF, default certificate.
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR4',
      'AwsSolutions-COG4',
      // What CDK BucketDeployment grants the function that deploys the portal files.
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::${portalBucket}]`,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      'AwsSolutions-L1',
      // The portal's access-log bucket logs nowhere else.
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      // Acknowledged by CDK itself on the access-log bucket, which S3 writes to through its ACL.
      'CloudFormation-Validate::W3045',
    ]);
  });

  it('reports nothing either with the account-level API Gateway logging role', () => {
    // Prepare: the stack with apiGatewayCloudWatchRole (beforeAll).
    // Act
    const found = violations.filter((violation) => violation.path.startsWith(`${withRoleStack.node.path}/`));
    // Assess
    expect(found).toEqual([]);
  });

  it('acknowledges the AWS managed policy of that role on the role only, and only when it exists', () => {
    // Prepare
    const iam4 = (of: WebhookServiceStack) =>
      acknowledgments(of)
        .filter((ack) => ack.id.startsWith('AwsSolutions-IAM4'))
        .map((ack) => [ack.path, ack.id]);
    // Act / Assess
    expect(iam4(stack)).toEqual([]);
    expect(iam4(withRoleStack)).toEqual([
      [
        `${withRoleStack.node.path}/WebhookService/Api/CloudWatchRole`,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      ],
    ]);
  });

  it('acknowledges APIG4 (no authorization) on the public OpenAPI document, the confirmation link, the portal-link exchange and the 404/405 mocks only', () => {
    // Prepare
    const api = `${stack.node.path}/WebhookService/Api/Default`;

    // Act
    const apig4 = acknowledgments()
      .filter((ack) => ack.id === 'AwsSolutions-APIG4')
      .map((ack) => ack.path);

    // Assess
    const real = [
      `${api}/v1/email-confirmations/{token}/GET`,
      `${api}/v1/openapi.json/GET`,
      `${api}/v1/portal/sessions/POST`,
    ];
    expect(apig4).toEqual(expect.arrayContaining(real));
    const mocks = apig4.filter((path) => !real.includes(path));
    expect(mocks.length).toBeGreaterThan(0);
    for (const path of mocks) {
      const method = stack.node.findAll().find((construct) => construct.node.path === path);
      expect(method, path).toBeInstanceOf(apigw.Method);
      const cfn = (method as apigw.Method).node.defaultChild as apigw.CfnMethod;
      expect(stack.resolve(cfn.integration), path).toMatchObject({ type: 'MOCK' });
    }
  });
});
