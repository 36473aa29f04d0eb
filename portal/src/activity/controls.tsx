import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorMessage } from '../components/common.js';
import { href, navigate } from '../router.js';
import { usePortal } from '../session.js';
import type { Webhook } from '../types.js';

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));

const BADGES = {
  active: { symbol: '✓', label: 'Active' },
  paused: { symbol: '❚❚', label: 'Paused' },
  disabled: { symbol: '✗', label: 'Disabled' },
} as const;

/** The status in words with a symbol (never colour alone); a disabled one's reason after it. */
export function StatusBadge({ webhook }: { webhook: Webhook }) {
  const badge = BADGES[webhook.status];
  return (
    <>
      <span class={`badge ${webhook.status}`}>
        <span aria-hidden="true">{badge.symbol} </span>
        {badge.label}
      </span>
      {webhook.status === 'disabled' && webhook.disabled_reason ? (
        <span class="act-reason"> Reason: {webhook.disabled_reason}</span>
      ) : null}
    </>
  );
}

/** Seed 000's "When paused" note, shown by the button and at the top while paused. */
export function PauseNote() {
  return (
    <ul class="act-pause-note">
      <li>Events are NOT queued</li>
      <li>Events during pause are lost</li>
      <li>Resume anytime</li>
    </ul>
  );
}

/**
 * "Webhook Status" (seed 000's "Pause Webhook"): PATCH status paused / active. A disabled webhook
 * can be resumed too (the service re-enables it). Only rendered for a session that may write.
 */
export function PauseControl({ webhook, onChanged }: { webhook: Webhook; onChanged: () => void }) {
  const { api } = usePortal();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const active = webhook.status === 'active';
  const change = async () => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await api.request('PATCH', `/v1/webhooks/${encodeURIComponent(webhook.id)}`, {
        status: active ? 'paused' : 'active',
      });
      setDone(active ? 'The webhook is paused.' : 'The webhook is active again.');
      onChanged();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="act-status" class="act-panel">
      <h2 id="act-status">Webhook Status</h2>
      <p>
        {active
          ? 'Active (currently sending). Temporarily stop sending without deleting:'
          : webhook.status === 'paused'
            ? 'Paused (not sending).'
            : 'Disabled (not sending).'}
      </p>
      <p class="act-note-title">When paused:</p>
      <PauseNote />
      <button type="button" class={active ? 'secondary' : ''} onClick={change} disabled={busy}>
        {active ? 'Pause Webhook' : 'Resume Webhook'}
      </button>
      <div role="status" class="act-live">
        {done ? <p class="success">{done}</p> : null}
      </div>
      <ErrorMessage error={error} />
    </section>
  );
}

/**
 * "Delete Webhook" with seed 000's confirmation, in a native modal `<dialog>` (focus moves in,
 * Escape closes, the page behind is inert). After the delete the portal goes to the list.
 */
export function DeleteControl({ webhook }: { webhook: Webhook }) {
  const { api } = usePortal();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const open = () => {
    setError(undefined);
    dialog.current?.showModal();
  };
  const close = () => dialog.current?.close();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.request('DELETE', `/v1/webhooks/${encodeURIComponent(webhook.id)}`);
      dialog.current?.close();
      navigate(href('webhooks'));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="act-delete" class="act-panel act-danger-zone">
      <h2 id="act-delete">Delete Webhook</h2>
      <p>Stops all deliveries and deletes the webhook's configuration and delivery history.</p>
      <button type="button" class="danger" ref={opener} onClick={open}>
        Delete Webhook
      </button>
      <dialog
        ref={dialog}
        class="act-dialog"
        aria-labelledby="act-delete-title"
        aria-describedby="act-delete-question"
        onClose={() => opener.current?.focus()}
      >
        <h2 id="act-delete-title">Delete Webhook</h2>
        <p id="act-delete-question">Are you sure you want to delete "{webhook.name}"?</p>
        <p>This will:</p>
        <ul>
          <li>Stop all webhook deliveries immediately</li>
          <li>Delete webhook configuration</li>
          <li>Delete delivery history</li>
        </ul>
        <p>
          <strong>This cannot be undone.</strong>
        </p>
        <ErrorMessage error={error} />
        <div class="actions act-dialog-actions">
          <button type="button" class="secondary" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={remove} disabled={busy}>
            Delete Webhook
          </button>
        </div>
      </dialog>
    </section>
  );
}
