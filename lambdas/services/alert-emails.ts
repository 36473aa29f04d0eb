import {
  type AlertEmailStatus,
  alertEmailStatus,
  CONFIRMATION_TTL_SECONDS,
  confirmationLink,
  confirmationMessage,
  hashConfirmationToken,
  isConfirmationToken,
  MAX_CONFIRMATION_MAILS_PER_ACCOUNT_PER_DAY,
  newConfirmationToken,
  normaliseEmail,
  resendAllowedBefore,
} from '../domain/alert-emails.js';
import { DomainError } from '../domain/errors.js';
import type { Dependencies } from './dependencies.js';

/**
 * Who gets alert mail (docs/escalation.md): confirmed addresses only. A webhook naming a new address
 * queues one confirmation mail for it; the reconciler sends queued mails; the link confirms.
 */

/**
 * A webhook of `accountId` names `address` as its alert email: unless the platform set it or it is
 * confirmed already, mark it pending and queue one confirmation mail, at most one per address and
 * account per link lifetime (re-using a pending address sends nothing), and at most
 * MAX_CONFIRMATION_MAILS_PER_ACCOUNT_PER_DAY new addresses per account and day (beyond: 429
 * quota_exceeded, nothing written). Returns its status.
 */
export async function useAlertEmail(
  deps: Pick<Dependencies, 'accounts' | 'alertEmails' | 'clock'>,
  accountId: string,
  address: string,
): Promise<AlertEmailStatus> {
  const key = normaliseEmail(address);
  const account = await deps.accounts.get(accountId);
  if (alertEmailStatus(key, account) === 'confirmed') return 'confirmed';
  const record = await deps.alertEmails.get(accountId, key);
  if (record?.status === 'confirmed') return 'confirmed';
  const now = deps.clock.now();
  const resendBefore = resendAllowedBefore(now);
  // Only a use that will queue a mail spends one of the account's daily confirmation mails.
  const needsMail = !record || record.requestedAt < resendBefore;
  if (
    needsMail &&
    !(await deps.alertEmails.claimConfirmationSlot(
      accountId,
      now.toISOString().slice(0, 10),
      MAX_CONFIRMATION_MAILS_PER_ACCOUNT_PER_DAY,
    ))
  ) {
    throw new DomainError(
      'quota_exceeded',
      `At most ${MAX_CONFIRMATION_MAILS_PER_ACCOUNT_PER_DAY} new alert email addresses per account per day; use a confirmed one or try again tomorrow`,
    );
  }
  await deps.alertEmails.requestConfirmation(accountId, key, address, now.toISOString(), resendBefore);
  return 'pending_confirmation';
}

/** The status of each of the account's addresses (by normalised address), for webhook resources. */
export async function alertEmailStatuses(
  deps: Pick<Dependencies, 'accounts'>,
  accountId: string,
  addresses: readonly string[],
): Promise<Map<string, AlertEmailStatus>> {
  const keys = [...new Set(addresses.map(normaliseEmail))];
  const statuses = new Map<string, AlertEmailStatus>();
  if (keys.length === 0) return statuses;
  const account = await deps.accounts.get(accountId);
  for (const key of keys) statuses.set(key, alertEmailStatus(key, account));
  return statuses;
}

/** At most this many confirmation mails per sweep (the reconciler runs every few minutes). */
const SWEEP_LIMIT = 25;

/**
 * Sends the queued confirmation mails: each is claimed (a conditional delete: two sweeps never
 * both send it), gets a fresh token whose hash is stored, and is mailed; a failed send is put back
 * for the next sweep. Returns how many were sent.
 */
export async function sendQueuedConfirmations(
  deps: Pick<Dependencies, 'alertEmails' | 'mailer' | 'clock' | 'escalationSettings'>,
  limit = SWEEP_LIMIT,
): Promise<number> {
  let sent = 0;
  for (const entry of await deps.alertEmails.listQueued(limit)) {
    if (!(await deps.alertEmails.claimQueued(entry))) continue;
    const record = await deps.alertEmails.get(entry.accountId, normaliseEmail(entry.address));
    if (record?.status !== 'pending') continue;
    try {
      const token = newConfirmationToken();
      const expiresAt = new Date(deps.clock.now().getTime() + CONFIRMATION_TTL_SECONDS * 1000).toISOString();
      await deps.alertEmails.putToken({
        tokenHash: hashConfirmationToken(token),
        accountId: entry.accountId,
        address: normaliseEmail(entry.address),
        expiresAt,
      });
      const link = confirmationLink(deps.escalationSettings.apiBaseUrl, token);
      await deps.mailer.send({
        to: entry.address,
        ...confirmationMessage({ accountId: entry.accountId, link, expiresAt }),
      });
      sent += 1;
    } catch (error) {
      await deps.alertEmails.requeue(entry);
      throw error;
    }
  }
  return sent;
}

const invalidLink = () => new DomainError('not_found', 'This confirmation link is unknown or has expired');

/**
 * GET /v1/email-confirmations/{token}: confirms the address the token was minted for. Repeating it
 * answers the same; an unknown, malformed or expired token is a 404 that changes nothing. The answer
 * names only the address (which the mail's reader knows), never the account.
 */
export async function confirmAlertEmail(
  deps: Pick<Dependencies, 'alertEmails' | 'clock'>,
  token: string,
): Promise<{ email: string; status: 'confirmed'; confirmedAt: string }> {
  if (!isConfirmationToken(token)) throw invalidLink();
  const found = await deps.alertEmails.findToken(hashConfirmationToken(token));
  const now = deps.clock.now();
  if (!found || !(Date.parse(found.expiresAt) > now.getTime())) throw invalidLink();
  const record = await deps.alertEmails.confirm(found.accountId, found.address, now.toISOString());
  if (!record) throw invalidLink();
  // The account's set is what alerting reads; a repeat of the link repairs a crash in between.
  await deps.alertEmails.addConfirmed(found.accountId, found.address);
  return { email: record.address, status: 'confirmed', confirmedAt: record.confirmedAt ?? now.toISOString() };
}
