import type { Webhook } from '../types.js';
import '../config-screens.css';

const LABELS = { active: 'Active', paused: 'Paused', disabled: 'Disabled' } as const;

/** A webhook's status in words (never by colour alone), with the reason it was disabled. */
export function StatusBadge({ webhook }: { webhook: Pick<Webhook, 'status' | 'disabled_reason'> }) {
  return (
    <>
      <span class={`badge ${webhook.status}`}>{LABELS[webhook.status] ?? webhook.status}</span>
      {webhook.status === 'disabled' && webhook.disabled_reason ? (
        <span class="status-reason">{webhook.disabled_reason}</span>
      ) : null}
    </>
  );
}

export const eventsSummary = (events: readonly string[]): string =>
  events.length === 0 ? 'All events' : events.join(', ');
