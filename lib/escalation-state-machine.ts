import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * The escalation workflow of one failing episode (docs/escalation.md), a Standard state machine in
 * JSONPath:
 *
 *   NotifyFailing → WaitForRecovery ($.waitSeconds) → CheckEndpoint → IsStillFailing?
 *     failing   → DisableEndpoint → WasDisabled? disabled → NotifyDisabled → Disabled
 *                                              recovered → NotifyRecovered
 *                                              cooling   → CheckEndpoint
 *     cooling   → WaitForCooldown ($.check.waitSeconds) → CheckEndpoint
 *     recovered → NotifyRecovered → Recovered
 *     otherwise → Ended (deleted, paused, or a newer episode took over)
 *
 * Every Task calls the one escalation Lambda (`task` selects the step) with Retry and Catch. The
 * local runtime runs this same definition from the synthesized template (lib/local-topology.ts).
 */

export interface EscalationStateMachineProps {
  /** The escalation Lambda (lambdas/escalation.ts). */
  readonly taskFunction: lambda.IFunction;
  /** The longest wait an execution is started with (the execution timeout adds a day to it). */
  readonly maxWait: Duration;
  /** Name of the execution log group (`/aws/vendedlogs/states/...` keeps the logs resource policy small). */
  readonly logGroupName: string;
  readonly logRetention: logs.RetentionDays;
}

/** The Task state names: the local runtime maps each to the local escalation handler. */
export const ESCALATION_TASK_STATES = {
  notifyFailing: 'NotifyFailing',
  checkEndpoint: 'CheckEndpoint',
  disableEndpoint: 'DisableEndpoint',
  notifyRecovered: 'NotifyRecovered',
  notifyDisabled: 'NotifyDisabled',
} as const;
export type EscalationTaskName = keyof typeof ESCALATION_TASK_STATES;

export class EscalationStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EscalationStateMachineProps) {
    super(scope, id);

    // Invoke `$LATEST` by its qualified ARN: the role may invoke exactly that, where the function
    // itself would grant `<arn>:*` (every version and alias).
    const target = props.taskFunction.latestVersion;

    const failed = new sfn.Fail(this, 'EscalationFailed', {
      error: 'EscalationFailed',
      cause: 'An escalation step failed after its retries; see the execution history (it can be redriven)',
    });
    const task = (name: EscalationTaskName, resultPath: string, attempts: number) =>
      new tasks.LambdaInvoke(this, ESCALATION_TASK_STATES[name], {
        lambdaFunction: target,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({ task: name, input: sfn.JsonPath.entirePayload }),
        resultPath,
        taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
        comment: `Escalation Lambda, task ${name}`,
      })
        // A task the handler cannot parse will not parse on a retry either.
        .addRetry({ errors: ['MalformedTask'], maxAttempts: 0 })
        .addRetry({
          errors: [sfn.Errors.ALL],
          interval: Duration.seconds(5),
          maxAttempts: attempts,
          backoffRate: 2,
          maxDelay: Duration.minutes(5),
          jitterStrategy: sfn.JitterType.FULL,
        });

    const notifyFailing = task('notifyFailing', sfn.JsonPath.DISCARD, 3);
    const wait = new sfn.Wait(this, 'WaitForRecovery', {
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
      comment: 'The endpoint has this long to deliver successfully (escalationWait)',
    });
    const check = task('checkEndpoint', '$.check', 6);
    const disable = task('disableEndpoint', '$.disable', 6);
    const notifyRecovered = task('notifyRecovered', sfn.JsonPath.DISCARD, 3);
    const notifyDisabled = task('notifyDisabled', sfn.JsonPath.DISCARD, 3);
    const recovered = new sfn.Succeed(this, 'Recovered');
    const disabled = new sfn.Succeed(this, 'Disabled');
    const ended = new sfn.Succeed(this, 'Ended', {
      comment: 'Deleted, paused or disabled meanwhile, or superseded by a newer episode',
    });

    // The "failing" notice is best effort: escalation goes on (a failure is in the execution history).
    notifyFailing.addCatch(wait, { errors: [sfn.Errors.ALL], resultPath: '$.notifyFailingError' });
    for (const step of [check, disable, notifyRecovered, notifyDisabled]) {
      step.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }

    notifyRecovered.next(recovered);
    notifyDisabled.next(disabled);
    // Healthy again, but not for the recovery cool-down yet: wait out the rest, then check again.
    const cooldown = new sfn.Wait(this, 'WaitForCooldown', {
      time: sfn.WaitTime.secondsPath('$.check.waitSeconds'),
      comment: 'The endpoint must stay healthy this much longer before the episode closes as recovered',
    });
    cooldown.next(check);
    const definition = notifyFailing
      .next(wait)
      .next(check)
      .next(
        new sfn.Choice(this, 'IsStillFailing')
          .when(
            sfn.Condition.stringEquals('$.check.outcome', 'failing'),
            disable.next(
              new sfn.Choice(this, 'WasDisabled')
                .when(sfn.Condition.stringEquals('$.disable.outcome', 'disabled'), notifyDisabled)
                .when(sfn.Condition.stringEquals('$.disable.outcome', 'recovered'), notifyRecovered)
                // A 2xx landed since the check: the check works out the cool-down.
                .when(sfn.Condition.stringEquals('$.disable.outcome', 'cooling'), check)
                .otherwise(ended),
            ),
          )
          .when(sfn.Condition.stringEquals('$.check.outcome', 'recovered'), notifyRecovered)
          .when(sfn.Condition.stringEquals('$.check.outcome', 'cooling'), cooldown)
          .otherwise(ended),
      );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.logGroupName,
      retention: props.logRetention,
      // Named, so a retained copy would block re-creating the stack; its contents expire anyway.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      comment: 'Escalates a failing webhook endpoint: alert, wait, re-check, disable or recovered',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // In seconds: Duration.plus keeps the coarser unit and rejects e.g. half an hour plus a day.
      timeout: Duration.seconds(props.maxWait.toSeconds() + Duration.days(1).toSeconds()),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions execution logging (logs:CreateLogDelivery and the other vended-log delivery actions) and X-Ray tracing do not support resource-level permissions. The only other statement names the escalation function ARN.',
    });
  }
}
