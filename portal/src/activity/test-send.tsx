import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorMessage, useLoad } from '../components/common.js';
import { href } from '../router.js';
import { usePortal } from '../session.js';
import type { EventType, Page, Webhook } from '../types.js';
import { CodeBlock } from './code-block.js';
import { formatMs, httpStatus, prettyJson } from './format.js';
import type { TestResult } from './types.js';

/**
 * "Test Webhook" (seed 000 step 4; seed 002's "Send Test Event"): pick an event type, "Send Test",
 * and the result as the seed draws it: "✓ Success" or "✗ Failed", "Status: 200 OK", "Response
 * time: 145ms", "Response body". The route accepts any type in the catalog (it sends the type's
 * example); the webhook's own events come first. The result sits in a live region that is always
 * in the page, so a screen reader hears it arrive.
 */
export function TestSend({ webhook, onSent }: { webhook: Webhook; onSent: () => void }) {
  const { api } = usePortal();
  const catalog = useLoad(() => api.request<Page<EventType>>('GET', '/v1/event-types'), []);
  const names = orderedTypes(webhook, catalog.data?.data ?? []);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const eventType = chosen && names.includes(chosen) ? chosen : names[0];
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<TestResult | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);

  const send = async (event: Event) => {
    event.preventDefault();
    setSending(true);
    setResult(undefined);
    setError(undefined);
    try {
      const body = eventType ? { event_type: eventType } : {};
      setResult(
        await api.request<TestResult>('POST', `/v1/webhooks/${encodeURIComponent(webhook.id)}/test`, body),
      );
      onSent();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'client_error', String(failure)));
    } finally {
      setSending(false);
    }
  };

  return (
    <section aria-labelledby="act-test" class="act-panel">
      <h2 id="act-test">Test Webhook</h2>
      <p class="muted">Send a test payload to verify your endpoint works.</p>
      <form class="act-test-form" onSubmit={send}>
        <div class="field">
          <label for="act-test-event">Event to test</label>
          <select
            id="act-test-event"
            value={eventType ?? ''}
            onChange={(e) => setChosen(e.currentTarget.value)}
            disabled={names.length === 0}
          >
            {names.length === 0 ? (
              <option value="">{catalog.loading ? 'Loading…' : 'No event types'}</option>
            ) : null}
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={sending} aria-busy={sending ? 'true' : undefined}>
          Send Test
        </button>
      </form>
      <ErrorMessage error={catalog.error} />
      <div role="status" class="act-live" aria-atomic="true">
        {sending ? <p class="muted">Sending a test event…</p> : null}
        {error ? (
          <p class="error">
            The test was not sent: {error.message}
            {error.status !== 0 ? <span class="muted"> ({error.code})</span> : null}
          </p>
        ) : null}
        {result ? <TestResultBox webhookId={webhook.id} result={result} /> : null}
      </div>
    </section>
  );
}

function TestResultBox({ webhookId, result }: { webhookId: string; result: TestResult }) {
  return (
    <div class={`act-result ${result.success ? 'act-result-ok' : 'act-result-failed'}`}>
      <h3 class="act-result-title">Result</h3>
      <p class="act-result-headline">
        {result.success ? (
          <>
            <span aria-hidden="true">✓ </span>Success
          </>
        ) : (
          <>
            <span aria-hidden="true">✗ </span>Failed
          </>
        )}
      </p>
      <p>Status: {httpStatus(result.status_code)}</p>
      <p>Response time: {formatMs(result.response_time_ms)}</p>
      {result.error ? <p>Error: {result.error}</p> : null}
      <p>Response body:</p>
      {result.response_body ? (
        <CodeBlock text={prettyJson(result.response_body)} label="Response body" />
      ) : (
        <p class="muted">(empty)</p>
      )}
      <p>
        <a href={href('webhooks', webhookId, 'deliveries', result.delivery_id)}>View this delivery</a>
      </p>
    </div>
  );
}

/** The webhook's subscribed types first (those in the catalog), then the rest of the catalog. */
function orderedTypes(webhook: Webhook, catalog: readonly EventType[]): string[] {
  const known = catalog.map((type) => type.name);
  const own = webhook.events.filter((name) => known.includes(name));
  return [...own, ...known.filter((name) => !own.includes(name))];
}
