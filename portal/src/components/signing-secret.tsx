import type { Webhook } from '../types.js';

/**
 * PLACEHOLDER (owned by the config-screens work): the webhook page's "Signing Secret" section:
 * the prefix, "Regenerate" (rotation with the grace period offered), and after a rotation the new
 * secret shown once with copy button and the receiver verification snippets. `onRotated` lets the
 * page reload the webhook.
 */
export function SigningSecret({ webhook }: { webhook: Webhook; onRotated?: () => void }) {
  return (
    <section aria-labelledby="signing-secret">
      <h2 id="signing-secret">Signing Secret</h2>
      <p>
        <code>{webhook.secret_prefix ?? '—'}…</code>
      </p>
    </section>
  );
}
