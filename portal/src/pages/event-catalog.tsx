import { PageTitle } from '../components/common.js';

/** Placeholder: built with the rest of issue 11. */
export function EventCatalog() {
  return <PageTitle>Event Catalog</PageTitle>;
}
