import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PortalHosting } from '../../lib/portal-hosting.js';
import type { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { logicalId, newApp, newStack, ref } from './helpers.js';

/** The customer portal's hosting in AWS (lib/portal-hosting.ts, docs/portal.md "Hosting in AWS"). */

let stack: WebhookServiceStack;
let portal: PortalHosting;
let template: Template;
/** With the portal framable by two origins. */
let framable: Template;
/** With the portal off. */
let off: { stack: WebhookServiceStack; template: Template };

/** The resources of the CORS preflights: OPTIONS methods answering 204 (others are 405 fallbacks). */
function preflights(of: Template): unknown[] {
  return Object.values(
    of.findResources('AWS::ApiGateway::Method', {
      Properties: {
        HttpMethod: 'OPTIONS',
        Integration: { IntegrationResponses: Match.arrayWith([Match.objectLike({ StatusCode: '204' })]) },
      },
    }),
  ).map((method) => method.Properties.ResourceId);
}

beforeAll(() => {
  stack = newStack(newApp());
  if (!stack.service.portal) throw new Error('the portal is on by default');
  portal = stack.service.portal;
  template = Template.fromStack(stack);
  framable = Template.fromStack(
    newStack(newApp(), {
      service: { portal: { frameAncestors: ['https://app.example.com', 'https://admin.example.com:8443'] } },
    }),
  );
  const offStack = newStack(newApp(), { service: { portal: { enabled: false } } });
  off = { stack: offStack, template: Template.fromStack(offStack) };
});

/** `https://<distribution domain>` as the template writes it, inside `'...'` for API Gateway headers. */
const quotedOrigin = () => ({
  'Fn::Join': ['', ["'https://", { 'Fn::GetAtt': [logicalId(portal.distribution), 'DomainName'] }, "'"]],
});
const portalUrl = () => ({
  'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(portal.distribution), 'DomainName'] }, '/']],
});
const apiOriginParts = () => [
  { Ref: logicalId(stack.service.api) },
  '.execute-api.',
  { Ref: 'AWS::Region' },
  '.',
  { Ref: 'AWS::URLSuffix' },
];
interface Resource {
  readonly Properties: Record<string, unknown> & { Environment?: { Variables: Record<string, unknown> } };
  readonly DeletionPolicy?: string;
}
const resourceOf = (construct: Parameters<typeof logicalId>[0]) =>
  template.toJSON().Resources[logicalId(construct)] as Resource;
const envOf = (construct: Parameters<typeof logicalId>[0]) =>
  resourceOf(construct).Properties.Environment?.Variables ?? {};
const cspOf = (of: Template): string =>
  JSON.stringify(
    Object.values(of.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]?.Properties
      ?.ResponseHeadersPolicyConfig?.SecurityHeadersConfig?.ContentSecurityPolicy,
  );

describe('the portal bucket', () => {
  it('is private and encrypted with S3-managed keys', () => {
    expect(resourceOf(portal.bucket).Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies every request that is not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(portal.bucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets CloudFront read objects for this distribution only, and grants nobody else anything', () => {
    // Act
    const policy = Object.values(
      template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: ref(portal.bucket) } }),
    )[0];
    const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as { Effect: string }[];
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    // Assess
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(portal.bucket), 'Arn'] }, '/*']] },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  ref(portal.distribution),
                ],
              ],
            },
          },
        },
      },
    ]);
  });

  it('is emptied by its deployment and then deleted with the stack (build output, no data)', () => {
    expect(resourceOf(portal.bucket).DeletionPolicy).toBe('Delete');
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: ref(portal.bucket),
      RetainOnDelete: false,
    });
  });
});

describe('the distribution', () => {
  it('reaches the bucket through an origin access control that signs every request, not an OAI', () => {
    // Prepare
    const [oacId] = Object.keys(template.findResources('AWS::CloudFront::OriginAccessControl'));
    // Assess
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::GetAtt': [logicalId(portal.bucket), 'RegionalDomainName'] },
            OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
      },
    });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('redirects HTTP to HTTPS, serves index.html at the root, and only GET and HEAD', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        }),
      }),
    });
  });

  it('logs its requests into the access-log bucket, which keeps them 90 days and outlives the stack', () => {
    // Prepare
    const logs = template.findResources('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] } },
    });
    const [logsId] = Object.keys(logs);
    // Assess
    expect(Object.keys(logs)).toHaveLength(1);
    expect(logs[logsId ?? '']?.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Logging: { Bucket: { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
      }),
    });
    expect(resourceOf(portal.bucket).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 's3/',
    });
  });
});

describe('the security headers', () => {
  it('set a CSP that lets the page call its own origin and the API, and no one frame it', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: {
            Override: true,
            ContentSecurityPolicy: {
              'Fn::Join': [
                '',
                [
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://",
                  ...apiOriginParts(),
                  "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ],
              ],
            },
          },
        }),
      }),
    });
  });

  it('are the ones the distribution answers with', () => {
    const [policyId] = Object.keys(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ResponseHeadersPolicyId: { Ref: policyId } }),
      }),
    });
  });

  it('set HSTS for a year, nosniff, no referrer, and X-Frame-Options DENY by default', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      }),
    });
  });

  it('let exactly the listed origins frame the portal, with no X-Frame-Options then', () => {
    // Act
    const csp = cspOf(framable);
    // Assess
    expect(csp).toContain('; frame-ancestors https://app.example.com https://admin.example.com:8443; ');
    expect(csp).not.toContain("frame-ancestors 'none'");
    framable.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({ FrameOptions: Match.absent() }),
      }),
    });
  });
});

describe('the deployed files', () => {
  it('are the built portal and a config.json naming the API stage URL without a trailing slash', () => {
    // Act
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0];
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    // Assess
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    expect(markers).toContain(JSON.stringify({ Ref: logicalId(stack.service.api) }));
    expect(markers).toContain(JSON.stringify({ Ref: logicalId(stack.service.api.deploymentStage) }));
  });

  it('are revalidated on every load (no-cache) and the distribution is invalidated on each deploy', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: ref(portal.distribution),
      DistributionPaths: ['/*'],
    });
  });
});

describe('CORS on the API, for the portal origin only', () => {
  it.each([
    ['/v1/events', 'GET,POST'],
    ['/v1/events/{id}', 'GET'],
    ['/v1/portal/sessions', 'POST'],
    ['/v1/{proxy+}', 'GET,POST,PUT,PATCH,DELETE'],
  ])('answers the preflight of %s with the portal origin, its headers and %s', (path, methods) => {
    // Prepare
    const resource = stack.service.api.root.resourceForPath(path);
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
      ResourceId: ref(resource),
      Integration: Match.objectLike({
        Type: 'MOCK',
        IntegrationResponses: [
          {
            StatusCode: '204',
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Origin': quotedOrigin(),
              'method.response.header.Access-Control-Allow-Headers':
                "'Authorization,Content-Type,Idempotency-Key'",
              'method.response.header.Access-Control-Allow-Methods': `'${methods}'`,
              'method.response.header.Vary': "'Origin'",
            }),
          },
        ],
      }),
    });
  });

  it('has no preflight on the admin routes, the API description or the confirmation links', () => {
    // Act
    const preflighted = preflights(template);
    // Assess
    expect(preflighted).toHaveLength(4);
    for (const path of ['/v1/admin/{proxy+}', '/v1/openapi.json', '/v1/email-confirmations/{token}']) {
      expect(preflighted).not.toContainEqual(ref(stack.service.api.root.resourceForPath(path)));
    }
  });

  it.each(['UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'REQUEST_TOO_LARGE', 'DEFAULT_4XX', 'DEFAULT_5XX'])(
    'lets the portal read API Gateway’s own %s errors',
    (type) => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': quotedOrigin() },
      });
    },
  );
});

describe('the functions', () => {
  it('bind PORTAL_URL on the admin function (it mints links) and on escalation (its mails link)', () => {
    expect(envOf(stack.service.functions['admin-api']).PORTAL_URL).toEqual(portalUrl());
    expect(envOf(stack.service.functions.escalation).PORTAL_URL).toEqual(portalUrl());
    for (const name of [
      'authorizer',
      'management-api',
      'publish-api',
      'fanout',
      'deliver',
      'reconciler',
    ] as const) {
      expect(envOf(stack.service.functions[name]).PORTAL_URL, name).toBeUndefined();
    }
  });

  it('bind PORTAL_ORIGIN on the functions behind the routes the portal calls', () => {
    const origin = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(portal.distribution), 'DomainName'] }]],
    };
    for (const name of ['management-api', 'publish-api', 'admin-api'] as const) {
      expect(envOf(stack.service.functions[name]).PORTAL_ORIGIN, name).toEqual(origin);
    }
    for (const name of ['authorizer', 'fanout', 'deliver', 'reconciler', 'escalation'] as const) {
      expect(envOf(stack.service.functions[name]).PORTAL_ORIGIN, name).toBeUndefined();
    }
  });
});

describe('with the portal off', () => {
  it('creates no bucket, distribution, headers policy, access control or deployment', () => {
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::ResponseHeadersPolicy',
      'AWS::CloudFront::OriginAccessControl',
      'Custom::CDKBucketDeployment',
    ]) {
      off.template.resourceCountIs(type, 0);
    }
    expect(off.stack.service.portal).toBeUndefined();
  });

  it('has no CORS: no preflight, no origin on the gateway responses', () => {
    expect(preflights(off.template)).toEqual([]);
    // OPTIONS elsewhere is lib/api-fallbacks.ts's 405, with no origin either.
    const options = off.template.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: 'OPTIONS' },
    });
    expect(Object.keys(options).length).toBeGreaterThan(0);
    expect(JSON.stringify(options)).not.toContain('Access-Control-Allow-Origin');
    for (const response of Object.values(off.template.findResources('AWS::ApiGateway::GatewayResponse'))) {
      expect(response.Properties.ResponseParameters).toBeUndefined();
    }
  });

  it('sets neither PORTAL_URL nor PORTAL_ORIGIN, so minting a link answers 409 portal_unavailable', () => {
    const variables = JSON.stringify(
      Object.values(off.template.findResources('AWS::Lambda::Function')).map(
        (fn) => fn.Properties.Environment?.Variables,
      ),
    );
    expect(variables).not.toContain('PORTAL_');
  });
});

describe('the frameAncestors prop', () => {
  it.each([
    'http://app.example.com',
    'https://app.example.com/',
    'https://app.example.com/embed',
    'https://*.example.com',
    "'self'",
  ])('refuses %s at synth, naming it', (value) => {
    expect(() => newStack(newApp(), { service: { portal: { frameAncestors: [value] } } })).toThrow(
      `portal.frameAncestors: '${value}' is not an origin`,
    );
  });
});
