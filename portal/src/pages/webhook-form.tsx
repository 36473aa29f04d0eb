import { PageTitle } from '../components/common.js';

/** Placeholder: the create (no id) and edit form. */
export function WebhookForm({ id }: { id?: string }) {
  return <PageTitle>{id ? 'Edit Webhook' : 'Add Webhook'}</PageTitle>;
}
