import { dependenciesFromEnv, FUNCTION_PORTS, type FunctionName } from '../../lambdas/composition.js';
import { asArray } from './helpers.js';

/**
 * Checks that a synthesized function's environment, its role's permissions and its wired ports agree
 * (test/infra/function-wiring.test.ts). It reads the template only, so it judges any function, a
 * WebhookFunction or not; each check returns the problems it found, one sentence each.
 */

type Json = unknown;
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
export interface TemplateJson {
  readonly Resources: Record<string, TemplateResource>;
}
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: Json;
  readonly Condition?: Record<string, Record<string, Json>>;
}

/**
 * What a variable naming a resource requires of the role: these actions on the resource the variable
 * names. A variable whose value references a resource and that is not listed here is reported, so a
 * new kind of wire is never left unchecked.
 */
const REQUIRED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  CONFIG_TABLE_NAME: ['dynamodb:GetItem'],
  DELIVERIES_TABLE_NAME: ['dynamodb:GetItem'],
  DELIVERY_QUEUE_URL: ['sqs:SendMessage'],
  PARKED_QUEUE_URL: ['sqs:SendMessage'],
  INGEST_QUEUE_URL: ['sqs:SendMessage'],
  EVENT_BUS_NAME: ['events:PutEvents'],
  MASTER_KEY_SECRET_ARN: ['secretsmanager:GetSecretValue'],
  ESCALATION_STATE_MACHINE_ARN: ['states:StartExecution'],
  OPS_TOPIC_ARN: ['sns:Publish'],
  // A link for mails: its readers are HTTP clients, the function needs no permission on the API.
  API_URL: [],
  // The portal's base URL (links) and origin (CORS): read by browsers, not by the function.
  PORTAL_URL: [],
  PORTAL_ORIGIN: [],
};
/** What a publisher to an encrypted topic needs of the topic's key. */
const TOPIC_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
const ALERT_SENDER = 'ALERT_SENDER_EMAIL';
const SEND_EMAIL = 'ses:SendEmail';

/** Resource types a grant must not reach without the function being told which resource it is. */
const WIRED_TYPES: Readonly<Record<string, (actions: readonly string[]) => boolean>> = {
  'AWS::DynamoDB::Table': () => true,
  // Consuming a queue (an event source) is no wire; sending to one is.
  'AWS::SQS::Queue': (actions) => actions.includes('sqs:SendMessage'),
  'AWS::Events::EventBus': () => true,
  'AWS::SecretsManager::Secret': () => true,
  'AWS::StepFunctions::StateMachine': () => true,
  'AWS::SNS::Topic': () => true,
};

/** The logical ids a CloudFormation value references (`Ref`, `Fn::GetAtt`), pseudo parameters aside. */
export function referencedIds(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (!value || typeof value !== 'object') return [];
  const record = value as Record<string, Json>;
  const ref = record.Ref;
  if (typeof ref === 'string') return ref.startsWith('AWS::') ? [] : [ref];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(record).flatMap(referencedIds);
}

export interface FunctionWiring {
  /** For messages. */
  readonly name: string;
  readonly environment: Readonly<Record<string, Json>>;
  /** The Allow statements of the function's role policies. */
  readonly statements: readonly Statement[];
}

/** A function's environment and the Allow statements of its execution role, from the template. */
export function wiringOf(template: TemplateJson, functionId: string, name = functionId): FunctionWiring {
  const properties = template.Resources[functionId]?.Properties;
  if (!properties) throw new Error(`${functionId} is not in the template`);
  const environment = ((properties.Environment as { Variables?: Record<string, Json> } | undefined)
    ?.Variables ?? {}) as Record<string, Json>;
  const [roleId] = referencedIds(properties.Role);
  const statements = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => referencedIds(policy.Properties?.Roles).includes(roleId ?? ''))
    .flatMap(
      (policy) =>
        (policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? [],
    )
    .filter((statement) => statement.Effect === 'Allow');
  return { name, environment, statements };
}

const grants = (statement: Statement, action: string): boolean =>
  asArray(statement.Action).some(
    (granted) => granted === action || granted === '*' || granted === `${action.split(':')[0]}:*`,
  );
const reaches = (statement: Statement, id: string): boolean => referencedIds(statement.Resource).includes(id);
const fromAddress = (statement: Statement): Json => statement.Condition?.StringEquals?.['ses:FromAddress'];

/** The KMS keys of the topics among `ids` (their `KmsMasterKeyId`). */
const topicKeys = (template: TemplateJson, ids: readonly string[]): string[] =>
  ids.flatMap((id) =>
    template.Resources[id]?.Type === 'AWS::SNS::Topic'
      ? referencedIds(template.Resources[id]?.Properties?.KmsMasterKeyId)
      : [],
  );

/**
 * (c) Every variable that names a resource comes with the permission to use it. `namedOnly` lists the
 * variables the function deliberately names without using (a table name the config parser requires):
 * those must come with no permission at all.
 */
export function wiresWithoutGrants(
  template: TemplateJson,
  wiring: FunctionWiring,
  namedOnly: ReadonlySet<string> = new Set(),
): string[] {
  const problems: string[] = [];
  const missing = (variable: string, actions: readonly string[], id: string) => {
    for (const action of actions) {
      if (!wiring.statements.some((statement) => grants(statement, action) && reaches(statement, id))) {
        problems.push(`${wiring.name}: ${variable} names ${id}, but its role is not granted ${action} on it`);
      }
    }
  };
  for (const [variable, value] of Object.entries(wiring.environment)) {
    const ids = referencedIds(value);
    if (variable === ALERT_SENDER) {
      const allowed = wiring.statements.some((s) => grants(s, SEND_EMAIL) && fromAddress(s) === value);
      if (!allowed)
        problems.push(`${wiring.name}: ${variable} is set, but its role may not send as ${value}`);
      continue;
    }
    if (ids.length === 0) continue;
    const required = REQUIRED_ACTIONS[variable];
    if (!required) {
      problems.push(
        `${wiring.name}: ${variable} names ${ids.join(', ')}, and the checker knows no permission for it`,
      );
      continue;
    }
    if (namedOnly.has(variable)) {
      for (const id of ids.filter((id) => wiring.statements.some((statement) => reaches(statement, id)))) {
        problems.push(
          `${wiring.name}: ${variable} is bound to name ${id} only, but its role is granted on it`,
        );
      }
      continue;
    }
    for (const id of ids) missing(variable, required, id);
    for (const key of topicKeys(template, ids)) missing(variable, TOPIC_KEY_ACTIONS, key);
  }
  return problems;
}

/** (d) Every resource the role is granted on (of the wired kinds) is named by a variable: no grant without a wire. */
export function grantsWithoutWires(template: TemplateJson, wiring: FunctionWiring): string[] {
  const named = Object.values(wiring.environment).flatMap(referencedIds);
  const namedKeys = topicKeys(template, named);
  const problems: string[] = [];
  for (const statement of wiring.statements) {
    const actions = asArray(statement.Action);
    for (const id of new Set(referencedIds(statement.Resource))) {
      const type = template.Resources[id]?.Type ?? '';
      const wired = type === 'AWS::KMS::Key' ? namedKeys.includes(id) : named.includes(id);
      const needsWire = type === 'AWS::KMS::Key' || (WIRED_TYPES[type]?.(actions) ?? false);
      if (needsWire && !wired) {
        problems.push(
          `${wiring.name}: its role is granted ${actions.join(', ')} on ${id} (${type}), but no variable names it`,
        );
      }
    }
    const sender = fromAddress(statement);
    if (actions.includes(SEND_EMAIL) && wiring.environment[ALERT_SENDER] !== sender) {
      problems.push(
        `${wiring.name}: its role may send mail as ${String(sender)}, but ${ALERT_SENDER} is not that`,
      );
    }
  }
  return problems;
}

/** A stand-in for each CloudFormation token of an environment, shaped like what the variable holds. */
export function placeholderEnvironment(environment: Readonly<Record<string, Json>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([variable, value]) => {
      if (typeof value === 'string') return [variable, value];
      const id = referencedIds(value).join('-') || 'token';
      if (variable.endsWith('_ARN')) return [variable, `arn:aws:placeholder:us-east-1:123456789012:${id}`];
      if (variable.endsWith('_URL')) return [variable, `https://placeholder.example.com/123456789012/${id}`];
      return [variable, id];
    }),
  );
}

export const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(FUNCTION_PORTS, name);

export interface PortReport {
  /** The ports this function wires (every enumerable one that did not throw "is not wired"). */
  readonly wired: readonly string[];
  readonly problems: readonly string[];
}

/**
 * (b) Builds the function's dependencies from its environment (tokens replaced by placeholders) and
 * touches every port: each one the function wires must build. Building an adapter does no I/O.
 */
export function portReport(name: FunctionName, environment: Readonly<Record<string, Json>>): PortReport {
  const env = placeholderEnvironment(environment);
  // The cipher reads its secret's ARN from the process environment when it is built.
  const saved = process.env.MASTER_KEY_SECRET_ARN;
  if (env.MASTER_KEY_SECRET_ARN) process.env.MASTER_KEY_SECRET_ARN = env.MASTER_KEY_SECRET_ARN;
  else delete process.env.MASTER_KEY_SECRET_ARN;
  const wired: string[] = [];
  const problems: string[] = [];
  try {
    const dependencies = dependenciesFromEnv(name, env);
    for (const port of Object.keys(dependencies)) {
      try {
        Reflect.get(dependencies, port);
        wired.push(port);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!/is not wired/.test(message)) problems.push(`${name}: port ${port} does not build: ${message}`);
      }
    }
  } catch (error) {
    problems.push(
      `${name}: its dependencies do not build: ${error instanceof Error ? error.message : error}`,
    );
  } finally {
    if (saved === undefined) delete process.env.MASTER_KEY_SECRET_ARN;
    else process.env.MASTER_KEY_SECRET_ARN = saved;
  }
  return { wired, problems };
}
