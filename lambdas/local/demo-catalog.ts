import type { EventType } from '../domain/model.js';

/** A small demo catalog (from the product seeds) so a fresh local runtime has types to subscribe to. */
export const DEMO_EVENT_TYPES: readonly Omit<EventType, 'updatedAt'>[] = [
  {
    name: 'document.sent',
    description: 'A document was sent for signature',
    example: { document_id: 'doc_abc123', title: 'Service agreement', recipients: 2 },
  },
  {
    name: 'document.completed',
    description: 'Every recipient signed the document',
    example: { document_id: 'doc_abc123', completed_at: '2024-01-27T15:00:00Z' },
  },
  {
    name: 'recipient.signed',
    description: 'A recipient signed a document',
    example: { document_id: 'doc_abc123', recipient_id: 'rcp_456', email: 'signer@example.com' },
  },
  {
    name: 'conversion.created',
    description: 'A new conversion was recorded',
    example: { conversion_id: 'conv_abc123', type: 'purchase', amount: 149.99, currency: 'EUR' },
  },
  {
    name: 'order.created',
    description: 'An order was placed',
    example: { order_id: 'ord_123', customer_email: 'customer@example.com', amount: 19700, currency: 'USD' },
  },
];
