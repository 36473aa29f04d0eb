/**
 * The portal's only way to the service: the public REST API (docs/portal.md), with the session key
 * as a Bearer token. Errors arrive as the API's JSON `{error: {code, message, details?}}`.
 */

/**
 * One field's complaint, as the API's `validation_error` details list it: the service sends the
 * path joined with dots, where it was (`"body.url"`, lambdas/http/api.ts validate()).
 */
export interface FieldIssue {
  readonly path: string | readonly (string | number)[];
  readonly message: string;
}

/** `"body.headers.X-A"` or `["headers", "X-A"]` → `["headers", "X-A"]`. */
const pathParts = (path: FieldIssue['path']): string[] => {
  const parts = typeof path === 'string' ? path.split('.') : Array.isArray(path) ? path.map(String) : [];
  return parts[0] === 'body' || parts[0] === 'query' ? parts.slice(1) : parts;
};

/** A non-2xx answer, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }

  /** The validation issues whose path starts with `field` (e.g. `url`, `headers`). */
  issuesFor(field: string): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return (this.details as FieldIssue[]).filter((issue) => issue && pathParts(issue.path)[0] === field);
  }
}

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A client for `baseUrl` (no trailing slash) that sends `key` on every call, when there is one. */
export function createApiClient(baseUrl: string, key?: string, onUnauthorized?: () => void): ApiClient {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
        });
      } catch {
        throw new ApiError(0, 'network_error', 'The service could not be reached. Check your connection.');
      }
      const text = await response.text();
      const parsed: unknown = text ? safeJson(text) : undefined;
      if (!response.ok) {
        const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } })?.error;
        if (response.status === 401) onUnauthorized?.();
        throw new ApiError(
          response.status,
          error?.code ?? `http_${response.status}`,
          error?.message ?? `The service answered ${response.status}`,
          error?.details,
        );
      }
      return parsed as T;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
