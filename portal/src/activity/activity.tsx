import { ErrorMessage, useLoad } from '../components/common.js';
import { usePortal } from '../session.js';
import type { Webhook } from '../types.js';
import { HourlyChart, loadHourlySeries } from './chart.js';
import { RecentDeliveries } from './deliveries.js';
import { formatCount, formatMs } from './format.js';
import type { WebhookStatsResource } from './types.js';

const percent = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${Math.round((part / whole) * 1000) / 10}%`;

/**
 * "View Webhook Activity" (seed 000): the "Last 24 Hours" cards from GET /v1/webhooks/{id}/stats,
 * the per-hour chart (computed from the history, see loadHourlySeries) and "Recent Deliveries".
 * "Refresh" reloads all three; so does any change the page reports through `version`.
 */
export function Activity({
  webhook,
  version,
  onRefresh,
}: {
  webhook: Webhook;
  version: number;
  onRefresh: () => void;
}) {
  const { api } = usePortal();
  const id = encodeURIComponent(webhook.id);
  const stats = useLoad(
    () => api.request<WebhookStatsResource>('GET', `/v1/webhooks/${id}/stats`),
    [id, version],
  );
  const series = useLoad(() => loadHourlySeries(api, webhook.id), [id, version]);
  const last = stats.data?.last_24h;
  const refreshing = stats.loading || series.loading;
  return (
    <section aria-labelledby="act-activity" class="act-panel">
      <div class="act-heading">
        <h2 id="act-activity">Webhook Activity</h2>
        <button
          type="button"
          class="secondary"
          onClick={onRefresh}
          aria-busy={refreshing ? 'true' : undefined}
        >
          Refresh
        </button>
      </div>
      <h3>Last 24 Hours</h3>
      <ErrorMessage error={stats.error} />
      {last ? (
        <ul class="cards act-cards">
          <li class="card">
            <span class="act-card-label">Deliveries</span>
            <span class="value">{formatCount(last.total_deliveries)}</span>
          </li>
          <li class="card">
            <span class="act-card-label">Successful</span>
            <span class="value">{formatCount(last.successful)}</span>
            <span class="muted"> ({percent(last.successful, last.total_deliveries)})</span>
          </li>
          <li class="card">
            <span class="act-card-label">Failed</span>
            <span class="value">{formatCount(last.failed)}</span>
            <span class="muted"> ({percent(last.failed, last.total_deliveries)})</span>
          </li>
          <li class="card">
            <span class="act-card-label">Avg Response</span>
            {/* The API times every attempt, retries included; next to "0 deliveries" a time reads as a
                contradiction, so it shows once a delivery has an outcome. */}
            <span class="value">
              {last.total_deliveries === 0 ? '—' : formatMs(last.avg_response_time_ms)}
            </span>
          </li>
        </ul>
      ) : stats.loading ? (
        <p class="muted" role="status">
          Loading stats…
        </p>
      ) : null}
      <h3>Deliveries per Hour</h3>
      <ErrorMessage error={series.error} />
      {series.data ? (
        <HourlyChart series={series.data} />
      ) : series.loading ? (
        <p class="muted" role="status">
          Loading the chart…
        </p>
      ) : null}
      <RecentDeliveries webhook={webhook} version={version} onChanged={onRefresh} />
    </section>
  );
}
