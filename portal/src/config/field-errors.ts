import { ApiError } from '../api.js';

/**
 * The API's validation_error details, by field: `{path: "body.alerting.email", message}` (the
 * service joins the path with dots; an array path is accepted too) → `"alerting.email"`. Issues
 * whose field `known` does not list are for the top of the form.
 */
export interface SortedIssues {
  readonly byField: Readonly<Record<string, string[]>>;
  readonly other: string[];
}

export function sortIssues(error: unknown, known: readonly string[]): SortedIssues {
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return { byField, other };
  for (const issue of error.details as { path?: unknown; message?: unknown }[]) {
    const message = typeof issue?.message === 'string' ? issue.message : 'is invalid';
    const raw = issue?.path;
    const parts = (
      Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split('.') : []
    ).filter((part) => part !== '');
    if (parts[0] === 'body') parts.shift();
    // The longest known field the path starts with: "alerting.email", else "alerting".
    let field: string | undefined;
    for (let length = parts.length; length > 0 && !field; length--) {
      const candidate = parts.slice(0, length).join('.');
      if (known.includes(candidate)) field = candidate;
    }
    if (field) byField[field] = [...(byField[field] ?? []), message];
    else other.push(parts.length > 0 ? `${parts.join('.')}: ${message}` : message);
  }
  return { byField, other };
}
