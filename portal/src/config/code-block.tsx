import '../config-screens.css';

/**
 * Preformatted code or JSON that may scroll: focusable and named, so a keyboard user can scroll it
 * (axe's scrollable-region-focusable) and a screen reader says what it is.
 */
export function CodeBlock({ label, children }: { label: string; children: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
    <figure class="code-block" aria-label={label} tabIndex={0}>
      <pre>
        <code>{children}</code>
      </pre>
    </figure>
  );
}

export const prettyJson = (value: unknown): string => JSON.stringify(value ?? {}, null, 2);
