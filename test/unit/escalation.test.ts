import { describe, expect, it } from 'vitest';
import {
  type AlertContext,
  afterFailure,
  alertMessage,
  cooldownOf,
  countsTowardEscalation,
  deliveriesLink,
  disabledReason,
  type EscalationInput,
  escalationInput,
  executionName,
  humanDuration,
  isOperationalEventType,
  mailDay,
  operationalEvent,
  portalWebhookLink,
  recheck,
  type Transition,
} from '../../lambdas/domain/escalation.js';
import { isEventId } from '../../lambdas/domain/ids.js';
import type { EpisodeState, FailureState } from '../../lambdas/domain/model.js';
import { parseEscalationTask } from '../../lambdas/messages/escalation-task.js';

const state = (
  consecutiveFailures: number,
  episodeState: EpisodeState = 'closed',
  episode = 0,
): FailureState => ({
  consecutiveFailures,
  episode,
  episodeState,
});

const INPUT: EscalationInput = {
  accountId: 'acc_1',
  webhookId: 'wh_abc',
  episode: 2,
  consecutiveFailures: 3,
  threshold: 3,
  lastStatusCode: 503,
  lastError: null,
  lastDeliveryId: 'dlv_x_abc',
  lastEventType: 'order.created',
  failedAt: '2025-01-15T10:00:00.000Z',
  waitSeconds: 72 * 3600,
};

const CONTEXT: AlertContext = {
  webhook: { id: 'wh_abc', name: 'Orders', url: 'https://example.com/hooks' },
  input: INPUT,
  link: 'https://api.example.com/prod/v1/webhooks/wh_abc/deliveries?status=failed',
};

describe('afterFailure (when a failed attempt escalates)', () => {
  it('does nothing below the threshold', () => {
    expect(afterFailure(state(2), 3)).toEqual({ kind: 'none' });
  });

  it('opens an episode when the streak reaches the threshold with none open', () => {
    expect(afterFailure(state(3), 3)).toEqual({ kind: 'open' });
  });

  it('opens one past the threshold too (a threshold lowered mid-streak, a streak that outlived an ended episode)', () => {
    expect(afterFailure(state(10, 'closed', 4), 3)).toEqual({ kind: 'open' });
  });

  it('does nothing while the episode is escalated: more failures in one episode start nothing', () => {
    expect(afterFailure(state(4, 'escalated', 1), 3)).toEqual({ kind: 'none' });
    expect(afterFailure(state(50, 'escalated', 1), 3)).toEqual({ kind: 'none' });
  });

  it('resumes an episode opened but never confirmed started, under its own number', () => {
    expect(afterFailure(state(4, 'open', 7), 3)).toEqual({ kind: 'resume', episode: 7 });
  });
});

describe('recheck (after the wait)', () => {
  const active = { status: 'active' as const };
  const NOW = new Date('2025-01-15T10:00:00.000Z');
  const at = { now: NOW, cooldownSeconds: 600 };

  it('is failing when the same episode is still running on an active endpoint', () => {
    expect(recheck({ episode: 2, webhook: active, state: state(9, 'escalated', 2), ...at })).toEqual({
      outcome: 'failing',
    });
  });

  it('is recovered when a 2xx (or a re-enable) closed the episode', () => {
    expect(recheck({ episode: 2, webhook: active, state: state(0, 'closed', 2), ...at })).toEqual({
      outcome: 'recovered',
    });
  });

  it('ends when the endpoint was deleted, paused or disabled meanwhile', () => {
    expect(recheck({ episode: 2, webhook: undefined, state: undefined, ...at })).toEqual({
      outcome: 'ended',
      reason: 'endpoint_deleted',
    });
    expect(
      recheck({ episode: 2, webhook: { status: 'paused' }, state: state(5, 'escalated', 2), ...at }),
    ).toEqual({
      outcome: 'ended',
      reason: 'endpoint_paused',
    });
    expect(
      recheck({ episode: 2, webhook: { status: 'disabled' }, state: state(5, 'escalated', 2), ...at }),
    ).toEqual({ outcome: 'ended', reason: 'endpoint_disabled' });
  });

  it('waits out the cool-down of an endpoint healthy again, then calls it healthy (to close)', () => {
    // Prepare
    const healthy = (since: string) => ({ ...state(0, 'escalated', 2), healthySince: since });
    // Act
    const cooling = recheck({
      episode: 2,
      webhook: active,
      state: healthy('2025-01-15T09:55:00.500Z'),
      ...at,
    });
    const done = recheck({ episode: 2, webhook: active, state: healthy('2025-01-15T09:50:00.000Z'), ...at });
    const own = recheck({
      episode: 2,
      webhook: active,
      state: healthy('2025-01-15T09:59:00.000Z'),
      now: NOW,
      cooldownSeconds: 30,
    });
    // Assess
    expect(cooling).toEqual({ outcome: 'cooling', waitSeconds: 301 });
    expect(done).toEqual({ outcome: 'healthy', healthySince: '2025-01-15T09:50:00.000Z' });
    expect(own).toEqual({ outcome: 'healthy', healthySince: '2025-01-15T09:59:00.000Z' });
  });

  it('stops cooling 12 hours after the wait: an endpoint healthy now then counts as recovered', () => {
    // Prepare
    const spell = { ...state(0, 'escalated', 2), healthySince: '2025-01-15T09:59:00.000Z' };
    // Act
    const within = recheck({
      episode: 2,
      webhook: active,
      state: spell,
      ...at,
      waitEndedAt: new Date('2025-01-14T22:00:00.001Z'),
    });
    const past = recheck({
      episode: 2,
      webhook: active,
      state: spell,
      ...at,
      waitEndedAt: new Date('2025-01-14T22:00:00.000Z'),
    });
    // Assess
    expect(within).toEqual({ outcome: 'cooling', waitSeconds: 540 });
    expect(past).toEqual({ outcome: 'healthy', healthySince: '2025-01-15T09:59:00.000Z' });
  });

  it('is failing again when a failure came after the healthy spell began', () => {
    expect(recheck({ episode: 2, webhook: active, state: state(1, 'escalated', 2), ...at })).toEqual({
      outcome: 'failing',
    });
  });

  it('uses the webhook cool-down over the deployment default, and names the UTC day of a mail', () => {
    expect(cooldownOf({ alerting: { failureThreshold: 1, recoveryCooldownSeconds: 5 } }, 600)).toBe(5);
    expect(cooldownOf({ alerting: { failureThreshold: 1 } }, 600)).toBe(600);
    expect(mailDay(new Date('2025-01-15T23:59:59.999Z'))).toBe('2025-01-15');
  });

  it('ends quietly when a newer episode took over (it has its own execution)', () => {
    expect(recheck({ episode: 2, webhook: active, state: state(3, 'escalated', 3), ...at })).toEqual({
      outcome: 'ended',
      reason: 'superseded',
    });
  });
});

describe('countsTowardEscalation', () => {
  it('counts ordinary events', () => {
    expect(countsTowardEscalation({ type: 'order.created', data: { webhook_id: 'wh_abc' } }, 'wh_abc')).toBe(
      true,
    );
  });

  it('never counts an operational event about the endpoint itself (no feedback loop)', () => {
    expect(
      countsTowardEscalation({ type: 'endpoint.failing', data: { webhook_id: 'wh_abc' } }, 'wh_abc'),
    ).toBe(false);
    expect(
      countsTowardEscalation({ type: 'endpoint.disabled', data: { webhook_id: 'wh_abc' } }, 'wh_abc'),
    ).toBe(false);
  });

  it('counts operational events about other endpoints', () => {
    expect(
      countsTowardEscalation({ type: 'endpoint.failing', data: { webhook_id: 'wh_other' } }, 'wh_abc'),
    ).toBe(true);
  });

  it('knows the operational types', () => {
    expect(
      ['endpoint.failing', 'endpoint.recovered', 'endpoint.disabled'].every(isOperationalEventType),
    ).toBe(true);
    expect(isOperationalEventType('endpoint.created')).toBe(false);
  });
});

describe('execution names', () => {
  it('derive from endpoint and episode, within Step Functions limits', () => {
    expect(executionName('wh_abc', 3)).toBe('wh_abc-3');
    expect(executionName('wh_abc', 3)).toBe(executionName('wh_abc', 3));
    expect(executionName('wh_abc', 4)).not.toBe(executionName('wh_abc', 3));
    expect(executionName(`wh_${'a'.repeat(100)}`, 1)).toHaveLength(80);
    expect(executionName('wh_a.b', 1)).toMatch(/^[0-9A-Za-z_-]+$/);
  });
});

describe('escalationInput', () => {
  it('carries what the alerts need, with the error bounded', () => {
    const input = escalationInput({
      webhook: { id: 'wh_abc', accountId: 'acc_1', alerting: { failureThreshold: 2 } },
      episode: 1,
      consecutiveFailures: 2,
      attempt: { error: 'x'.repeat(2000), finishedAt: '2025-01-15T10:00:00.000Z' },
      deliveryId: 'dlv_1',
      eventType: 'order.created',
      waitSeconds: 2,
    });
    expect(input).toMatchObject({ threshold: 2, lastStatusCode: null, waitSeconds: 2, episode: 1 });
    expect(input.lastError).toHaveLength(500);
  });
});

describe('alert messages', () => {
  it('say what failed, the last status and error, the attempts, the wait, and link the deliveries', () => {
    const { subject, text } = alertMessage('failing', CONTEXT);
    expect(subject).toBe('Webhook endpoint failing: "Orders"');
    expect(text).toContain('failed 3 consecutive delivery attempts (threshold 3)');
    expect(text).toContain('HTTP 503');
    expect(text).toContain('Last error: none');
    expect(text).toContain('order.created');
    expect(text).toContain('within 3 days');
    expect(text).toContain(CONTEXT.link);
  });

  it('say "no HTTP response" for a timeout or connection error', () => {
    const { text } = alertMessage('failing', {
      ...CONTEXT,
      input: { ...INPUT, lastStatusCode: null, lastError: 'connect ECONNREFUSED' },
    });
    expect(text).toContain('no HTTP response');
    expect(text).toContain('connect ECONNREFUSED');
  });

  it('tell how to re-enable a disabled endpoint and retry what failed', () => {
    const { subject, text } = alertMessage('disabled', {
      ...CONTEXT,
      disabledReason: 'Disabled by escalation: x',
    });
    expect(subject).toBe('Webhook endpoint disabled: "Orders"');
    expect(text).toContain('Disabled by escalation: x');
    expect(text).toContain('"status":"active"');
    expect(text).toContain('/retry-failed');
  });

  it('announce a recovery', () => {
    expect(alertMessage('recovered', CONTEXT).subject).toBe('Webhook endpoint recovered: "Orders"');
  });

  it('describe durations and links', () => {
    expect(humanDuration(72 * 3600)).toBe('3 days');
    expect(humanDuration(3600)).toBe('1 hour');
    expect(humanDuration(120)).toBe('2 minutes');
    expect(humanDuration(2)).toBe('2 seconds');
    expect(deliveriesLink('https://x.example/prod/', 'wh_a')).toBe(
      'https://x.example/prod/v1/webhooks/wh_a/deliveries?status=failed',
    );
    expect(deliveriesLink(undefined, 'wh_a')).toBe('/v1/webhooks/wh_a/deliveries?status=failed');
    expect(disabledReason({ consecutiveFailures: 4, waitSeconds: 2 })).toContain(
      '4 consecutive failed attempts',
    );
  });
});

describe('portal links in alert messages', () => {
  const TRANSITIONS: Transition[] = ['failing', 'recovered', 'disabled'];
  const PORTAL_LINK = 'https://portal.example.com/#/webhooks/wh_abc';

  it("link the webhook's page in the portal, after the failed deliveries, in each alert", () => {
    for (const transition of TRANSITIONS) {
      // Act
      const { text } = alertMessage(transition, { ...CONTEXT, portalLink: PORTAL_LINK });
      // Assess
      const lines = text.split('\n');
      expect(lines.at(-1), transition).toBe(`Open this webhook in the portal: ${PORTAL_LINK}`);
      expect(lines.at(-2), transition).toBe(`Failed deliveries: ${CONTEXT.link}`);
    }
  });

  it('keep their content without a portal', () => {
    for (const transition of TRANSITIONS) {
      // Act
      const { text } = alertMessage(transition, CONTEXT);
      // Assess
      expect(text, transition).not.toContain('portal');
      expect(text.split('\n').at(-1), transition).toBe(`Failed deliveries: ${CONTEXT.link}`);
    }
  });

  it("build the page's link from the portal URL: the id encoded, a fragment of the base URL replaced", () => {
    // Act and Assess
    expect(portalWebhookLink('https://portal.example.com/', 'wh_abc')).toBe(PORTAL_LINK);
    expect(portalWebhookLink('http://127.0.0.1:3000/portal/', 'wh_abc')).toBe(
      'http://127.0.0.1:3000/portal/#/webhooks/wh_abc',
    );
    expect(portalWebhookLink('https://portal.example.com/app#/old', 'wh_abc')).toBe(
      'https://portal.example.com/app#/webhooks/wh_abc',
    );
    expect(portalWebhookLink('https://portal.example.com/', 'wh a/b?#')).toBe(
      'https://portal.example.com/#/webhooks/wh%20a%2Fb%3F%23',
    );
    expect(portalWebhookLink(undefined, 'wh_abc')).toBeUndefined();
    expect(portalWebhookLink('', 'wh_abc')).toBeUndefined();
  });
});

describe('operational events', () => {
  const now = new Date('2025-01-18T10:00:00.000Z');

  it('have a stable id per transition, endpoint and episode (a retried Task publishes the same event)', () => {
    const first = operationalEvent('failing', CONTEXT, { accountId: 'acc_1', now });
    const again = operationalEvent('failing', CONTEXT, { accountId: 'acc_1', now: new Date() });
    expect(again.id).toBe(first.id);
    expect(isEventId(first.id)).toBe(true);
    const disabled = operationalEvent('disabled', CONTEXT, { accountId: 'acc_1', now });
    const nextEpisode = operationalEvent(
      'failing',
      { ...CONTEXT, input: { ...INPUT, episode: 3 } },
      {
        accountId: 'acc_1',
        now,
      },
    );
    expect(new Set([first.id, disabled.id, nextEpisode.id]).size).toBe(3);
  });

  it('carry the endpoint and what happened in data', () => {
    const failing = operationalEvent('failing', CONTEXT, { accountId: 'acc_1', now });
    expect(failing).toMatchObject({
      type: 'endpoint.failing',
      accountId: 'acc_1',
      timestamp: now.toISOString(),
      data: {
        webhook_id: 'wh_abc',
        episode: 2,
        consecutive_failures: 3,
        last_status_code: 503,
        disables_at: '2025-01-18T10:00:00.000Z',
      },
    });
    expect(operationalEvent('recovered', CONTEXT, { accountId: 'acc_1', now }).data).toEqual({
      webhook_id: 'wh_abc',
      name: 'Orders',
      url: 'https://example.com/hooks',
      episode: 2,
    });
  });
});

describe('parseEscalationTask (the escalation Lambda payload)', () => {
  it('accepts the payload the state machine sends, ignoring earlier results', () => {
    const parsed = parseEscalationTask({
      task: 'notifyDisabled',
      input: {
        ...INPUT,
        check: { outcome: 'failing' },
        disable: { outcome: 'disabled', disabledReason: 'why' },
      },
    });
    expect(parsed).toEqual({ task: 'notifyDisabled', input: INPUT, disabledReason: 'why' });
  });

  it('names what is wrong with a malformed payload', () => {
    expect(parseEscalationTask({ task: 'explode', input: { ...INPUT, episode: 0 } })).toEqual({
      problems: ['task', 'input.episode'],
    });
    expect(parseEscalationTask('nope')).toEqual({ problems: ['input'] });
  });
});
