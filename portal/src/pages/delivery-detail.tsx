import { PageTitle } from '../components/common.js';

/** Placeholder: one delivery, its attempts and payload. */
export function DeliveryDetail({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) {
  return (
    <PageTitle>
      Delivery {deliveryId} of {webhookId}
    </PageTitle>
  );
}
