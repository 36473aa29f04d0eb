import { ErrorMessage, Loading, PageTitle, useLoad } from '../components/common.js';
import { usePortal } from '../session.js';
import type { EventType } from '../types.js';
import '../config-screens.css';
import { CodeBlock, prettyJson } from '../config/code-block.js';

/** `#/event-types`: every event type a webhook can subscribe to, with its example payload. */
export function EventCatalog() {
  const { api } = usePortal();
  const types = useLoad(() => api.request<{ data: EventType[] }>('GET', '/v1/event-types'), []);
  const list = types.data?.data ?? [];
  return (
    <section>
      <PageTitle>Event Catalog</PageTitle>
      {types.loading && !types.data ? <Loading what="event types" /> : null}
      <ErrorMessage error={types.error} />
      {types.data ? (
        <p class="muted">
          A webhook receives the types it subscribes to; one that subscribes to none receives all events. Each
          delivery's body is <code>{'{ id, type, timestamp, data }'}</code>; the examples show{' '}
          <code>data</code>.
        </p>
      ) : null}
      {types.data && list.length === 0 ? <p>No event types are defined yet.</p> : null}
      {list.map((type) => (
        <article class="event-type" key={type.name} aria-labelledby={`event-${type.name}`}>
          <h2 id={`event-${type.name}`}>
            <code>{type.name}</code>
          </h2>
          <p>{type.description || <span class="muted">No description.</span>}</p>
          <CodeBlock label={`Example payload of ${type.name}`}>{prettyJson(type.example)}</CodeBlock>
        </article>
      ))}
    </section>
  );
}
