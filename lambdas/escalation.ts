import { escalationDependencies } from './composition.js';
import { log } from './logging.js';
import { parseEscalationTask } from './messages/escalation-task.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { runEscalationTask } from './services/escalation.js';

/**
 * The escalation state machine's Tasks (lib/escalation-state-machine.ts): `task` picks the step,
 * `input` is the execution's state. Thin: parse → run the step → return its result, which the
 * state machine's Choice states read. A thrown error fails the Task (Step Functions retries it).
 * The payload is parsed in lambdas/messages/escalation-task.ts.
 */

export function createEscalationHandler(dependencies: DependenciesProvider) {
  return async (event: unknown): Promise<unknown> => {
    const parsed = parseEscalationTask(event);
    if ('problems' in parsed) {
      // Not retried (the definition's MalformedTask retrier): the Catch ends the execution.
      const error = new Error(`Malformed escalation task: ${parsed.problems.join(', ')}`);
      error.name = 'MalformedTask';
      throw error;
    }
    const { task, input, disabledReason } = parsed;
    const result = await runEscalationTask(dependencies(), task, input, { disabledReason });
    log.info('escalation task', { task, webhookId: input.webhookId, episode: input.episode, ...result });
    return result;
  };
}

export const handler = createEscalationHandler(escalationDependencies);
