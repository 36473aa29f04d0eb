/**
 * Errors the domain and use cases raise. Each carries a stable machine code; the HTTP layer maps
 * codes to status codes in one place (`STATUS_BY_CODE` in lambdas/http/api.ts).
 */
export type ErrorCode =
  | 'validation_error'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'plan_limit_exceeded'
  | 'quota_exceeded'
  | 'unsupported_media_type'
  | 'portal_unavailable'
  | 'link_not_found'
  | 'link_used_or_expired';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string): DomainError => new DomainError('not_found', `${what} not found`);

export const invalid = (message: string, details?: unknown): DomainError =>
  new DomainError('validation_error', message, details);

export const conflict = (message: string): DomainError => new DomainError('conflict', message);
