import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { emailsIn } from '../support/outbox.js';
import { type Behaviour, Receiver } from '../support/receiver.js';

/**
 * A flapping endpoint (500/200 with failure_threshold 1) alerts once and its episode stays open
 * through the recovery cool-down. Its own runtime, with an escalation wait long enough that the
 * flapping is over before the re-check however slow the machine is: a re-check in the middle of it
 * would rightly find the endpoint failing and disable it, which is another case.
 */

const ESCALATION_WAIT_SECONDS = 15;
const ADDRESS = 'owner-flapping@example.com';

let runtime: TestRuntime;
let receiver: Receiver;

beforeAll(async () => {
  runtime = await startTestRuntime({ escalationWaitSeconds: ESCALATION_WAIT_SECONDS });
  const patched = await runtime.admin.patch(`/v1/admin/accounts/${runtime.accountId}`, {
    alert_emails: [ADDRESS],
  });
  expect(patched.status).toBe(200);
});

afterAll(async () => {
  await receiver?.stop();
  await runtime.dispose();
});

async function opsTransitions(webhookId: string): Promise<string[]> {
  const lines = (await readFile(runtime.opsTopicLog, 'utf8').catch(() => '')).trim().split('\n');
  return lines
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { transition: string; webhookId: string })
    .filter((notice) => notice.webhookId === webhookId)
    .map((notice) => notice.transition);
}

describe('alert mail of a flapping endpoint', () => {
  it('alerts once for an endpoint flapping 500/200 with threshold 1, and keeps the episode open through the cool-down', async () => {
    // Prepare: 500, 200, 500, 200, … (12 answers), then 200; a 30-second cool-down of its own.
    const flaps: Behaviour[] = Array.from({ length: 12 }, (_, n) => ({ status: n % 2 === 0 ? 500 : 200 }));
    receiver = await Receiver.start([...flaps, { status: 200 }]);
    expect((await runtime.admin.put('/v1/admin/event-types/damping.flapping', {})).status).toBe(200);
    const created = await runtime.tenant.post<WebhookResource>('/v1/webhooks', {
      name: 'escalating',
      url: `${receiver.url}/hook`,
      events: ['damping.flapping'],
      alerting: { email: ADDRESS, failure_threshold: 1, recovery_cooldown_seconds: 30 },
      retry_policy: { max_retries: 0 },
    });
    expect(created.status).toBe(201);
    const webhook = created.body;
    const startedAt = Date.now();
    // Act
    for (let n = 1; n <= 12; n++) {
      const published = await runtime.tenant.post('/v1/events', { type: 'damping.flapping', data: { n } });
      expect(published.status).toBe(202);
      await eventually(async () => (receiver.requests.length >= n ? true : undefined), 30_000);
    }
    const flappingMs = Date.now() - startedAt;
    // The re-check comes ESCALATION_WAIT_SECONDS after the first failure: past it, and a margin.
    await new Promise((resolve) => setTimeout(resolve, ESCALATION_WAIT_SECONDS * 1000 + 2500 - flappingMs));
    // Assess: one episode, one alert; the check found it healthy but not for 30 s, so it waits.
    expect(flappingMs).toBeLessThan(ESCALATION_WAIT_SECONDS * 1000);
    const mails = await emailsIn(runtime.outboxDir, ADDRESS);
    expect(mails.map((email) => email.subject)).toEqual(['Webhook endpoint failing: "escalating"']);
    expect(await opsTransitions(webhook.id)).toEqual(['failing']);
    const executions = runtime.escalations
      .list()
      .filter((execution) => execution.input.webhookId === webhook.id);
    expect(executions.map((execution) => [execution.name, execution.status])).toEqual([
      [`${webhook.id}-1`, 'RUNNING'],
    ]);
    expect(await runtime.dependencies.endpointHealth.getFailureState(runtime.accountId, webhook.id)).toEqual({
      consecutiveFailures: 0,
      episode: 1,
      episodeState: 'escalated',
      healthySince: expect.any(String),
    });
  });
});
