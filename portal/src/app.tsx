import { DeliveryDetail } from './pages/delivery-detail.js';
import { EventCatalog } from './pages/event-catalog.js';
import { Usage } from './pages/usage.js';
import { WebhookDetail } from './pages/webhook-detail.js';
import { WebhookForm } from './pages/webhook-form.js';
import { WebhookList } from './pages/webhook-list.js';
import { href, useRoute } from './router.js';
import { usePortal } from './session.js';

/** The signed-in shell: header with the product name, navigation, and the current screen. */
export function App() {
  const { session } = usePortal();
  const route = useRoute();
  const current = (name: string) => (route.name === name ? 'page' : undefined);
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="product">{session.productName ?? 'Webhooks'}</span>
        <nav aria-label="Portal">
          <a href={href('webhooks')} aria-current={current('webhooks')}>
            Webhooks
          </a>
          <a href={href('event-types')} aria-current={current('event-types')}>
            Event Catalog
          </a>
          <a href={href('usage')} aria-current={current('usage')}>
            Usage
          </a>
        </nav>
        {session.readOnly ? <span class="badge">Read only</span> : null}
      </header>
      <main id="main" tabIndex={-1}>
        <Screen />
      </main>
    </>
  );

  function Screen() {
    switch (route.name) {
      case 'webhooks':
        return <WebhookList />;
      case 'new-webhook':
        return <WebhookForm />;
      case 'edit-webhook':
        return <WebhookForm id={route.id} />;
      case 'webhook':
        return <WebhookDetail id={route.id} />;
      case 'delivery':
        return <DeliveryDetail webhookId={route.id} deliveryId={route.deliveryId} />;
      case 'usage':
        return <Usage />;
      case 'event-types':
        return <EventCatalog />;
      default:
        return (
          <section>
            <h1>Page not found</h1>
            <p>
              There is no page at <code>{route.path}</code>. <a href={href('webhooks')}>Back to Webhooks</a>
            </p>
          </section>
        );
    }
  }
}
