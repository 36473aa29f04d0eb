import { useRef, useState } from 'preact/hooks';
import { NODE_SNIPPET, PYTHON_SNIPPET } from './snippets.js';
import '../config-screens.css';
import { CodeBlock } from './code-block.js';

/**
 * A signing secret shown once (after create, after "Regenerate"): the value
 * (`data-testid="signing-secret-value"`), "Copy" with its outcome in a live region, and the
 * receiver verification snippets for Node and Python.
 */
export function SecretReveal({ secret, level = 2 }: { secret: string; level?: 2 | 3 }) {
  const value = useRef<HTMLElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const Heading = level === 2 ? 'h2' : 'h3';
  const Sub = level === 2 ? 'h3' : 'h4';

  const selectValue = () => {
    const node = value.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
  };

  const onCopy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      selectValue();
      setCopy('failed');
    }
  };

  return (
    <div class="secret" data-testid="signing-secret-reveal">
      <Heading>Your signing secret</Heading>
      <p>
        <strong>Copy it now; it will not be shown again.</strong> Afterwards only its first characters are
        shown. Store it where your receiver reads it (for example the environment variable{' '}
        <code>WEBHOOK_SECRET</code>).
      </p>
      <div class="secret-row">
        <code class="secret-value" ref={value} data-testid="signing-secret-value" id="signing-secret-value">
          {secret}
        </code>
        <button type="button" onClick={onCopy} aria-describedby="signing-secret-value">
          Copy
        </button>
      </div>
      <p role="status" class={copy === 'failed' ? 'error' : 'success'} data-testid="copy-status">
        {copy === 'copied'
          ? 'Copied'
          : copy === 'failed'
            ? 'Could not copy to the clipboard: the secret is selected, press Ctrl+C (⌘C) to copy it.'
            : ''}
      </p>
      <Sub>Verify signatures</Sub>
      <p>
        Every delivery is signed twice, with the same secret: Standard Webhooks headers (
        <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>) and{' '}
        <code>X-Webhook-Signature: sha256=…</code> with <code>X-Webhook-Timestamp</code>. Check either against
        the raw request body. While an old secret is still valid, the headers hold one signature per secret:
        any match is enough.
      </p>
      <details>
        <summary>Node.js</summary>
        <CodeBlock label={'Node.js verification code'}>{NODE_SNIPPET}</CodeBlock>
      </details>
      <details>
        <summary>Python</summary>
        <CodeBlock label={'Python verification code'}>{PYTHON_SNIPPET}</CodeBlock>
      </details>
    </div>
  );
}
