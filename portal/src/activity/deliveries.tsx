import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorMessage, formatTime } from '../components/common.js';
import { href, navigate } from '../router.js';
import { usePortal } from '../session.js';
import type { Page, Webhook } from '../types.js';
import { formatCount, formatMs, retryProgress, STATUS_TEXT, shortTime } from './format.js';
import { type ActionOutcome, OutcomeStatus } from './outcome.js';
import type { DeliveryStatus, DeliverySummary, RetryFailedResult } from './types.js';

type Filter = 'all' | DeliveryStatus;

const FILTERS: readonly { value: Filter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'failed', label: 'Failed' },
  { value: 'pending', label: 'Pending' },
  { value: 'succeeded', label: 'Succeeded' },
];

const PAGE_SIZE = 20;
/** Gentle auto-refresh while a delivery on screen is pending: every 5 s, for at most 5 minutes. */
const AUTO_REFRESH_MS = 5000;
const AUTO_REFRESH_MAX = 60;

const asApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));

/**
 * A delivery's status in words with a symbol, never by colour alone, and the last status code:
 * "✓ Succeeded 200", "✗ Failed 500", "↻ Retrying 500" (pending after a failed attempt), "↻ Pending".
 */
export function DeliveryStatusText({
  delivery,
}: {
  delivery: Pick<DeliverySummary, 'status' | 'last_status_code'>;
}) {
  const text = STATUS_TEXT[delivery.status];
  const retrying = delivery.status === 'pending' && delivery.last_status_code !== null;
  return (
    <span class={`act-status act-${delivery.status}`}>
      <span aria-hidden="true">{text.symbol} </span>
      {retrying ? 'Retrying' : text.label}
      {delivery.last_status_code !== null ? ` ${delivery.last_status_code}` : ''}
    </span>
  );
}

/**
 * "Recent Deliveries" (seed 000): time, event, status, response time (or "Retry n/m" while one is
 * retrying), a "Show" filter on the API's status filter, "Load more" through next_cursor, "Retry" on
 * failed rows and "Retry All Failed". `version` changes when the page wants the list reloaded
 * (Refresh, a test send); `onChanged` asks the page to refresh everything after a retry.
 */
export function RecentDeliveries({
  webhook,
  version,
  onChanged,
}: {
  webhook: Webhook;
  version: number;
  onChanged: () => void;
}) {
  const { api, session } = usePortal();
  const [filter, setFilter] = useState<Filter>('all');
  const [items, setItems] = useState<readonly DeliverySummary[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const autoRefreshes = useRef(0);
  const generation = useRef(0);

  const path = (nextCursor?: string | null) => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filter !== 'all') query.set('status', filter);
    if (nextCursor) query.set('cursor', nextCursor);
    return `/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries?${query}`;
  };

  /** Fetches a page (the first, or the one after `from`); a newer fetch makes an older one's answer moot. */
  const fetchPage = (from?: string) => {
    const mine = ++generation.current;
    setBusy(true);
    api.request<Page<DeliverySummary>>('GET', path(from)).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((previous) => (from ? [...(previous ?? []), ...page.data] : page.data));
        setCursor(page.next_cursor ?? null);
        setPages((n) => (from ? n + 1 : 1));
        setError(undefined);
        setBusy(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(asApiError(failure));
        setBusy(false);
      },
    );
  };

  // The first page, again whenever the filter, the page's version or the auto-refresh tick changes.
  // The old rows stay on screen until the new ones arrive.
  useEffect(() => {
    fetchPage();
  }, [webhook.id, filter, version, tick]);

  useEffect(() => {
    autoRefreshes.current = 0;
  }, [webhook.id, filter, version]);

  // While a delivery on screen is pending, the first page is fetched again now and then (not once
  // "Load more" has added pages, so rows never vanish under the reader); when the last pending one
  // turns final, the whole activity (cards, chart) is refreshed once.
  const hasPending = items?.some((delivery) => delivery.status === 'pending') ?? false;
  const wasPending = useRef(false);
  useEffect(() => {
    if (wasPending.current && !hasPending && tick > 0) onChanged();
    wasPending.current = hasPending;
    if (!hasPending || pages > 1) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'hidden' || autoRefreshes.current >= AUTO_REFRESH_MAX) return;
      autoRefreshes.current += 1;
      setTick((n) => n + 1);
    }, AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [hasPending, pages]);

  const loadMore = () => {
    if (cursor) fetchPage(cursor);
  };

  const retryOne = async (delivery: DeliverySummary) => {
    setOutcome(undefined);
    try {
      await api.request('POST', `/v1/deliveries/${encodeURIComponent(delivery.id)}/retry`);
      setOutcome({
        text: `Retry queued for the ${delivery.event_type} delivery of ${shortTime(delivery.created_at)}.`,
      });
      onChanged();
    } catch (failure) {
      setOutcome({ text: 'The retry was not queued.', error: asApiError(failure) });
    }
  };

  const retryAll = async () => {
    setOutcome(undefined);
    try {
      const result = await api.request<RetryFailedResult>(
        'POST',
        `/v1/webhooks/${encodeURIComponent(webhook.id)}/retry-failed`,
      );
      setOutcome({
        text:
          result.queued === 0
            ? 'There were no failed deliveries to retry.'
            : `Queued ${formatCount(result.queued)} failed ${result.queued === 1 ? 'delivery' : 'deliveries'} for retry.`,
      });
      onChanged();
    } catch (failure) {
      setOutcome({ text: 'The failed deliveries were not queued.', error: asApiError(failure) });
    }
  };

  const canWrite = !session.readOnly;
  const maxRetries = webhook.retry_policy.max_retries;
  return (
    <section aria-labelledby="act-recent">
      <h3 id="act-recent">Recent Deliveries</h3>
      <div class="act-toolbar">
        <div class="act-filter">
          <label for="act-show">Show</label>
          <select id="act-show" value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
            {FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        {canWrite ? (
          <button type="button" class="secondary" onClick={retryAll}>
            Retry All Failed
          </button>
        ) : null}
      </div>
      <OutcomeStatus outcome={outcome} />
      <ErrorMessage error={error} />
      {items === undefined ? (
        busy ? (
          <p class="muted" role="status">
            Loading deliveries…
          </p>
        ) : null
      ) : items.length === 0 ? (
        <p class="muted">
          {filter === 'all'
            ? 'No deliveries yet. Send a test event to see one here.'
            : `No ${FILTERS.find((option) => option.value === filter)?.label.toLowerCase()} deliveries.`}
        </p>
      ) : (
        <div class="act-table-wrap">
          <table class="act-deliveries" aria-labelledby="act-recent">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Response</th>
                {canWrite ? (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => {
                const link = href('webhooks', webhook.id, 'deliveries', delivery.id);
                const retry = retryProgress(delivery, maxRetries);
                return (
                  <tr
                    key={delivery.id}
                    class="act-row"
                    onClick={(event) => {
                      if ((event.target as Element).closest('a, button')) return;
                      navigate(link);
                    }}
                  >
                    <td>
                      <a href={link} title={formatTime(delivery.created_at)}>
                        {shortTime(delivery.created_at)}
                      </a>
                    </td>
                    <td>
                      <code>{delivery.event_type}</code>
                    </td>
                    <td>
                      <DeliveryStatusText delivery={delivery} />
                    </td>
                    <td>{retry ?? formatMs(delivery.last_response_time_ms)}</td>
                    {canWrite ? (
                      <td>
                        {delivery.status === 'failed' ? (
                          <button
                            type="button"
                            class="secondary act-small"
                            onClick={() => retryOne(delivery)}
                          >
                            Retry
                            <span class="visually-hidden">
                              {' '}
                              {delivery.event_type} delivery of {shortTime(delivery.created_at)}
                            </span>
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {cursor ? (
        <p>
          <button type="button" class="secondary" onClick={loadMore} disabled={busy}>
            Load more
          </button>
        </p>
      ) : null}
    </section>
  );
}
