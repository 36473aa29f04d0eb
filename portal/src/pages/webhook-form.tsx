import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { ErrorMessage, Loading, PageTitle, useLoad } from '../components/common.js';
import { sortIssues } from '../config/field-errors.js';
import {
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_INTERVALS_SECONDS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_SECONDS,
  formatDuration,
  headerProblems,
  MAX_CUSTOM_HEADERS,
  MAX_DESCRIPTION_LENGTH,
  MAX_FAILURE_THRESHOLD,
  MAX_NAME_LENGTH,
  MAX_RETRIES,
  MAX_TIMEOUT_SECONDS,
  MAX_URL_LENGTH,
  MIN_TIMEOUT_SECONDS,
  ordinal,
  RESERVED_HEADER_NAMES,
  RESERVED_HEADER_PREFIXES,
  retryDelays,
  wholeNumber,
} from '../config/rules.js';
import { SecretReveal } from '../config/secret-reveal.js';
import { href, navigate } from '../router.js';
import { usePortal } from '../session.js';
import type { EventType, Webhook } from '../types.js';
import '../config-screens.css';
import { CodeBlock, prettyJson } from '../config/code-block.js';

/** The fields an API validation issue can land on (its path after `body.`). */
const FIELDS = [
  'name',
  'url',
  'description',
  'events',
  'status',
  'headers',
  'retry_policy',
  'timeout_seconds',
  'alerting.email',
  'alerting.failure_threshold',
] as const;
type Field = (typeof FIELDS)[number];

/** The element each field's error points at (and focus goes to). */
const FIELD_INPUT: Record<Field, string> = {
  name: 'webhook-name',
  url: 'webhook-url',
  description: 'webhook-description',
  events: 'webhook-events',
  status: 'webhook-active',
  headers: 'webhook-headers',
  retry_policy: 'retry-count',
  timeout_seconds: 'webhook-timeout',
  'alerting.email': 'alert-email',
  'alerting.failure_threshold': 'alert-threshold',
};

interface HeaderRow {
  readonly key: number;
  readonly name: string;
  readonly value: string;
}

interface Draft {
  name: string;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  headers: HeaderRow[];
  retry: 'retry' | 'none';
  retries: string;
  timeout: string;
  email: string;
  threshold: string;
}

let rowKeys = 0;
const row = (name = '', value = ''): HeaderRow => ({ key: ++rowKeys, name, value });

function draftOf(webhook: Webhook | undefined): Draft {
  if (!webhook)
    return {
      name: '',
      url: '',
      description: '',
      events: [],
      active: true,
      headers: [],
      retry: 'retry',
      retries: String(DEFAULT_MAX_RETRIES),
      timeout: String(DEFAULT_TIMEOUT_SECONDS),
      email: '',
      threshold: String(DEFAULT_FAILURE_THRESHOLD),
    };
  const retries = webhook.retry_policy.max_retries;
  return {
    name: webhook.name,
    url: webhook.url,
    description: webhook.description ?? '',
    events: [...webhook.events],
    active: webhook.status === 'active',
    headers: Object.entries(webhook.headers).map(([name, value]) => row(name, value)),
    retry: retries > 0 ? 'retry' : 'none',
    retries: String(retries > 0 ? retries : DEFAULT_MAX_RETRIES),
    timeout: String(webhook.timeout_seconds),
    email: webhook.alerting.email ?? '',
    threshold: String(webhook.alerting.failure_threshold),
  };
}

type Errors = Partial<Record<Field, string[]>>;

/** Problems found before any request: what the API would refuse anyway. */
function checkDraft(draft: Draft, existing: Webhook | undefined): Errors {
  const errors: Errors = {};
  const add = (field: Field, message: string) => {
    errors[field] = [...(errors[field] ?? []), message];
  };
  if (draft.name.trim() === '') add('name', 'Enter a name');
  else if (draft.name.trim().length > MAX_NAME_LENGTH) add('name', `At most ${MAX_NAME_LENGTH} characters`);
  const url = draft.url.trim();
  if (url === '') add('url', 'Enter the endpoint URL');
  else if (url.length > MAX_URL_LENGTH) add('url', `At most ${MAX_URL_LENGTH} characters`);
  else if (!/^https?:\/\/[^\s/]+/i.test(url)) add('url', 'Enter a full URL, starting with https://');
  if (draft.description.length > MAX_DESCRIPTION_LENGTH)
    add('description', `At most ${MAX_DESCRIPTION_LENGTH} characters`);
  const named = draft.headers.filter((header) => header.name !== '' || header.value !== '');
  if (named.length > MAX_CUSTOM_HEADERS) add('headers', `At most ${MAX_CUSTOM_HEADERS} custom headers`);
  if (headerRowProblems(draft.headers).some((problem) => problem.name || problem.value))
    add('headers', 'Fix the custom headers marked below');
  if (draft.retry === 'retry' && wholeNumber(draft.retries, 1, MAX_RETRIES) === undefined)
    add('retry_policy', `Enter a whole number of retries from 1 to ${MAX_RETRIES}`);
  if (wholeNumber(draft.timeout, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS) === undefined)
    add(
      'timeout_seconds',
      `Enter a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`,
    );
  const email = draft.email.trim();
  if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    add('alerting.email', 'Enter an email address');
  if (email === '' && existing?.alerting.email)
    add('alerting.email', 'An alert email can be changed but not removed: enter an address');
  if (wholeNumber(draft.threshold, 1, MAX_FAILURE_THRESHOLD) === undefined)
    add('alerting.failure_threshold', `Enter a whole number from 1 to ${MAX_FAILURE_THRESHOLD}`);
  return errors;
}

const headerRowProblems = (rows: readonly HeaderRow[]) =>
  rows.map((header, index) =>
    headerProblems(
      header.name,
      header.value,
      rows.slice(0, index).map((earlier) => earlier.name),
    ),
  );

/** The request body from a checked draft: every field (PATCH replaces headers as a whole). */
function bodyOf(draft: Draft, existing: Webhook | undefined): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const header of draft.headers) if (header.name !== '') headers[header.name] = header.value;
  const email = draft.email.trim();
  const body: Record<string, unknown> = {
    name: draft.name.trim(),
    url: draft.url.trim(),
    description: draft.description,
    events: draft.events,
    headers,
    retry_policy: { max_retries: draft.retry === 'none' ? 0 : Number(draft.retries) },
    timeout_seconds: Number(draft.timeout),
    alerting: {
      failure_threshold: Number(draft.threshold),
      ...(email !== '' ? { email } : {}),
    },
  };
  if (existing && draft.active !== (existing.status === 'active'))
    body.status = draft.active ? 'active' : 'paused';
  return body;
}

/** `#/webhooks/new` and `#/webhooks/{id}/edit`. */
export function WebhookForm({ id }: { id?: string }) {
  const { api, session } = usePortal();
  const title = id ? 'Edit Webhook' : 'Add Webhook';
  const types = useLoad(() => api.request<{ data: EventType[] }>('GET', '/v1/event-types'), []);
  const existing = useLoad(
    () =>
      id ? api.request<Webhook>('GET', `/v1/webhooks/${encodeURIComponent(id)}`) : Promise.resolve(undefined),
    [id],
  );
  const [created, setCreated] = useState<{ webhook: Webhook; secret: string; pauseFailed?: ApiError }>();

  if (session.readOnly)
    return (
      <section>
        <PageTitle>{title}</PageTitle>
        <p class="notice" role="status">
          This portal session is read-only: webhooks cannot be added or changed here.
        </p>
        <p>
          <a href={id ? href('webhooks', id) : href('webhooks')}>
            {id ? 'Back to the webhook' : 'Back to Webhooks'}
          </a>
        </p>
      </section>
    );

  if (created) return <Created {...created} />;

  if (existing.error || types.error)
    return (
      <section>
        <PageTitle>{title}</PageTitle>
        <ErrorMessage error={existing.error ?? types.error} />
        <p>
          <a href={href('webhooks')}>Back to Webhooks</a>
        </p>
      </section>
    );
  if (!types.data || (id && !existing.data))
    return (
      <section>
        <PageTitle>{title}</PageTitle>
        <Loading what={id ? 'the webhook' : 'the form'} />
      </section>
    );
  return (
    <FormBody
      key={id ?? 'new'}
      title={title}
      existing={existing.data}
      eventTypes={types.data.data}
      onCreated={setCreated}
    />
  );
}

function Created({
  webhook,
  secret,
  pauseFailed,
}: {
  webhook: Webhook;
  secret: string;
  pauseFailed?: ApiError;
}) {
  return (
    <section>
      <PageTitle>Webhook created</PageTitle>
      <p class="success" role="status">
        “{webhook.name}” was created and will send events to <code>{webhook.url}</code>.
      </p>
      {pauseFailed ? (
        <div class="error" role="alert">
          It could not be paused ({pauseFailed.message}): it is active. Pause it from its page.
        </div>
      ) : null}
      <SecretReveal secret={secret} level={2} />
      <p>
        <a class="button" href={href('webhooks', webhook.id)}>
          Go to the webhook
        </a>
      </p>
    </section>
  );
}

function FormBody({
  title,
  existing,
  eventTypes,
  onCreated,
}: {
  title: string;
  existing: Webhook | undefined;
  eventTypes: readonly EventType[];
  onCreated: (created: { webhook: Webhook; secret: string; pauseFailed?: ApiError }) => void;
}) {
  const { api } = usePortal();
  const [draft, setDraft] = useState<Draft>(() => draftOf(existing));
  const [errors, setErrors] = useState<Errors>({});
  const [topErrors, setTopErrors] = useState<string[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  // Header rows are checked as they are typed: a reserved name is refused before any submit.
  const rowProblems = headerRowProblems(draft.headers);
  // Once submitted, fixing a field clears its client-side error at once.
  useEffect(() => {
    if (!submitted) return;
    const now = checkDraft(draft, existing);
    setErrors((previous) => {
      const next: Errors = {};
      for (const field of FIELDS) if (previous[field] && now[field]) next[field] = previous[field];
      return next;
    });
  }, [draft]);

  // Every type in the catalogue, plus any the webhook names that the catalogue no longer has.
  const typeNames = eventTypes.map((type) => type.name);
  const extra = draft.events.filter((name) => !typeNames.includes(name));
  const intervals = existing?.retry_policy.intervals_seconds ?? DEFAULT_INTERVALS_SECONDS;
  const retries = draft.retry === 'none' ? 0 : (wholeNumber(draft.retries, 1, MAX_RETRIES) ?? 0);

  const focusFirst = (found: Errors) => {
    const first = FIELDS.find((field) => found[field]);
    if (first) document.getElementById(FIELD_INPUT[first])?.focus();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setSubmitted(true);
    setFailure(undefined);
    setTopErrors([]);
    const found = checkDraft(draft, existing);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setTimeout(() => focusFirst(found), 0);
      return;
    }
    setBusy(true);
    const body = bodyOf(draft, existing);
    try {
      if (existing) {
        await api.request<Webhook>('PATCH', `/v1/webhooks/${encodeURIComponent(existing.id)}`, body);
        navigate(href('webhooks', existing.id));
        return;
      }
      const made = await api.request<Webhook & { secret: string }>('POST', '/v1/webhooks', body);
      const { secret, ...webhook } = made;
      let pauseFailed: ApiError | undefined;
      if (!draft.active) {
        try {
          await api.request('PATCH', `/v1/webhooks/${encodeURIComponent(webhook.id)}`, { status: 'paused' });
        } catch (caught) {
          pauseFailed = caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
        }
      }
      onCreated({ webhook, secret, pauseFailed });
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
      const sorted = sortIssues(error, FIELDS);
      const fieldErrors = sorted.byField as Errors;
      setErrors(fieldErrors);
      setTopErrors(sorted.other);
      if (Object.keys(fieldErrors).length > 0) {
        // The message is "Invalid request body" or names the field: the fields say more.
        if (sorted.other.length > 0 || !error.details) setFailure(error);
        else setFailure(undefined);
        setTimeout(() => focusFirst(fieldErrors), 0);
      } else {
        setFailure(error);
        setTimeout(() => summary.current?.focus(), 0);
      }
    } finally {
      setBusy(false);
    }
  };

  const errorCount = Object.values(errors).reduce((sum, list) => sum + (list?.length ?? 0), 0);
  const described = (field: Field, hint?: string) =>
    [hint, errors[field] ? `${FIELD_INPUT[field]}-error` : undefined].filter(Boolean).join(' ') || undefined;
  const invalid = (field: Field) => (errors[field] ? true : undefined);
  const fieldError = (field: Field) =>
    errors[field] ? (
      <p class="field-error" id={`${FIELD_INPUT[field]}-error`}>
        {errors[field]?.join('; ')}
      </p>
    ) : null;

  return (
    <section>
      <PageTitle>{title}</PageTitle>
      <div ref={summary} tabIndex={-1}>
        {failure ? <ErrorMessage error={failure} /> : null}
        {errorCount > 0 || topErrors.length > 0 ? (
          <div class="form-errors" role="alert">
            {errorCount > 0 ? (
              <p>
                {errorCount === 1 ? 'One field needs' : `${errorCount} fields need`} attention: see the
                messages next to {errorCount === 1 ? 'it' : 'them'}.
              </p>
            ) : null}
            {topErrors.length > 0 ? (
              <ul>
                {topErrors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </div>
      <form onSubmit={submit} noValidate aria-label={title}>
        <div class="field">
          <label for="webhook-name">Name</label>
          <input
            id="webhook-name"
            type="text"
            value={draft.name}
            maxLength={MAX_NAME_LENGTH}
            required
            aria-required="true"
            aria-invalid={invalid('name')}
            aria-describedby={described('name')}
            onInput={(e) => set('name', e.currentTarget.value)}
          />
          {fieldError('name')}
        </div>
        <div class="field">
          <label for="webhook-url">Endpoint URL</label>
          <input
            id="webhook-url"
            type="url"
            inputMode="url"
            placeholder="https://api.example.com/webhooks"
            value={draft.url}
            required
            aria-required="true"
            aria-invalid={invalid('url')}
            aria-describedby={described('url', 'webhook-url-hint')}
            onInput={(e) => set('url', e.currentTarget.value)}
          />
          <p class="hint" id="webhook-url-hint">
            Each event is sent here as an HTTP POST with a JSON body.
          </p>
          {fieldError('url')}
        </div>
        <div class="field">
          <label for="webhook-description">Description</label>
          <textarea
            id="webhook-description"
            rows={2}
            value={draft.description}
            maxLength={MAX_DESCRIPTION_LENGTH}
            aria-invalid={invalid('description')}
            aria-describedby={described('description', 'webhook-description-hint')}
            onInput={(e) => set('description', e.currentTarget.value)}
          />
          <p class="hint" id="webhook-description-hint">
            Optional.
          </p>
          {fieldError('description')}
        </div>

        <fieldset
          id="webhook-events"
          tabIndex={-1}
          aria-describedby={described('events', 'webhook-events-hint')}
        >
          <legend>Events to send</legend>
          <p class="hint" id="webhook-events-hint">
            None checked means all events, including event types added later.
          </p>
          {eventTypes.length === 0 && extra.length === 0 ? (
            <p class="muted">No event types are defined yet: this webhook will receive all events.</p>
          ) : null}
          {[...eventTypes, ...extra.map((name) => ({ name, description: '', example: undefined }))].map(
            (type, index) => (
              <EventOption
                key={type.name}
                index={index}
                type={type}
                known={typeNames.includes(type.name)}
                checked={draft.events.includes(type.name)}
                onChange={(checked) =>
                  set(
                    'events',
                    checked
                      ? [...draft.events, type.name]
                      : draft.events.filter((name) => name !== type.name),
                  )
                }
              />
            ),
          )}
          {fieldError('events')}
        </fieldset>

        <div class="field check">
          <input
            id="webhook-active"
            type="checkbox"
            checked={draft.active}
            aria-invalid={invalid('status')}
            aria-describedby={described('status', 'webhook-active-hint')}
            onChange={(e) => set('active', e.currentTarget.checked)}
          />
          <div>
            <label for="webhook-active">Active</label>
            <p class="hint" id="webhook-active-hint">
              Enable this webhook. While paused, events are not queued: events during a pause are lost.
              {existing?.status === 'disabled'
                ? ` It was disabled${existing.disabled_reason ? ` (${existing.disabled_reason})` : ''}; checking Active enables it again.`
                : ''}
            </p>
            {fieldError('status')}
          </div>
        </div>

        <fieldset
          id="webhook-headers"
          tabIndex={-1}
          aria-describedby={described('headers', 'webhook-headers-hint')}
        >
          <legend>Custom Headers</legend>
          <p class="hint" id="webhook-headers-hint">
            Optional, sent with every delivery (for example <code>X-API-Key</code> or{' '}
            <code>Authorization</code>). Reserved names cannot be set: {RESERVED_HEADER_NAMES.join(', ')}, and
            any name starting with {RESERVED_HEADER_PREFIXES.join(', ')}.
          </p>
          {draft.headers.map((header, index) => (
            <HeaderFields
              key={header.key}
              index={index}
              header={header}
              problems={rowProblems[index] ?? {}}
              onChange={(next) =>
                set(
                  'headers',
                  draft.headers.map((h) => (h.key === header.key ? next : h)),
                )
              }
              onRemove={() => {
                set(
                  'headers',
                  draft.headers.filter((h) => h.key !== header.key),
                );
                setTimeout(() => document.getElementById('add-header')?.focus(), 0);
              }}
            />
          ))}
          {fieldError('headers')}
          <button
            id="add-header"
            type="button"
            class="secondary"
            disabled={draft.headers.length >= MAX_CUSTOM_HEADERS}
            onClick={() => {
              const added = row();
              set('headers', [...draft.headers, added]);
              setTimeout(() => document.getElementById(`header-name-${added.key}`)?.focus(), 0);
            }}
          >
            <span aria-hidden="true">+ </span>Add Header
          </button>
        </fieldset>

        <fieldset id="webhook-retry" aria-describedby={described('retry_policy')}>
          <legend>Retry Policy</legend>
          <p class="hint">On failure, retry:</p>
          <div class="check">
            <input
              id="retry-on"
              type="radio"
              name="retry"
              checked={draft.retry === 'retry'}
              onChange={() => set('retry', 'retry')}
            />
            <label for="retry-on">Up to {wholeNumber(draft.retries, 1, MAX_RETRIES) ?? 'N'} times</label>
          </div>
          <div class="field retry-count">
            <label for="retry-count">Number of retries</label>
            <input
              id="retry-count"
              type="number"
              inputMode="numeric"
              class="short"
              min={1}
              max={MAX_RETRIES}
              step={1}
              value={draft.retries}
              disabled={draft.retry !== 'retry'}
              aria-invalid={invalid('retry_policy')}
              aria-describedby={described('retry_policy', 'retry-count-hint')}
              onInput={(e) => set('retries', e.currentTarget.value)}
            />
            <p class="hint" id="retry-count-hint">
              1 to {MAX_RETRIES}.
            </p>
            {fieldError('retry_policy')}
          </div>
          <div class="check">
            <input
              id="retry-off"
              type="radio"
              name="retry"
              checked={draft.retry === 'none'}
              onChange={() => set('retry', 'none')}
            />
            <label for="retry-off">Don't retry (fire once)</label>
          </div>
          <div aria-live="polite" data-testid="retry-intervals">
            {retries > 0 ? (
              <>
                <p class="hint">Retry intervals:</p>
                <ul>
                  {retryDelays(retries, intervals).map((delay, index) => (
                    <li key={index}>
                      {ordinal(index + 1)} retry: {formatDuration(delay)} after failure
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p class="hint">A failed delivery is not tried again.</p>
            )}
          </div>
        </fieldset>

        <div class="field">
          <label for="webhook-timeout">Timeout (seconds)</label>
          <input
            id="webhook-timeout"
            type="number"
            inputMode="numeric"
            class="short"
            min={MIN_TIMEOUT_SECONDS}
            max={MAX_TIMEOUT_SECONDS}
            step={1}
            value={draft.timeout}
            aria-invalid={invalid('timeout_seconds')}
            aria-describedby={described('timeout_seconds', 'webhook-timeout-hint')}
            onInput={(e) => set('timeout', e.currentTarget.value)}
          />
          <p class="hint" id="webhook-timeout-hint">
            How long to wait for your endpoint to answer before the attempt counts as failed:{' '}
            {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS} seconds, {DEFAULT_TIMEOUT_SECONDS} by default.
          </p>
          {fieldError('timeout_seconds')}
        </div>

        <fieldset>
          <legend>Notification on persistent failure</legend>
          <div class="field">
            <label for="alert-threshold">Consider failed after</label>
            <input
              id="alert-threshold"
              type="number"
              inputMode="numeric"
              class="short"
              min={1}
              max={MAX_FAILURE_THRESHOLD}
              step={1}
              value={draft.threshold}
              aria-invalid={invalid('alerting.failure_threshold')}
              aria-describedby={described('alerting.failure_threshold', 'alert-threshold-hint')}
              onInput={(e) => set('threshold', e.currentTarget.value)}
            />{' '}
            <span id="alert-threshold-hint">consecutive failures</span>
            {fieldError('alerting.failure_threshold')}
          </div>
          <div class="field">
            <label for="alert-email">Email</label>
            <input
              id="alert-email"
              type="email"
              inputMode="email"
              autoComplete="email"
              value={draft.email}
              aria-invalid={invalid('alerting.email')}
              aria-describedby={described('alerting.email', 'alert-email-hint')}
              onInput={(e) => set('email', e.currentTarget.value)}
            />
            <p class="hint" id="alert-email-hint">
              Optional. Notified when the webhook is considered failed; a new address gets a confirmation mail
              first.
              {existing?.alerting.email_status
                ? ` Current address: ${existing.alerting.email_status.replace(/_/g, ' ')}.`
                : ''}
            </p>
            {fieldError('alerting.email')}
          </div>
        </fieldset>

        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <a class="button secondary" href={existing ? href('webhooks', existing.id) : href('webhooks')}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

function EventOption({
  type,
  index,
  known,
  checked,
  onChange,
}: {
  type: EventType;
  index: number;
  known: boolean;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  const id = `event-${index}`;
  return (
    <div class="event-option">
      <div class="check">
        <input
          id={id}
          type="checkbox"
          value={type.name}
          checked={checked}
          aria-describedby={`${id}-description`}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        <div>
          <label for={id}>{type.name}</label>
          <p class="hint" id={`${id}-description`}>
            {known ? type.description || 'No description.' : 'This event type is no longer in the catalogue.'}
          </p>
        </div>
      </div>
      {known ? (
        <details>
          <summary>
            View example<span class="visually-hidden"> of {type.name}</span>
          </summary>
          <CodeBlock label="Example payload">{prettyJson(type.example)}</CodeBlock>
        </details>
      ) : null}
    </div>
  );
}

function HeaderFields({
  header,
  index,
  problems,
  onChange,
  onRemove,
}: {
  header: HeaderRow;
  index: number;
  problems: { name?: string; value?: string };
  onChange: (next: HeaderRow) => void;
  onRemove: () => void;
}) {
  const nameId = `header-name-${header.key}`;
  const valueId = `header-value-${header.key}`;
  const n = index + 1;
  return (
    <div class="header-row" data-testid="header-row">
      <Labelled id={nameId} label="Header" n={n} error={problems.name}>
        <input
          id={nameId}
          type="text"
          autoComplete="off"
          spellcheck={false}
          placeholder="X-API-Key"
          value={header.name}
          aria-invalid={problems.name ? true : undefined}
          aria-describedby={problems.name ? `${nameId}-error` : undefined}
          onInput={(e) => onChange({ ...header, name: e.currentTarget.value })}
        />
      </Labelled>
      <Labelled id={valueId} label="Value" n={n} error={problems.value}>
        <input
          id={valueId}
          type="text"
          autoComplete="off"
          spellcheck={false}
          value={header.value}
          aria-invalid={problems.value ? true : undefined}
          aria-describedby={problems.value ? `${valueId}-error` : undefined}
          onInput={(e) => onChange({ ...header, value: e.currentTarget.value })}
        />
      </Labelled>
      <button type="button" class="secondary" onClick={onRemove}>
        Remove<span class="visually-hidden"> header {n}</span>
      </button>
    </div>
  );
}

function Labelled({
  id,
  label,
  n,
  error,
  children,
}: {
  id: string;
  label: string;
  n: number;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>
        {label}
        <span class="visually-hidden"> {n}</span>
      </label>
      {children}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
