/**
 * A scrollable `<pre>` (response bodies, payloads), focusable so a keyboard can scroll it (axe's
 * scrollable-region-focusable). `label` titles it for a pointer's hover.
 */
export function CodeBlock({
  text,
  label,
  class: className,
}: {
  text: string;
  label: string;
  class?: string;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
    <pre class={`act-body ${className ?? ''}`} tabIndex={0} title={label}>
      {text}
    </pre>
  );
}
