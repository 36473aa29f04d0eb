import { createHash, randomBytes } from 'node:crypto';
import { safeLine } from './mail-text.js';
import type { Account } from './model.js';

/**
 * Alert addresses must be confirmed before an alert reaches them (docs/escalation.md, "Who gets
 * alert mail"): a tenant naming an address on a webhook makes the service send it one confirmation
 * mail with a single-purpose link; addresses the platform sets on the account count as confirmed.
 * Pure decisions; the token's randomness comes from node:crypto as the other ids do.
 */

/** How long a confirmation link works, and how long before the same address gets a new one. */
export const CONFIRMATION_TTL_SECONDS = 7 * 86_400;
/**
 * New alert addresses (confirmation mails) one account may start per UTC day: bounds what a tenant
 * naming address after address can make the service mail.
 */
export const MAX_CONFIRMATION_MAILS_PER_ACCOUNT_PER_DAY = 10;
/** At most this many platform-set alert addresses per account. */
export const MAX_ACCOUNT_ALERT_EMAILS = 20;

export type AlertEmailStatus = 'pending_confirmation' | 'confirmed';

/** An address a tenant named, per account (the config table's ALERTEMAIL# items). */
export interface AlertEmailRecord {
  readonly accountId: string;
  /** As first given (the mail goes there); compared in normalised form. */
  readonly address: string;
  readonly status: 'pending' | 'confirmed';
  /** ISO 8601: when the last confirmation mail was queued. */
  readonly requestedAt: string;
  readonly confirmedAt?: string;
}

/** A confirmation mail waiting to be sent (the outbox the reconciler empties). */
export interface QueuedConfirmation {
  readonly accountId: string;
  readonly address: string;
  readonly requestedAt: string;
}

/** What a confirmation token stands for; only its hash is stored. */
export interface ConfirmationToken {
  readonly tokenHash: string;
  readonly accountId: string;
  readonly address: string;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/** Addresses compare without case or surrounding space (one mailbox, one confirmation). */
export const normaliseEmail = (address: string): string => address.trim().toLowerCase();

/** `ect_` + 52 base32 characters: 260 random bits, a prefix no other token of the service uses. */
const TOKEN = /^ect_[0-9a-z]{52}$/;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export function newConfirmationToken(): string {
  const bytes = randomBytes(33);
  let bits = 0;
  let value = 0;
  let body = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && body.length < 52) {
      body += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `ect_${body}`;
}

export const isConfirmationToken = (token: string): boolean => TOKEN.test(token);

export const hashConfirmationToken = (token: string): string =>
  createHash('sha256').update(`email-confirmation:${token}`).digest('hex');

/** The addresses the platform set on the account: confirmed without a mail. */
export function platformAddresses(
  account: Pick<Account, 'alertEmail' | 'alertEmails'> | undefined,
): Set<string> {
  const addresses = [...(account?.alertEmails ?? []), ...(account?.alertEmail ? [account.alertEmail] : [])];
  return new Set(addresses.map(normaliseEmail));
}

/**
 * Confirmed: set by the platform, or confirmed through its link (both on the account item, the one
 * source the escalation Tasks read).
 */
export function alertEmailStatus(
  address: string,
  account: Pick<Account, 'alertEmail' | 'alertEmails' | 'confirmedAlertEmails'> | undefined,
): AlertEmailStatus {
  const key = normaliseEmail(address);
  if (platformAddresses(account).has(key) || account?.confirmedAlertEmails?.includes(key)) return 'confirmed';
  return 'pending_confirmation';
}

/** Whether a use of an unconfirmed address may queue a (new) confirmation mail now. */
export const resendAllowedBefore = (now: Date): string =>
  new Date(now.getTime() - CONFIRMATION_TTL_SECONDS * 1000).toISOString();

export function confirmationLink(apiBaseUrl: string | undefined, token: string): string {
  const path = `/v1/email-confirmations/${token}`;
  return apiBaseUrl ? `${apiBaseUrl.replace(/\/+$/, '')}${path}` : path;
}

/**
 * The confirmation mail. It names the account by id only (set by the platform, not by the tenant)
 * and quotes no webhook text: an address is never sent tenant-written content before it opted in.
 */
export function confirmationMessage(input: { accountId: string; link: string; expiresAt: string }): {
  subject: string;
  text: string;
} {
  return {
    subject: 'Confirm webhook alert emails',
    text: [
      `A customer account (${safeLine(input.accountId, 64)}) of our webhook service asked to send alerts about failing webhook endpoints to this address.`,
      '',
      `To receive them, open this link: ${input.link}`,
      `It works until ${input.expiresAt}.`,
      '',
      'If you did not expect this mail, ignore it: nothing else is sent to this address unless it is confirmed.',
    ].join('\n'),
  };
}
