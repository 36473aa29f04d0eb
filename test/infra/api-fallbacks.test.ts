import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { render } from 'velocityjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fallbackOf } from '../../lambdas/local/api-gateway.js';
import { HTTP_METHODS, methodNotAllowedTemplate, NOT_FOUND_TEMPLATE } from '../../lib/api-fallbacks.js';
import type { WebhookServiceStack } from '../../lib/webhook-service-stack.js';
import { newApp, newStack } from './helpers.js';

/**
 * API Gateway's own routes for what no method serves (lib/api-fallbacks.ts): 404 for an unknown
 * path, 405 with Allow for a method a resource does not serve, MISSING_AUTHENTICATION_TOKEN left to
 * unsigned IAM calls; and no real route shadowed. The templates are rendered as VTL.
 */

interface MethodJson {
  Properties: {
    HttpMethod: string;
    ResourceId: unknown;
    AuthorizationType?: string;
    Integration: {
      Type: string;
      RequestTemplates?: Record<string, string>;
      PassthroughBehavior?: string;
      IntegrationResponses?: {
        StatusCode: string;
        ResponseTemplates?: Record<string, string>;
        ResponseParameters?: Record<string, string>;
      }[];
    };
  };
}

let stack: WebhookServiceStack;
let template: Template;
let portalOff: { stack: WebhookServiceStack; template: Template };

beforeAll(() => {
  stack = newStack(newApp());
  template = Template.fromStack(stack);
  const off = newStack(newApp(), { service: { portal: { enabled: false } } });
  portalOff = { stack: off, template: Template.fromStack(off) };
});

const origin = () => stack.resolve(`'${stack.service.portal?.origin}'`);

/** The methods of the resource at `path`, by HTTP method. */
function methodsOn(
  path: string,
  of: { stack: WebhookServiceStack; template: Template } = { stack, template },
): Map<string, MethodJson> {
  const resource = of.stack.service.api.root.resourceForPath(path);
  const found = of.template.findResources('AWS::ApiGateway::Method', {
    Properties: { ResourceId: of.stack.resolve(resource.resourceId) },
  }) as Record<string, MethodJson>;
  return new Map(Object.values(found).map((method) => [method.Properties.HttpMethod, method]));
}

const onlyResponse = (method: MethodJson | undefined) => {
  const responses = method?.Properties.Integration.IntegrationResponses ?? [];
  expect(responses).toHaveLength(1);
  return responses[0];
};

describe('the 404 of a path nothing serves', () => {
  it('is a MOCK on ANY /{proxy+} at the root, with no authorization', () => {
    // Act
    const proxy = methodsOn('/{proxy+}');

    // Assess
    expect([...proxy.keys()]).toEqual(['ANY']);
    const method = proxy.get('ANY');
    expect(method?.Properties.AuthorizationType).toBe('NONE');
    expect(method?.Properties.Integration.Type).toBe('MOCK');
    expect(method?.Properties.Integration.RequestTemplates?.['application/json']).toBe('{"statusCode": 404}');
    expect(method?.Properties.Integration.PassthroughBehavior).toBe('NEVER');
    const response = onlyResponse(method);
    expect(response?.StatusCode).toBe('404');
    expect(response?.ResponseTemplates?.['application/json']).toBe(NOT_FOUND_TEMPLATE);
    expect(response?.ResponseParameters?.['method.response.header.Access-Control-Allow-Origin']).toEqual(
      origin(),
    );
  });

  it.each(['/', '/v1', '/v1/admin', '/v1/email-confirmations', '/v1/portal', '/api', '/api/v1'])(
    'answers on %s, a resource with no method of its own, with ANY only',
    (path) => {
      // Act
      const methods = methodsOn(path);

      // Assess
      expect([...methods.keys()]).toEqual(['ANY']);
      expect(methods.get('ANY')?.Properties.Integration.Type).toBe('MOCK');
      expect(onlyResponse(methods.get('ANY'))?.StatusCode).toBe('404');
    },
  );
});

describe('the 405 of a method a resource does not serve', () => {
  it.each([
    ['/v1/events', 'POST', 'GET, OPTIONS, POST'],
    ['/v1/events/{id}', 'GET', 'GET, OPTIONS'],
    ['/v1/openapi.json', 'GET', 'GET'],
    ['/v1/email-confirmations/{token}', 'GET', 'GET'],
    ['/v1/portal/sessions', 'POST', 'OPTIONS, POST'],
  ])('is a MOCK for every other method of %s, allowing %s (preflight: %s)', (path, real, allow) => {
    // Act
    const methods = methodsOn(path);

    // Assess
    expect([...methods.keys()].sort()).toEqual([...HTTP_METHODS]);
    expect(methods.get(real)?.Properties.Integration.Type).toBe('AWS_PROXY');
    for (const httpMethod of HTTP_METHODS.filter((name) => !allow.split(', ').includes(name))) {
      const method = methods.get(httpMethod);
      expect(method?.Properties.AuthorizationType, httpMethod).toBe('NONE');
      expect(method?.Properties.Integration.Type, httpMethod).toBe('MOCK');
      const response = onlyResponse(method);
      expect(response?.StatusCode, httpMethod).toBe('405');
      expect(response?.ResponseParameters).toEqual({
        'method.response.header.Allow': `'${allow}'`,
        'method.response.header.Access-Control-Allow-Origin': origin(),
      });
      expect(response?.ResponseTemplates?.['application/json']).toBe(methodNotAllowedTemplate(allow));
    }
  });

  it('keeps the CORS preflights: OPTIONS on /v1/events is still the 204 for the portal origin', () => {
    // Act
    const preflight = methodsOn('/v1/events').get('OPTIONS');

    // Assess
    const response = onlyResponse(preflight);
    expect(response?.StatusCode).toBe('204');
    expect(response?.ResponseParameters?.['method.response.header.Access-Control-Allow-Origin']).toEqual(
      origin(),
    );
  });

  it('allows no OPTIONS and names no origin with the portal off', () => {
    // Act
    const options = portalOff.template.findResources('AWS::ApiGateway::Method', {
      Properties: { HttpMethod: 'OPTIONS' },
    }) as Record<string, MethodJson>;

    // Assess
    const events = methodsOn('/v1/events', portalOff).get('OPTIONS');
    expect(onlyResponse(events)?.ResponseParameters).toEqual({
      'method.response.header.Allow': "'GET, POST'",
    });
    for (const method of Object.values(options)) {
      expect(onlyResponse(method)?.StatusCode).toBe('405');
    }
  });
});

describe('the real routes', () => {
  it.each([
    ['/v1/events', 'POST', 'CUSTOM'],
    ['/v1/events', 'GET', 'CUSTOM'],
    ['/v1/events/{id}', 'GET', 'CUSTOM'],
    ['/v1/openapi.json', 'GET', 'NONE'],
    ['/v1/email-confirmations/{token}', 'GET', 'NONE'],
    ['/v1/portal/sessions', 'POST', 'NONE'],
    ['/v1/admin/{proxy+}', 'ANY', 'AWS_IAM'],
    ['/v1/{proxy+}', 'ANY', 'CUSTOM'],
    ['/api/v1/{proxy+}', 'ANY', 'CUSTOM'],
  ])('keep %s %s on its function (%s), and a proxy gets no mock', (path, httpMethod, authorization) => {
    // Act
    const methods = methodsOn(path);

    // Assess
    const method = methods.get(httpMethod);
    expect(method?.Properties.Integration.Type).toBe('AWS_PROXY');
    expect(method?.Properties.AuthorizationType).toBe(authorization);
    // Beside ANY, at most the portal's preflight (204): no 404 or 405 mock.
    for (const [other, otherMethod] of methods) {
      if (other !== httpMethod && httpMethod === 'ANY') {
        expect(other).toBe('OPTIONS');
        expect(onlyResponse(otherMethod)?.StatusCode).toBe('204');
      }
    }
  });

  it('leave MISSING_AUTHENTICATION_TOKEN to an unsigned IAM call: no mock is IAM-authorised', () => {
    // Act
    const mocks = template.findResources('AWS::ApiGateway::Method', {
      Properties: { Integration: Match.objectLike({ Type: 'MOCK' }) },
    }) as Record<string, MethodJson>;

    // Assess
    expect(Object.keys(mocks).length).toBeGreaterThan(0);
    for (const method of Object.values(mocks)) expect(method.Properties.AuthorizationType).toBe('NONE');
  });
});

describe('a route added after the fallbacks', () => {
  it.each([
    ['a method', (api: apigw.RestApi) => api.root.resourceForPath('/v1/admin').addMethod('GET')],
    ['a resource', (api: apigw.RestApi) => api.root.resourceForPath('/v1').addResource('late')],
  ])('fails the synthesis: %s', (_name, addLate) => {
    // Prepare
    const late = newStack(newApp());
    addLate(late.service.api);

    // Act / Assess
    expect(() => Template.fromStack(late)).toThrow(/was added after addApiFallbacks/);
  });
});

describe('the local twin (lambdas/local/api-gateway.ts)', () => {
  /** A path the resource at `path` serves: a value for each path parameter, two segments for a greedy one. */
  const sample = (path: string) => path.replace('{proxy+}', 'x/y').replace(/\{[^}]+\}/g, 'x');
  const mockStatus = (method: MethodJson) => onlyResponse(method)?.StatusCode;

  it('answers 404 and 405 (with the same Allow, less OPTIONS) where the stack has a mock, and neither elsewhere', () => {
    // Prepare: the portal off, as locally (same-origin, no preflight).
    const resources = [
      portalOff.stack.service.api.root,
      ...portalOff.stack.service.api.root.node.findAll(),
    ].filter((construct): construct is apigw.ResourceBase => construct instanceof apigw.ResourceBase);
    expect(resources.length).toBeGreaterThan(10);

    for (const resource of resources) {
      for (const [httpMethod, method] of methodsOn(resource.path, portalOff)) {
        // Act
        const asked = httpMethod === 'ANY' ? 'GET' : httpMethod;
        const twin = fallbackOf(asked, sample(resource.path));

        // Assess
        const where = `${httpMethod} ${resource.path}`;
        if (method.Properties.Integration.Type !== 'MOCK') expect(twin, where).toBeUndefined();
        else if (mockStatus(method) === '404') expect(twin, where).toEqual({ status: 404 });
        else {
          const allow = onlyResponse(method)?.ResponseParameters?.['method.response.header.Allow'];
          expect(twin?.status, where).toBe(405);
          expect(twin?.status === 405 ? `'${twin.allow.join(', ')}'` : undefined, where).toBe(allow);
        }
      }
    }
  });
});

/**
 * `$util.escapeJavaScript` as API Gateway documents it ("escapes the characters in a string using
 * JavaScript string rules", `'` included): Apache Commons Lang's escapeJavaScript, which API
 * Gateway's VTL engine wraps — `\"`, `\\`, `\'`, `\/`, the short escapes, `\uXXXX` for every other
 * control character and for each UTF-16 unit above 0x7f. It returns a Java string, whose
 * `replaceAll` takes a regex.
 */
class JavaString {
  constructor(private readonly value: string) {}
  replaceAll(regex: string, replacement: string): JavaString {
    return new JavaString(this.value.replace(new RegExp(regex, 'g'), replacement));
  }
  toString(): string {
    return this.value;
  }
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\b': '\\b',
  '\n': '\\n',
  '\t': '\\t',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
  "'": "\\'",
  '/': '\\/',
};

function escapeJavaScript(value: string): JavaString {
  let out = '';
  for (let index = 0; index < value.length; index += 1) {
    const char = value.charAt(index);
    const unit = value.charCodeAt(index);
    const short = SHORT_ESCAPES[char];
    if (short) out += short;
    else if (unit < 0x20 || unit > 0x7f) out += `\\u${unit.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += char;
  }
  return new JavaString(out);
}

const renderFor = (vtl: string, httpMethod: string, path: string): string =>
  render(vtl, { context: { httpMethod, path }, util: { escapeJavaScript } });

const HOSTILE_PATHS = [
  ['quotes', `/prod/x"y'z`],
  ['backslashes', '/prod/a\\b\\\\c\\'],
  ['a JSON injection', '/prod/x","code":"ok'],
  ['Unicode', '/prod/ünïcødé🎉\u202e\u200b'],
  ['control characters', '/prod/\u0000\u0001\n\r\t\u001f\u007f'],
  ['a VTL reference', '/prod/$context.path#set($x = 1)'],
] as const;

describe('the templates, rendered as VTL', () => {
  it.each(HOSTILE_PATHS)('make a 404 that is valid JSON naming a path with %s', (_name, path) => {
    // Act
    const body = JSON.parse(renderFor(NOT_FOUND_TEMPLATE, 'GET', path));

    // Assess
    expect(body).toEqual({ error: { code: 'not_found', message: `No route for GET ${path}` } });
  });

  it.each(HOSTILE_PATHS)('make a 405 that is valid JSON naming a path with %s', (_name, path) => {
    // Act
    const body = JSON.parse(renderFor(methodNotAllowedTemplate('GET, OPTIONS'), 'DELETE', path));

    // Assess
    expect(body).toEqual({
      error: {
        code: 'method_not_allowed',
        message: `Method DELETE is not allowed on ${path}; allowed: GET, OPTIONS`,
      },
    });
  });

  it("would be invalid JSON for a quote without undoing escapeJavaScript's \\'", () => {
    // Prepare: the template without its replaceAll.
    const unrepaired = NOT_FOUND_TEMPLATE.replace(/\.replaceAll\([^)]*\)\)/, ')');

    // Act / Assess
    expect(unrepaired).not.toBe(NOT_FOUND_TEMPLATE);
    expect(() => JSON.parse(renderFor(unrepaired, 'GET', "/prod/it's"))).toThrow();
  });
});
