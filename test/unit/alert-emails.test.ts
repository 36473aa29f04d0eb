import { describe, expect, it } from 'vitest';
import {
  alertEmailStatus,
  confirmationLink,
  confirmationMessage,
  hashConfirmationToken,
  isConfirmationToken,
  newConfirmationToken,
  resendAllowedBefore,
} from '../../lambdas/domain/alert-emails.js';

describe('alert-address confirmation (domain)', () => {
  it('mints unguessable single-purpose tokens: 260 random bits behind their own prefix', () => {
    // Act
    const tokens = Array.from({ length: 200 }, () => newConfirmationToken());
    // Assess
    expect(new Set(tokens).size).toBe(200);
    for (const token of tokens) expect(isConfirmationToken(token)).toBe(true);
    expect(isConfirmationToken(`ak_${tokens[0]!.slice(4)}`)).toBe(false);
    expect(isConfirmationToken(`${tokens[0]}x`)).toBe(false);
  });

  it('stores a hash that differs from an API-key hash of the same text', () => {
    // Prepare
    const token = newConfirmationToken();
    // Act
    const hash = hashConfirmationToken(token);
    // Assess
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(hashConfirmationToken(token)).toBe(hash);
  });

  it('counts platform-set addresses (any case) and link-confirmed ones as confirmed, no others', () => {
    // Prepare
    const account = {
      alertEmail: 'Billing@Acme.example',
      alertEmails: ['oncall@acme.example'],
      confirmedAlertEmails: ['dev@acme.example'],
    };
    // Act / Assess
    expect(alertEmailStatus('ONCALL@acme.example', account)).toBe('confirmed');
    expect(alertEmailStatus('billing@acme.example', account)).toBe('confirmed');
    expect(alertEmailStatus('Dev@Acme.example', account)).toBe('confirmed');
    expect(alertEmailStatus('new@acme.example', account)).toBe('pending_confirmation');
    expect(alertEmailStatus('new@acme.example', undefined)).toBe('pending_confirmation');
  });

  it('allows a new confirmation mail only once the last link has expired (7 days)', () => {
    // Act
    const before = resendAllowedBefore(new Date('2025-01-15T10:00:00.000Z'));
    // Assess
    expect(before).toBe('2025-01-08T10:00:00.000Z');
  });

  it('writes a mail with the link and no tenant-written text', () => {
    // Act
    const message = confirmationMessage({
      accountId: 'acc_1\r\nBcc: x@y',
      link: confirmationLink('https://api.example.com/prod/', 'ect_abc'),
      expiresAt: '2025-01-22T10:00:00.000Z',
    });
    // Assess
    expect(message.subject).toBe('Confirm webhook alert emails');
    expect(message.text).toContain('https://api.example.com/prod/v1/email-confirmations/ect_abc');
    expect(message.text).toContain('(acc_1 Bcc: x@y)');
    expect(message.text.split('\n').some((line) => line.startsWith('Bcc'))).toBe(false);
  });
});
