import { PageTitle } from '../components/common.js';

/** Placeholder: built with the rest of issue 11. */
export function Usage() {
  return <PageTitle>Usage</PageTitle>;
}
