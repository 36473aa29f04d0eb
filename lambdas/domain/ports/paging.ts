/** One page of a listing: at most `limit` items, after the opaque `cursor` of the previous page. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}
