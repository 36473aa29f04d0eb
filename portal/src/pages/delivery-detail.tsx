import { useEffect, useRef, useState } from 'preact/hooks';
import { CodeBlock } from '../activity/code-block.js';
import { DeliveryStatusText } from '../activity/deliveries.js';
import { failureReasonText, formatMs, httpStatus, prettyJson, retryProgress } from '../activity/format.js';
import type { DeliveryDetailResource } from '../activity/types.js';
import { ApiError } from '../api.js';
import '../activity.css';
import { type ActionOutcome, OutcomeStatus } from '../activity/outcome.js';
import { ErrorMessage, formatTime, Loading, PageTitle, useLoad } from '../components/common.js';
import { href } from '../router.js';
import { usePortal } from '../session.js';
import type { Webhook } from '../types.js';

/** Gentle auto-refresh while the delivery is pending: every 5 s, at most 60 times. */
const AUTO_REFRESH_MS = 5000;
const AUTO_REFRESH_MAX = 60;

/**
 * One delivery (`#/webhooks/{id}/deliveries/{deliveryId}`): summary (event type, event id, status,
 * attempts), every kept attempt (status code, time, response time, response body, error) and the
 * payload as pretty JSON. "Retry" on a failed one (hidden from a read-only session).
 */
export function DeliveryDetail({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) {
  const { api, session } = usePortal();
  const delivery = useLoad(
    () => api.request<DeliveryDetailResource>('GET', `/v1/deliveries/${encodeURIComponent(deliveryId)}`),
    [deliveryId],
  );
  const webhook = useLoad(
    () => api.request<Webhook>('GET', `/v1/webhooks/${encodeURIComponent(webhookId)}`),
    [webhookId],
  );
  const [retrying, setRetrying] = useState(false);
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>(undefined);
  const refreshes = useRef(0);

  const pending = delivery.data?.status === 'pending';
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'hidden' || refreshes.current >= AUTO_REFRESH_MAX) return;
      refreshes.current += 1;
      delivery.reload();
    }, AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [pending, delivery.reload]);

  const webhookLink = href('webhooks', webhookId);
  const webhookName = webhook.data?.name ?? 'Webhook';
  const breadcrumb = (
    <nav aria-label="Breadcrumb" class="act-breadcrumb">
      <a href={href('webhooks')}>Webhooks</a> <span aria-hidden="true">›</span>{' '}
      <a href={webhookLink}>{webhookName}</a> <span aria-hidden="true">›</span> <span>Delivery</span>
    </nav>
  );

  if (!delivery.data) {
    if (delivery.error)
      return (
        <section>
          {breadcrumb}
          <PageTitle>Delivery</PageTitle>
          <ErrorMessage error={delivery.error} />
          <p>
            <a href={webhookLink}>Back to the webhook</a>
          </p>
        </section>
      );
    return <Loading what="the delivery" />;
  }
  const data = delivery.data;

  const retry = async () => {
    setRetrying(true);
    setOutcome(undefined);
    try {
      await api.request('POST', `/v1/deliveries/${encodeURIComponent(data.id)}/retry`);
      setOutcome({ text: 'Retry queued: the delivery is pending again.' });
      refreshes.current = 0;
      delivery.reload();
    } catch (failure) {
      setOutcome({
        text: 'The retry was not queued.',
        error: failure instanceof ApiError ? failure : new ApiError(0, 'client_error', String(failure)),
      });
    } finally {
      setRetrying(false);
    }
  };

  const progress = webhook.data ? retryProgress(data, webhook.data.retry_policy.max_retries) : undefined;
  const reason = failureReasonText(data.failure_reason);
  return (
    <div class="act-page">
      {breadcrumb}
      <PageTitle>Delivery</PageTitle>
      <section aria-labelledby="act-summary">
        <h2 id="act-summary">Summary</h2>
        <dl class="act-facts">
          <div>
            <dt>Event type</dt>
            <dd>
              <code>{data.event_type}</code>
            </dd>
          </div>
          <div>
            <dt>Event ID</dt>
            <dd>
              <code>{data.event_id}</code>
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <DeliveryStatusText delivery={data} />
              {progress ? ` · ${progress}` : ''}
            </dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{data.attempt_count}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatTime(data.created_at)}</dd>
          </div>
          {data.next_attempt_at ? (
            <div>
              <dt>Next attempt</dt>
              <dd>{formatTime(data.next_attempt_at)}</dd>
            </div>
          ) : null}
          {reason ? (
            <div>
              <dt>Failure reason</dt>
              <dd>{reason}</dd>
            </div>
          ) : null}
          <div>
            <dt>Delivery ID</dt>
            <dd>
              <code>{data.id}</code>
            </dd>
          </div>
        </dl>
        {data.status === 'failed' && !session.readOnly ? (
          <p>
            <button type="button" onClick={retry} disabled={retrying}>
              Retry
            </button>
          </p>
        ) : null}
        <OutcomeStatus outcome={outcome} />
        <ErrorMessage error={delivery.error} />
      </section>
      <section aria-labelledby="act-attempts">
        <h2 id="act-attempts">Attempts</h2>
        {data.attempts_truncated ? (
          <p class="muted">
            Showing the newest {data.attempts.length} of {data.attempt_count} attempts.
          </p>
        ) : null}
        {data.attempts.length === 0 ? (
          <p class="muted">No attempt has been made yet.</p>
        ) : (
          <div class="act-table-wrap">
            <table class="act-attempts" aria-labelledby="act-attempts">
              <thead>
                <tr>
                  <th scope="col">Attempt</th>
                  <th scope="col">Time</th>
                  <th scope="col">Status code</th>
                  <th scope="col">Response time</th>
                  <th scope="col">Error</th>
                  <th scope="col">Response body</th>
                </tr>
              </thead>
              <tbody>
                {data.attempts.map((attempt) => (
                  <tr key={attempt.attempt}>
                    <th scope="row">{attempt.attempt}</th>
                    <td>{formatTime(attempt.started_at)}</td>
                    <td>
                      <span
                        class={
                          attempt.status_code !== null && attempt.status_code < 300 ? 'success' : 'error'
                        }
                      >
                        <span aria-hidden="true">
                          {attempt.status_code !== null && attempt.status_code < 300 ? '✓ ' : '✗ '}
                        </span>
                        {httpStatus(attempt.status_code)}
                      </span>
                    </td>
                    <td>{formatMs(attempt.response_time_ms)}</td>
                    <td>{attempt.error ?? '—'}</td>
                    <td>
                      {attempt.response_body ? (
                        <CodeBlock
                          text={prettyJson(attempt.response_body)}
                          label={`Response body of attempt ${attempt.attempt}`}
                        />
                      ) : (
                        <span class="muted">(empty)</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="act-payload">
        <h2 id="act-payload">Payload</h2>
        {data.payload === null || data.payload === undefined ? (
          <p class="muted">The event's payload is no longer kept.</p>
        ) : (
          <CodeBlock class="act-payload" text={prettyJson(data.payload)} label="Payload" />
        )}
      </section>
      <p>
        <a href={webhookLink}>Back to {webhookName}</a>
      </p>
    </div>
  );
}
