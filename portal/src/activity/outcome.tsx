import type { ApiError } from '../api.js';

/** What a button did (or the API's refusal), said in a live region that is always in the page. */
export interface ActionOutcome {
  readonly text: string;
  readonly error?: ApiError;
}

export function OutcomeStatus({ outcome }: { outcome: ActionOutcome | undefined }) {
  return (
    <div role="status" class="act-live">
      {outcome ? (
        <p class={outcome.error ? 'error' : 'success'}>
          {outcome.text}
          {outcome.error ? ` ${outcome.error.message}` : ''}
        </p>
      ) : null}
    </div>
  );
}
