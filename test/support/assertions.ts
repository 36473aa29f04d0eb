import { expect } from 'vitest';
import { DomainError } from '../../lambdas/domain/errors.js';

/** The DomainError `promise` rejects with (the assertion fails when it resolves or throws otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}
