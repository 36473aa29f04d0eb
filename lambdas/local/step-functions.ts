import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EscalationInput, executionName } from '../domain/escalation.js';
import type { EscalationStarter } from '../domain/ports/alerting.js';
import { installPromiseWithResolvers } from './promise-polyfill.js';

/**
 * The local twin of Step Functions for the escalation workflow: the definition synthesized from the
 * stack (lib/local-topology.ts), run by aws-local-stepfunctions, its Tasks mapped to the local
 * escalation handler instead of Lambda. Start is idempotent per execution name, like StartExecution.
 *
 * Executions are recorded in `<data dir>/stepfunctions/`. There is no execution history to replay:
 * an execution interrupted by a stop or a crash runs again from its first state at the next start
 * (so its "failing" notice may be sent twice), which is what keeps an escalation from being lost.
 */

export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface LocalExecution {
  readonly name: string;
  readonly input: EscalationInput;
  readonly status: LocalExecutionStatus;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  readonly output?: unknown;
  readonly error?: string;
}

export interface LocalStateMachineOptions {
  /** The Amazon States Language definition, Task resources as marker ARNs. */
  readonly definition: Record<string, unknown>;
  /** Task states whose Resource is this ARN run `handler`. */
  readonly taskArn: string;
  readonly handler: (event: unknown) => Promise<unknown>;
  readonly directory: string;
  /** Pause before a Task retry (the definition's intervals are minutes long). @default 200 */
  readonly retryIntervalMs?: number;
  readonly log?: (line: string) => void;
}

type StateMachineModule = typeof import('aws-local-stepfunctions');
type Definition = ConstructorParameters<StateMachineModule['StateMachine']>[0];
type RunOptions = NonNullable<Parameters<InstanceType<StateMachineModule['StateMachine']>['run']>[1]>;
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** Like a failed execution's Error and Cause: the error name of the failing state, then its message. */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(error);
}

export class LocalEscalationStateMachine implements EscalationStarter {
  private readonly executions = new Map<string, LocalExecution>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private stopping = false;

  private constructor(
    private readonly machine: InstanceType<StateMachineModule['StateMachine']>,
    private readonly overrides: RunOptions['overrides'],
    private readonly options: LocalStateMachineOptions,
  ) {}

  static async create(options: LocalStateMachineOptions): Promise<LocalEscalationStateMachine> {
    installPromiseWithResolvers();
    const { StateMachine } = await import('aws-local-stepfunctions');
    const definition = options.definition as unknown as Definition;
    const taskResourceLocalHandlers: TaskHandlers = {};
    const retryIntervalOverrides: Record<string, number> = {};
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task' || state.Resource !== options.taskArn) continue;
      taskResourceLocalHandlers[name] = async (input) => (await options.handler(input)) as never;
      retryIntervalOverrides[name] = options.retryIntervalMs ?? 200;
    }
    if (Object.keys(taskResourceLocalHandlers).length === 0) {
      throw new Error(`No Task state of the definition calls ${options.taskArn}`);
    }
    const machine = new StateMachine(definition);
    const runner = new LocalEscalationStateMachine(
      machine,
      { taskResourceLocalHandlers, retryIntervalOverrides },
      options,
    );
    await runner.load();
    return runner;
  }

  async start(input: EscalationInput): Promise<void> {
    const name = executionName(input.webhookId, input.episode);
    // Like StartExecution: a name that exists, running or finished, starts nothing.
    if (this.executions.has(name)) return;
    const execution: LocalExecution = { name, input, status: 'RUNNING', startedAt: new Date().toISOString() };
    this.executions.set(name, execution);
    await this.save(execution);
    this.run(execution);
  }

  /** Every execution this data directory has seen, oldest first. */
  list(): LocalExecution[] {
    return [...this.executions.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Runs again the executions a previous process left running. */
  resume(): void {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING' && !this.running.has(execution.name)) {
        this.options.log?.(`escalation ${execution.name}: resumed from its first state`);
        this.run(execution);
      }
    }
  }

  /** Aborts the running executions; they stay RUNNING on disk and resume at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    const pending = [...this.running.values()];
    for (const { abort } of pending) abort();
    await Promise.all(pending.map(({ done }) => done));
  }

  private run(execution: LocalExecution): void {
    const { abort, result } = this.machine.run(execution.input as never, {
      overrides: this.overrides,
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: `arn:aws:states:us-east-1:000000000000:execution:escalation:${execution.name}`,
          Name: execution.name,
          Input: execution.input as never,
          StartTime: execution.startedAt,
        },
      },
    });
    const done = result.then(
      async (output) => {
        if (this.stopping) return;
        await this.finish(execution, { status: 'SUCCEEDED', output });
      },
      async (error: unknown) => {
        if (this.stopping) return;
        await this.finish(execution, { status: 'FAILED', error: describeFailure(error) });
      },
    );
    this.running.set(execution.name, {
      abort,
      done: done
        .catch((error: unknown) => this.options.log?.(`escalation ${execution.name}: ${String(error)}`))
        .finally(() => this.running.delete(execution.name)),
    });
  }

  private async finish(
    execution: LocalExecution,
    end: { status: LocalExecutionStatus; output?: unknown; error?: string },
  ): Promise<void> {
    const finished: LocalExecution = { ...execution, ...end, stoppedAt: new Date().toISOString() };
    this.executions.set(execution.name, finished);
    await this.save(finished);
    this.options.log?.(`escalation ${execution.name}: ${end.status}${end.error ? ` (${end.error})` : ''}`);
  }

  private async load(): Promise<void> {
    await mkdir(this.options.directory, { recursive: true });
    for (const file of await readdir(this.options.directory)) {
      if (!file.endsWith('.json')) continue;
      const execution = JSON.parse(
        await readFile(join(this.options.directory, file), 'utf8'),
      ) as LocalExecution;
      this.executions.set(execution.name, execution);
    }
  }

  private async save(execution: LocalExecution): Promise<void> {
    const path = join(this.options.directory, `${execution.name}.json`);
    await writeFile(`${path}.tmp`, JSON.stringify(execution, null, 2));
    await rename(`${path}.tmp`, path);
  }
}
