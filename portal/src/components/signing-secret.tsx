import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api.js';
import { ErrorMessage, formatTime } from '../components/common.js';
import { DEFAULT_GRACE_PERIOD_HOURS, MAX_GRACE_PERIOD_HOURS, wholeNumber } from '../config/rules.js';
import { SecretReveal } from '../config/secret-reveal.js';
import { usePortal } from '../session.js';
import type { Webhook } from '../types.js';
import '../config-screens.css';

interface Rotated {
  readonly id: string;
  readonly secret: string;
  readonly rotated_at: string;
}

interface Reveal {
  readonly secret: string;
  /** When the previous secret stops being valid; undefined when it ended at once. */
  readonly oldValidUntil?: string;
}

/**
 * A secret just generated, by webhook id, kept in memory only until the user leaves the webhook's
 * page: the page may reload (and remount this section) after `onRotated` without losing it.
 */
const pending = new Map<string, Reveal>();
if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    for (const id of [...pending.keys()]) {
      if (!window.location.hash.startsWith(`#/webhooks/${encodeURIComponent(id)}`)) pending.delete(id);
    }
  });
}

/**
 * The webhook page's "Signing Secret" section: the prefix; "Regenerate" (POST
 * /v1/webhooks/{id}/rotate-secret, keeping the old secret valid for a grace period, 24 hours by
 * default); after a rotation the new secret once, with "Copy" and the verification snippets.
 * `onRotated` lets the page reload the webhook.
 */
export function SigningSecret({ webhook, onRotated }: { webhook: Webhook; onRotated?: () => void }) {
  const { api, session } = usePortal();
  const [reveal, setReveal] = useState<Reveal | undefined>(() => pending.get(webhook.id));
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState(String(DEFAULT_GRACE_PERIOD_HOURS));
  const [hoursError, setHoursError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  useEffect(() => setReveal(pending.get(webhook.id)), [webhook.id]);
  // Leaving the page forgets the secret even when this section is not re-mounted (a quick way out
  // and back can skip the render in between); the module's listener above runs first.
  useEffect(() => {
    const forgetOnLeave = () => {
      if (!pending.has(webhook.id)) setReveal(undefined);
    };
    window.addEventListener('hashchange', forgetOnLeave);
    return () => window.removeEventListener('hashchange', forgetOnLeave);
  }, [webhook.id]);

  const rotate = async (event: Event) => {
    event.preventDefault();
    const grace = wholeNumber(hours, 0, MAX_GRACE_PERIOD_HOURS);
    if (grace === undefined) {
      setHoursError(`Enter a whole number of hours from 0 to ${MAX_GRACE_PERIOD_HOURS} (7 days)`);
      document.getElementById('grace-hours')?.focus();
      return;
    }
    setHoursError(undefined);
    setBusy(true);
    setError(undefined);
    try {
      const rotated = await api.request<Rotated>(
        'POST',
        `/v1/webhooks/${encodeURIComponent(webhook.id)}/rotate-secret`,
        { grace_period_seconds: grace * 3600 },
      );
      const next: Reveal = {
        secret: rotated.secret,
        oldValidUntil:
          grace > 0 ? new Date(Date.parse(rotated.rotated_at) + grace * 3_600_000).toISOString() : undefined,
      };
      pending.set(webhook.id, next);
      setReveal(next);
      setOpen(false);
      onRotated?.();
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="signing-secret" class="signing-secret">
      <h2 id="signing-secret">Signing Secret</h2>
      <p>
        This secret is used to sign webhook payloads. Verify signatures to ensure requests are from{' '}
        {session.productName ?? 'this service'}.
      </p>
      {reveal ? (
        <>
          <p class="success" role="status">
            New signing secret generated.{' '}
            {reveal.oldValidUntil
              ? `The previous secret stays valid until ${formatTime(reveal.oldValidUntil)}.`
              : 'The previous secret is no longer valid.'}
          </p>
          <SecretReveal secret={reveal.secret} level={3} />
        </>
      ) : (
        <p>
          <span class="muted">Current secret: </span>
          <code data-testid="signing-secret-prefix">{webhook.secret_prefix ?? '—'}…</code>
        </p>
      )}
      {session.readOnly ? null : open ? (
        <form class="rotate" onSubmit={rotate} noValidate aria-labelledby="rotate-heading">
          <h3 id="rotate-heading">Regenerate the signing secret</h3>
          <p>
            A new secret is generated and shown once. Deliveries are signed with both secrets until the old
            one ends, so you can update your receiver without rejecting requests.
          </p>
          <div class="field">
            <label for="grace-hours">Keep the old secret valid for (hours)</label>
            <input
              id="grace-hours"
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_GRACE_PERIOD_HOURS}
              step={1}
              class="short"
              value={hours}
              onInput={(event) => setHours(event.currentTarget.value)}
              aria-invalid={hoursError ? true : undefined}
              aria-describedby={hoursError ? 'grace-hours-hint grace-hours-error' : 'grace-hours-hint'}
            />
            <p class="hint" id="grace-hours-hint">
              {DEFAULT_GRACE_PERIOD_HOURS} hours by default; 0 ends the old secret at once; at most{' '}
              {MAX_GRACE_PERIOD_HOURS} hours (7 days).
            </p>
            {hoursError ? (
              <p class="error" id="grace-hours-error">
                {hoursError}
              </p>
            ) : null}
          </div>
          <ErrorMessage error={error} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Generating…' : 'Generate new secret'}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setOpen(true);
              setError(undefined);
              setTimeout(() => document.getElementById('grace-hours')?.focus(), 0);
            }}
          >
            Regenerate
          </button>
        </p>
      )}
    </section>
  );
}
