import { expect } from 'vitest';
import { DomainError } from '../../lambdas/domain/errors.js';
import type { ApiResponse } from './local-runtime.js';

/** The DomainError `promise` rejects with (the assertion fails when it resolves or throws otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

/** The body of every API error: `{"error": {code, message, details?}}`. */
export interface ErrorBody<Details = unknown> {
  readonly error: { readonly code: string; readonly message: string; readonly details?: Details };
}

/**
 * `response` is the error `status` with `code` and a message, and leaks nothing of the service's
 * insides (a stack trace, a source location, a path).
 */
export function expectError(response: ApiResponse<ErrorBody>, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  expect(JSON.stringify(response.body)).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|node_modules|\/work\//);
}
