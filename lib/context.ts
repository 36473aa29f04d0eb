import {
  consumerConcurrencyRule,
  MAX_CONSUMER_CONCURRENCY,
  MIN_CONSUMER_CONCURRENCY,
} from './consumer-concurrency.js';

/**
 * The deploy-time settings bin/app.ts reads from CDK context (`cdk deploy -c name=value`, or the
 * `context` of cdk.json), parsed and checked before any construct is built. Pure: no CDK App here.
 * A value from `-c` is always a string; one from cdk.json may be a JSON number or boolean.
 */
export interface AppContext {
  readonly opsAlertEmail?: string;
  readonly alertSenderEmail?: string;
  readonly escalationWaitHours?: number;
  readonly deliveryConcurrency?: number;
  readonly fanoutConcurrency?: number;
  readonly apiGatewayCloudWatchRole?: boolean;
}

/** An invalid context value: the message is one line naming the option and what it accepts. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Escalation executions are Standard workflows: they live at most a year (see escalationWait). */
export const MAX_ESCALATION_WAIT_HOURS = 364 * 24;

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const WHOLE_NUMBER = /^[0-9]+$/;

const shown = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

function email(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && EMAIL.test(value)) return value;
  throw new ContextError(`${name} must be an email address (name@example.com), got ${shown(value)}`);
}

function wholeNumber(value: unknown, min: number, max: number): number | undefined {
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && WHOLE_NUMBER.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(parsed) && parsed >= min && parsed <= max ? parsed : undefined;
}

function escalationWaitHours(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const hours = wholeNumber(value, 1, MAX_ESCALATION_WAIT_HOURS);
  if (hours !== undefined) return hours;
  throw new ContextError(
    `escalationWaitHours must be a whole number of hours from 1 to ${MAX_ESCALATION_WAIT_HOURS} (364 days), got ${shown(value)}`,
  );
}

function concurrency(name: 'deliveryConcurrency' | 'fanoutConcurrency', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const parsed = wholeNumber(value, MIN_CONSUMER_CONCURRENCY, MAX_CONSUMER_CONCURRENCY);
  if (parsed !== undefined) return parsed;
  throw new ContextError(`${consumerConcurrencyRule(name)}, got ${shown(value)}`);
}

function flag(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ContextError(`${name} must be true or false, got ${shown(value)}`);
}

/** Every option bin/app.ts reads; `read` is `app.node.tryGetContext`. Throws ContextError. */
export function parseAppContext(read: (name: string) => unknown): AppContext {
  return {
    opsAlertEmail: email('opsAlertEmail', read('opsAlertEmail')),
    alertSenderEmail: email('alertSenderEmail', read('alertSenderEmail')),
    escalationWaitHours: escalationWaitHours(read('escalationWaitHours')),
    deliveryConcurrency: concurrency('deliveryConcurrency', read('deliveryConcurrency')),
    fanoutConcurrency: concurrency('fanoutConcurrency', read('fanoutConcurrency')),
    apiGatewayCloudWatchRole: flag('apiGatewayCloudWatchRole', read('apiGatewayCloudWatchRole')),
  };
}
