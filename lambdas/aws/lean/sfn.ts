import type { StartExecutionCommandInput, StartExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { LeanJsonCommand, LeanJsonServiceClient } from './json-client.js';

/**
 * Step Functions StartExecution (AWSStepFunctions.StartExecution, JSON 1.0; signing name and
 * endpoint prefix `states`) on the lean client: deliver starts the escalation with it. Types from
 * @aws-sdk/client-sfn, nothing bundled. `startDate` comes back as the wire's epoch seconds.
 */

export class StartExecutionCommand extends LeanJsonCommand<
  StartExecutionCommandInput,
  StartExecutionCommandOutput
> {
  readonly operation = 'StartExecution';
}

export class LeanSfnClient extends LeanJsonServiceClient {
  constructor(options: { readonly endpoint?: string; readonly region?: string } = {}) {
    super({ service: 'states', targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0', ...options });
  }
}
