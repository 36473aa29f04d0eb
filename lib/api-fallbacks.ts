import { Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';

/** The methods API Gateway serves (`ANY` stands for all of them). */
export const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/**
 * `$util.escapeJavaScript` also escapes `'` as `\'`, which JSON does not allow: undone. (VTL string
 * literals keep backslashes, and `replaceAll` takes a Java regex: `\\'` is a backslash and a quote.)
 */
const ESCAPED_PATH = String.raw`#set($path = $util.escapeJavaScript($context.path).replaceAll("\\'", "'"))`;

/** The 404 body of a path no route serves; `$context.path` starts with the stage (`/prod/nope`). */
export const NOT_FOUND_TEMPLATE = `${ESCAPED_PATH}
{"error":{"code":"not_found","message":"No route for $context.httpMethod $path"}}`;

/** The 405 body of a method `allow` does not name, as the function's router words it. */
export const methodNotAllowedTemplate = (allow: string): string => `${ESCAPED_PATH}
{"error":{"code":"method_not_allowed","message":"Method $context.httpMethod is not allowed on $path; allowed: ${allow}"}}`;

/**
 * A mock's status is the `statusCode` of its request template; the common body types get one. Any
 * other type is refused (415, in the API's error shape) rather than passed through: the mock could
 * not read a status from that body, and would fail.
 */
const REQUEST_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

/**
 * Routes of API Gateway itself for what no method serves, so that its MISSING_AUTHENTICATION_TOKEN
 * response only ever means an unsigned call of an IAM route: an unknown path answers 404 `not_found`
 * naming it (`ANY /{proxy+}`, and `ANY` on every resource without a method, `/` included), and a
 * method a resource does not serve answers 405 `method_not_allowed` with `Allow` naming the ones it
 * does (its CORS preflight's OPTIONS included). Resources with `ANY` are left to their function,
 * whose router answers 404 and 405 itself. API Gateway takes an explicit resource before a greedy
 * sibling, so the root proxy shadows no route.
 *
 * Call once, after every method and preflight is added. The mocks need no authorizer (they answer
 * only errors, before any credential is looked at) and, with `portalOrigin`, are readable by it.
 */
export function addApiFallbacks(api: apigw.RestApi, portalOrigin?: string): void {
  const served = new Map<apigw.IResource, Set<string>>();
  for (const method of api.methods) {
    served.set(method.resource, (served.get(method.resource) ?? new Set()).add(method.httpMethod));
  }
  const resources = allResources(api.root);
  const mocks: apigw.Method[] = [];
  const mock = (
    resource: apigw.IResource,
    httpMethod: string,
    status: string,
    body: string,
    allow?: string,
  ) => {
    const headers: Record<string, string> = {
      ...(allow ? { Allow: `'${allow}'` } : {}),
      ...(portalOrigin ? { 'Access-Control-Allow-Origin': `'${portalOrigin}'` } : {}),
    };
    const parameter = (name: string) => `method.response.header.${name}`;
    const integration = new apigw.MockIntegration({
      requestTemplates: Object.fromEntries(REQUEST_TYPES.map((type) => [type, `{"statusCode": ${status}}`])),
      passthroughBehavior: apigw.PassthroughBehavior.NEVER,
      integrationResponses: [
        {
          statusCode: status,
          responseTemplates: { 'application/json': body },
          responseParameters: Object.fromEntries(
            Object.entries(headers).map(([name, value]) => [parameter(name), value]),
          ),
        },
      ],
    });
    mocks.push(
      resource.addMethod(httpMethod, integration, {
        authorizationType: apigw.AuthorizationType.NONE,
        methodResponses: [
          {
            statusCode: status,
            responseParameters: Object.fromEntries(
              Object.keys(headers).map((name) => [parameter(name), true]),
            ),
          },
        ],
      }),
    );
  };
  for (const resource of resources) {
    const methods = served.get(resource) ?? new Set<string>();
    if (methods.has('ANY')) continue;
    if (methods.size === 0) {
      mock(resource, 'ANY', '404', NOT_FOUND_TEMPLATE);
      continue;
    }
    const allow = [...methods].sort().join(', ');
    for (const httpMethod of HTTP_METHODS) {
      if (!methods.has(httpMethod)) mock(resource, httpMethod, '405', methodNotAllowedTemplate(allow), allow);
    }
  }
  if (!resources.some((resource) => resource.path === '/{proxy+}')) {
    mock(api.root.addResource('{proxy+}'), 'ANY', '404', NOT_FOUND_TEMPLATE);
  }
  // A route added later would be answered by no mock: MISSING_AUTHENTICATION_TOKEN's 403 again.
  const complete = new Set<apigw.IResource>(allResources(api.root));
  const methods = new Set(api.methods);
  api.node.addValidation({
    validate: () => [
      ...api.methods
        .filter((method) => !methods.has(method))
        .map((method) => `${method.httpMethod} ${method.resource.path} was added after addApiFallbacks`),
      ...allResources(api.root)
        .filter((resource) => !complete.has(resource))
        .map((resource) => `${resource.path} was added after addApiFallbacks`),
    ],
  });
  for (const method of mocks) {
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      Validations.of(method).acknowledge({
        id,
        reason:
          'A MOCK of API Gateway answering only a 404 (no such path) or a 405 (no such method on the path): it reaches no function and returns no data, so there is nothing to authorise.',
      });
    }
  }
}

/** The resource and every resource under it. */
function allResources(resource: apigw.IResource): apigw.IResource[] {
  const children = resource.node.children.filter(
    (child): child is apigw.ResourceBase => child instanceof apigw.ResourceBase,
  );
  return [resource, ...children.flatMap(allResources)];
}
