import { type LeanSfnClient, StartExecutionCommand } from '../aws/lean/sfn.js';
import { type EscalationInput, executionName } from '../domain/escalation.js';
import type { EscalationStarter } from '../domain/ports/alerting.js';

/**
 * Starts the escalation state machine (Standard workflow) for one failing episode. The execution
 * name is `<webhook id>-<episode>`: StartExecution with a name that is running with the same input
 * returns the existing execution, and with a name already used (other input, or a closed execution
 * within 90 days) fails with ExecutionAlreadyExists, which means "already started" here.
 */
export class SfnEscalationStarter implements EscalationStarter {
  constructor(
    private readonly client: LeanSfnClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: EscalationInput): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(input.webhookId, input.episode),
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}
