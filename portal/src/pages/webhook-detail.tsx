import { PageTitle } from '../components/common.js';

/** Placeholder: one webhook's page (activity, deliveries, test, pause, delete). */
export function WebhookDetail({ id }: { id: string }) {
  return <PageTitle>Webhook {id}</PageTitle>;
}
