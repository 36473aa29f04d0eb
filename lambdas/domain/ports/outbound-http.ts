/** Outbound HTTP: the POSTs to customer endpoints, and the DNS answers their safety checks use. */

/** Resolves a hostname to every address it answers with. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface OutboundResponse {
  /** Absent when no HTTP answer came (timeout, refused, reset, blocked address). */
  readonly statusCode?: number;
  readonly retryAfter?: string;
  /** At most 4 KB. */
  readonly bodySnippet?: string;
  readonly responseTimeMs: number;
  readonly error?: string;
}

export interface WebhookSender {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}
