import type { EscalationInput } from '../domain/escalation.js';
import { ESCALATION_TASKS, type EscalationTask } from '../services/escalation.js';

/**
 * The escalation state machine's Task payload (lib/escalation-state-machine.ts): `task` picks the
 * step, `input` is the execution's state. No I/O.
 *
 * Parsed by hand rather than with zod: the input is the service's own (deliver builds it), and the
 * ~20 KB of zod would push the escalation function's bundle (SES v2 + SNS + EventBridge + DynamoDB
 * clients) over the 400 KB budget.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isInt = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min;
const isText = (value: unknown, max = 2000): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

export interface ParsedTask {
  readonly task: EscalationTask;
  readonly input: EscalationInput;
  /** Set by the DisableEndpoint Task (`$.disable`), read by NotifyDisabled. */
  readonly disabledReason?: string;
}

/** The Task payload `{ task, input }`, or the list of what is wrong with it. */
export function parseEscalationTask(event: unknown): ParsedTask | { problems: string[] } {
  const problems: string[] = [];
  const need = (ok: boolean, path: string) => {
    if (!ok) problems.push(path);
  };
  if (!isObject(event) || !isObject(event.input)) return { problems: ['input'] };
  const task = event.task;
  const input = event.input;
  need(typeof task === 'string' && (ESCALATION_TASKS as readonly string[]).includes(task), 'task');
  need(isText(input.accountId, 100), 'input.accountId');
  need(isText(input.webhookId, 100), 'input.webhookId');
  need(isInt(input.episode, 1), 'input.episode');
  need(isInt(input.consecutiveFailures, 0), 'input.consecutiveFailures');
  need(isInt(input.threshold, 1), 'input.threshold');
  need(input.lastStatusCode === null || isInt(input.lastStatusCode, 0), 'input.lastStatusCode');
  need(input.lastError === null || typeof input.lastError === 'string', 'input.lastError');
  need(isText(input.lastDeliveryId, 200), 'input.lastDeliveryId');
  need(isText(input.lastEventType, 200), 'input.lastEventType');
  need(isText(input.failedAt, 40) && !Number.isNaN(Date.parse(input.failedAt)), 'input.failedAt');
  need(isInt(input.waitSeconds, 0), 'input.waitSeconds');
  const disable = input.disable;
  const disabledReason =
    isObject(disable) && isText(disable.disabledReason) ? disable.disabledReason : undefined;
  if (problems.length > 0) return { problems };
  return {
    task: task as EscalationTask,
    input: {
      accountId: input.accountId as string,
      webhookId: input.webhookId as string,
      episode: input.episode as number,
      consecutiveFailures: input.consecutiveFailures as number,
      threshold: input.threshold as number,
      lastStatusCode: input.lastStatusCode as number | null,
      lastError: input.lastError as string | null,
      lastDeliveryId: input.lastDeliveryId as string,
      lastEventType: input.lastEventType as string,
      failedAt: input.failedAt as string,
      waitSeconds: input.waitSeconds as number,
    },
    ...(disabledReason !== undefined ? { disabledReason } : {}),
  };
}
