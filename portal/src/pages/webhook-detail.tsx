import { useState } from 'preact/hooks';
import { Activity } from '../activity/activity.js';
import { DeleteControl, PauseControl, PauseNote, StatusBadge } from '../activity/controls.js';
import { TestSend } from '../activity/test-send.js';
import '../activity.css';
import { ErrorMessage, formatTime, Loading, PageTitle, useLoad } from '../components/common.js';
import { SigningSecret } from '../components/signing-secret.js';
import { href } from '../router.js';
import { usePortal } from '../session.js';
import type { Webhook } from '../types.js';

/**
 * One webhook's page (`#/webhooks/{id}`, the alert emails' link): header, "Test Webhook",
 * "Webhook Activity" (Last 24 Hours, the per-hour chart, Recent Deliveries), the Signing Secret,
 * "Webhook Status" (pause / resume) and "Delete Webhook". A read-only session sees no write
 * control at all: no Edit, Send Test, Retry, Retry All Failed, Pause/Resume or Delete.
 */
export function WebhookDetail({ id }: { id: string }) {
  const { api, session } = usePortal();
  const webhook = useLoad(() => api.request<Webhook>('GET', `/v1/webhooks/${encodeURIComponent(id)}`), [id]);
  // Bumped by Refresh, a test send, a retry or a status change: the activity loads again.
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((n) => n + 1);
  const refreshAll = () => {
    bump();
    webhook.reload();
  };

  if (!webhook.data) {
    if (webhook.error)
      return (
        <section>
          <PageTitle>Webhook</PageTitle>
          <ErrorMessage error={webhook.error} />
          <p>
            <a href={href('webhooks')}>Back to Webhooks</a>
          </p>
        </section>
      );
    return <Loading what="the webhook" />;
  }
  const data = webhook.data;
  const canWrite = !session.readOnly;
  return (
    <div class="act-page">
      <nav aria-label="Breadcrumb" class="act-breadcrumb">
        <a href={href('webhooks')}>Webhooks</a> <span aria-hidden="true">›</span> <span>{data.name}</span>
      </nav>
      <PageTitle
        actions={
          canWrite ? (
            <a class="button secondary" href={href('webhooks', data.id, 'edit')}>
              Edit
            </a>
          ) : undefined
        }
      >
        {data.name}
      </PageTitle>
      <dl class="act-facts">
        <div>
          <dt>URL</dt>
          <dd>
            <code class="act-url">{data.url}</code>
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge webhook={data} />
          </dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd>{data.events.length ? data.events.join(', ') : '—'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(data.created_at)}</dd>
        </div>
      </dl>
      {data.description ? <p>{data.description}</p> : null}
      {data.status === 'paused' ? (
        <div class="notice">
          <p>
            <strong>This webhook is paused.</strong> Events during pause are lost: they are not queued.
          </p>
          <PauseNote />
        </div>
      ) : null}
      {data.status === 'disabled' ? (
        <div class="notice">
          <p>
            <strong>This webhook is disabled.</strong> No deliveries are sent until it is resumed.
          </p>
        </div>
      ) : null}
      <ErrorMessage error={webhook.error} />
      {canWrite ? <TestSend webhook={data} onSent={bump} /> : null}
      <Activity webhook={data} version={version} onRefresh={refreshAll} />
      <SigningSecret webhook={data} onRotated={webhook.reload} />
      {canWrite ? <PauseControl webhook={data} onChanged={refreshAll} /> : null}
      {canWrite ? <DeleteControl webhook={data} /> : null}
    </div>
  );
}
