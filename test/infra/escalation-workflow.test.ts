import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationInput } from '../../lambdas/domain/escalation.js';
import { LocalEscalationStateMachine, type LocalExecution } from '../../lambdas/local/step-functions.js';
import { type LocalTopology, synthesizeTopology } from '../../lib/local-topology.js';
import { eventually } from '../support/local-runtime.js';

/**
 * The synthesized escalation definition, executed by aws-local-stepfunctions exactly as the local
 * runtime runs it, with a scripted stand-in for the escalation Lambda: every branch of the flow, the
 * wait from the execution input, the data passed between states, Retry and Catch.
 */

type Script = Partial<Record<string, (payload: { task: string; input: Record<string, unknown> }) => unknown>>;

let topology: LocalTopology;
let dir: string;
let episode = 0;

beforeAll(async () => {
  topology = synthesizeTopology();
  dir = await mkdtemp(join(tmpdir(), 'webhooks-sfn-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const input = (waitSeconds: number): EscalationInput => ({
  accountId: 'acc_1',
  webhookId: 'wh_flow',
  episode: ++episode,
  consecutiveFailures: 3,
  threshold: 3,
  lastStatusCode: 500,
  lastError: null,
  lastDeliveryId: 'dlv_1',
  lastEventType: 'order.created',
  failedAt: '2025-01-15T10:00:00.000Z',
  waitSeconds,
});

/** Runs one execution to its end; returns it and the tasks called, in order, with their payloads. */
async function execute(script: Script, waitSeconds = 0) {
  const calls: { task: string; input: Record<string, unknown> }[] = [];
  const machine = await LocalEscalationStateMachine.create({
    definition: topology.escalation.definition,
    taskArn: topology.escalation.escalationTaskArn,
    directory: join(dir, String(episode + 1)),
    retryIntervalMs: 1,
    handler: async (event) => {
      const payload = event as { task: string; input: Record<string, unknown> };
      calls.push(payload);
      const step = script[payload.task];
      return step ? step(payload) : { notified: true, emailed: true };
    },
  });
  const startedAt = Date.now();
  const started = input(waitSeconds);
  await machine.start(started);
  const execution = await eventually<LocalExecution>(async () => {
    const [only] = machine.list();
    return only && only.status !== 'RUNNING' ? only : undefined;
  }, 20_000);
  await machine.stop();
  return {
    execution,
    calls,
    tasks: calls.map((call) => call.task),
    elapsedMs: Date.now() - startedAt,
    started,
  };
}

describe('escalation workflow, run locally from the synthesized definition', () => {
  it('recovered: alerts, waits the input seconds, re-checks, announces the recovery', async () => {
    // Act
    const { execution, tasks, calls, elapsedMs, started } = await execute(
      { checkEndpoint: () => ({ outcome: 'recovered' }) },
      1,
    );
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks).toEqual(['notifyFailing', 'checkEndpoint', 'notifyRecovered']);
    expect(elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(calls[0]!.input).toEqual(started);
    expect(calls[2]!.input).toMatchObject({ ...started, check: { outcome: 'recovered' } });
  });

  it('disabled: re-check says failing, the endpoint is disabled, the disable reason reaches the notice', async () => {
    // Act
    const { execution, tasks, calls } = await execute({
      checkEndpoint: () => ({ outcome: 'failing' }),
      disableEndpoint: () => ({ outcome: 'disabled', disabledReason: 'Disabled by escalation: 3 failures' }),
    });
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks).toEqual(['notifyFailing', 'checkEndpoint', 'disableEndpoint', 'notifyDisabled']);
    expect(calls[3]!.input).toMatchObject({
      disable: { outcome: 'disabled', disabledReason: 'Disabled by escalation: 3 failures' },
    });
  });

  it('a 2xx between the re-check and the disable turns into a recovery', async () => {
    // Act
    const { tasks } = await execute({
      checkEndpoint: () => ({ outcome: 'failing' }),
      disableEndpoint: () => ({ outcome: 'recovered' }),
    });
    // Assess
    expect(tasks).toEqual(['notifyFailing', 'checkEndpoint', 'disableEndpoint', 'notifyRecovered']);
  });

  it('ends quietly when the endpoint was deleted, paused or superseded meanwhile', async () => {
    // Act
    const { execution, tasks } = await execute({
      checkEndpoint: () => ({ outcome: 'ended', reason: 'endpoint_paused' }),
    });
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks).toEqual(['notifyFailing', 'checkEndpoint']);
  });

  it('retries a failing Task, and a "failing" notice that never goes out does not stop the escalation', async () => {
    // Act
    const { execution, tasks } = await execute({
      notifyFailing: () => {
        throw new Error('SES is down');
      },
      checkEndpoint: () => ({ outcome: 'recovered' }),
    });
    // Assess: 1 attempt + 3 retries of the States.ALL retrier, then the Catch moves on.
    expect(execution.status).toBe('SUCCEEDED');
    expect(tasks).toEqual([
      'notifyFailing',
      'notifyFailing',
      'notifyFailing',
      'notifyFailing',
      'checkEndpoint',
      'notifyRecovered',
    ]);
  });

  it('fails the execution when the re-check keeps failing (never disables blindly)', async () => {
    // Act
    const { execution, tasks } = await execute({
      checkEndpoint: () => {
        throw new Error('DynamoDB is down');
      },
    });
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toContain('EscalationFailed');
    expect(tasks.filter((task) => task === 'checkEndpoint')).toHaveLength(7);
    expect(tasks).not.toContain('disableEndpoint');
  });

  it('does not retry a task the handler cannot parse', async () => {
    // Act
    const { execution, tasks } = await execute({
      checkEndpoint: () => {
        throw Object.assign(new Error('Malformed escalation task: input.episode'), { name: 'MalformedTask' });
      },
    });
    // Assess
    expect(execution.status).toBe('FAILED');
    expect(tasks).toEqual(['notifyFailing', 'checkEndpoint']);
  });

  it('starts an execution name once, like StartExecution', async () => {
    // Prepare
    let calls = 0;
    const machine = await LocalEscalationStateMachine.create({
      definition: topology.escalation.definition,
      taskArn: topology.escalation.escalationTaskArn,
      directory: join(dir, 'idempotent'),
      retryIntervalMs: 1,
      handler: async (event) => {
        calls += 1;
        return (event as { task: string }).task === 'checkEndpoint'
          ? { outcome: 'recovered' }
          : { notified: true };
      },
    });
    const same = input(0);
    // Act
    await Promise.all([
      machine.start(same),
      machine.start(same),
      machine.start({ ...same, consecutiveFailures: 9 }),
    ]);
    await eventually(async () => (machine.list()[0]?.status === 'SUCCEEDED' ? true : undefined));
    await machine.start(same);
    await machine.stop();
    // Assess
    expect(machine.list()).toHaveLength(1);
    expect(calls).toBe(3);
  });
});
