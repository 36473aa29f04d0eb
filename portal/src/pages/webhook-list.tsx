import { useState } from 'preact/hooks';
import { ErrorMessage, Loading, PageTitle, useLoad } from '../components/common.js';
import { eventsSummary, StatusBadge } from '../config/status.js';
import { href, navigate } from '../router.js';
import { usePortal } from '../session.js';
import type { Page, Webhook } from '../types.js';
import '../config-screens.css';

/** GET /v1/webhooks/{id}/stats (lambdas/http/representations.ts webhookStatsResource). */
interface WebhookStats {
  readonly last_24h: { readonly total_deliveries: number; readonly success_rate: number };
}

const PAGE_SIZE = 20;

/** `#/webhooks`: the account's endpoints, a page at a time, with each one's last-24 h success rate. */
export function WebhookList() {
  const { api, session } = usePortal();
  // The cursors of the pages before the current one, and the current one's (undefined: the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const list = useLoad(
    () =>
      api.request<Page<Webhook>>(
        'GET',
        `/v1/webhooks?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    [cursor],
  );
  const add = session.readOnly ? null : (
    <button type="button" onClick={() => navigate(href('webhooks', 'new'))}>
      Add Webhook
    </button>
  );
  const webhooks = list.data?.data ?? [];
  const firstPage = cursors.length === 0;

  return (
    <section>
      <PageTitle actions={add}>Webhooks</PageTitle>
      {list.loading && !list.data ? <Loading what="webhooks" /> : null}
      <ErrorMessage error={list.error} />
      {list.data && webhooks.length === 0 && firstPage ? (
        <div class="empty" data-testid="webhooks-empty">
          <p>
            <strong>No webhooks yet.</strong> A webhook sends an HTTP POST to your URL whenever one of the
            events it subscribes to happens.
          </p>
          {session.readOnly ? (
            <p class="muted">This session is read-only, so webhooks cannot be added here.</p>
          ) : (
            <p>Use “Add Webhook” to create your first endpoint.</p>
          )}
        </div>
      ) : null}
      {webhooks.length > 0 ? (
        <table>
          <caption class="visually-hidden">Your webhooks</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Endpoint URL</th>
              <th scope="col">Status</th>
              <th scope="col">Events</th>
              <th scope="col">Success rate (last 24 h)</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.map((webhook) => (
              <tr key={webhook.id}>
                <th scope="row">
                  <a href={href('webhooks', webhook.id)}>{webhook.name}</a>
                </th>
                <td class="url-cell">
                  <code>{webhook.url}</code>
                </td>
                <td>
                  <StatusBadge webhook={webhook} />
                </td>
                <td>{eventsSummary(webhook.events)}</td>
                <td>
                  <SuccessRate id={webhook.id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data && (!firstPage || list.data.next_cursor) ? (
        <nav class="pager" aria-label="Webhook pages">
          <button
            type="button"
            class="secondary"
            disabled={firstPage}
            onClick={() => {
              setCursor(cursors[cursors.length - 1]);
              setCursors(cursors.slice(0, -1));
            }}
          >
            Previous page
          </button>
          <button
            type="button"
            class="secondary"
            disabled={!list.data.next_cursor}
            onClick={() => {
              setCursors([...cursors, cursor]);
              setCursor(list.data?.next_cursor ?? undefined);
            }}
          >
            Next page
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function SuccessRate({ id }: { id: string }) {
  const { api } = usePortal();
  const stats = useLoad(
    () => api.request<WebhookStats>('GET', `/v1/webhooks/${encodeURIComponent(id)}/stats`),
    [id],
  );
  if (stats.error) return <span class="muted">Unavailable</span>;
  if (!stats.data) return <span class="muted">…</span>;
  const { total_deliveries: deliveries, success_rate } = stats.data.last_24h;
  if (deliveries === 0) return <span class="muted">No deliveries</span>;
  return (
    <span>
      {success_rate}%{' '}
      <span class="muted">
        of {deliveries.toLocaleString()} {deliveries === 1 ? 'delivery' : 'deliveries'}
      </span>
    </span>
  );
}
