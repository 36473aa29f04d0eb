import { describe, expect, it } from 'vitest';
import { alertMessage, type EscalationInput } from '../../lambdas/domain/escalation.js';
import { MAX_QUOTED_NAME, quoted, safeLine } from '../../lambdas/domain/mail-text.js';

const INPUT: EscalationInput = {
  accountId: 'acc_1',
  webhookId: 'wh_abc',
  episode: 1,
  consecutiveFailures: 1,
  threshold: 1,
  lastStatusCode: 500,
  lastError: null,
  lastDeliveryId: 'dlv_x_abc',
  lastEventType: 'order.created',
  failedAt: '2025-01-15T10:00:00.000Z',
  waitSeconds: 3600,
};

/** Every character an email header or a reader could be fooled by. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('safeLine and quoted (tenant text in emails)', () => {
  it('keeps ordinary text, emoji and accents as they are, in quotes', () => {
    // Prepare
    const name = 'Zahlungen 💳 — café 👩‍👩‍👧';
    // Act
    const result = quoted(name);
    // Assess
    expect(result).toBe(`"${name}"`);
  });

  it('turns a CRLF header-injection attempt into one line', () => {
    // Prepare
    const name = 'Orders\r\nBcc: victim@example.com\r\n\r\nClick https://evil.example';
    // Act
    const result = quoted(name);
    // Assess
    expect(result).toBe('"Orders Bcc: victim@example.com Click https://evil.example"');
    expect(result).not.toMatch(/[\r\n]/);
  });

  it('removes NUL, other C0 and C1 controls, DEL and the Unicode line separators', () => {
    // Prepare
    const name = 'a\u0000b\u0007c\u001bd\u007fe\u0085f\u009bg\u2028h\u2029i\tj';
    // Act
    const result = safeLine(name, 80);
    // Assess
    expect(result).toBe('a b c d e f g h i j');
    expect(result).not.toMatch(UNSAFE);
  });

  it('removes bidi overrides and isolates (a name cannot reorder the text after it)', () => {
    // Prepare: U+202E would show "Orders gnp.exe" as "Orders exe.png".
    const name = 'Orders \u202egnp.exe\u202c \u2066x\u2069 \u200f';
    // Act
    const result = safeLine(name, 80);
    // Assess
    expect(result).toBe('Orders gnp.exe x');
    expect(result).not.toMatch(UNSAFE);
  });

  it('replaces lone surrogates, keeps well-formed pairs', () => {
    // Prepare
    const name = `high \ud83d alone, low \ude00 alone, pair \ud83d\ude00`;
    // Act
    const result = safeLine(name, 80);
    // Assess
    expect(result).toBe('high \ufffd alone, low \ufffd alone, pair 😀');
    expect(Buffer.from(result, 'utf8').toString('utf8')).toBe(result);
  });

  it('cuts long text to the bound with an ellipsis, never inside an emoji', () => {
    // Prepare
    const long = 'x'.repeat(10_000);
    const emoji = '👩‍👩‍👧'.repeat(100);
    // Act
    const cut = safeLine(long, MAX_QUOTED_NAME);
    const cutEmoji = safeLine(emoji, 10);
    // Assess
    expect(cut).toBe(`${'x'.repeat(MAX_QUOTED_NAME - 1)}…`);
    expect(cutEmoji).toBe(`${'👩‍👩‍👧'.repeat(9)}…`);
    expect(safeLine('exactly ten', 11)).toBe('exactly ten');
  });

  it('cannot be closed early by a double quote inside', () => {
    // Act
    const result = quoted('a" (fake) "b');
    // Assess
    expect(result).toBe(`"a' (fake) 'b"`);
  });
});

describe('alert subjects and bodies with hostile names', () => {
  it('carry a quoted, bounded, single-line name and a bounded error', () => {
    // Prepare
    const name = `Evil\r\nBcc: all@example.com\u0000\u202e${'n'.repeat(10_000)}`;
    // Act
    const message = alertMessage('failing', {
      webhook: { id: 'wh_abc', name, url: 'https://example.com/hooks' },
      input: { ...INPUT, lastError: `boom\r\nX-Injected: 1${'e'.repeat(1000)}` },
      link: '/v1/webhooks/wh_abc/deliveries?status=failed',
    });
    // Assess
    expect(message.subject).toMatch(/^Webhook endpoint failing: "Evil Bcc: all@example.com n+…"$/);
    expect(message.subject).not.toMatch(UNSAFE);
    expect(message.subject.length).toBeLessThanOrEqual('Webhook endpoint failing: '.length + 82);
    const errorLine = message.text.split('\n').find((line) => line.startsWith('Last error:'));
    expect(errorLine).toMatch(/^Last error: boom X-Injected: 1e+…$/);
    expect(message.text.split('\n').some((line) => line.startsWith('X-Injected'))).toBe(false);
  });
});
