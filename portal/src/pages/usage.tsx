import { ErrorMessage, Loading, PageTitle, useLoad } from '../components/common.js';
import { usePortal } from '../session.js';
import '../config-screens.css';

/** GET /v1/usage (docs/quotas.md). A null limit is unlimited. */
interface UsageResource {
  readonly plan: string;
  readonly limits: { readonly max_webhooks: number | null; readonly max_events_per_day: number | null };
  readonly webhooks: number;
  readonly events_today: number;
  readonly dropped_today: number;
  readonly day: string;
}

const count = (n: number) => n.toLocaleString('en-US');
const ofLimit = (used: number, limit: number | null) =>
  limit === null ? `${count(used)} (unlimited)` : `${count(used)} of ${count(limit)}`;
const planName = (plan: string) => plan.charAt(0).toUpperCase() + plan.slice(1);

/** `#/usage`: the plan, endpoints against its limit, and today's events and dropped events. */
export function Usage() {
  const { api } = usePortal();
  const usage = useLoad(() => api.request<UsageResource>('GET', '/v1/usage'), []);
  const data = usage.data;
  return (
    <section>
      <PageTitle>Usage</PageTitle>
      {usage.loading && !data ? <Loading what="usage" /> : null}
      <ErrorMessage error={usage.error} />
      {data ? (
        <>
          <div class="cards">
            <div class="card" data-testid="usage-plan">
              <h2>Plan</h2>
              <p class="value">{planName(data.plan)}</p>
            </div>
            <div class="card" data-testid="usage-webhooks">
              <h2>Webhooks</h2>
              <p class="value">{ofLimit(data.webhooks, data.limits.max_webhooks)}</p>
              <p class="muted">
                {data.limits.max_webhooks === null
                  ? 'endpoints; no limit on this plan'
                  : "endpoints used of the plan's limit"}
              </p>
            </div>
            <div class="card" data-testid="usage-events">
              <h2>Events today</h2>
              <p class="value">{ofLimit(data.events_today, data.limits.max_events_per_day)}</p>
              <p class="muted">
                {data.limits.max_events_per_day === null
                  ? 'events admitted; no daily limit on this plan'
                  : 'events admitted of the daily limit'}
              </p>
            </div>
            <div class="card" data-testid="usage-dropped">
              <h2>Dropped today</h2>
              <p class="value">{count(data.dropped_today)}</p>
              <p class="muted">events over the daily limit, not delivered</p>
            </div>
          </div>
          <p class="muted">
            Today is {data.day} (UTC); the daily counts start again at 00:00 UTC. Events exceeding daily
            limits are dropped (not queued).
          </p>
        </>
      ) : null}
    </section>
  );
}
