const HEADINGS = {
  'invalid-link': 'Link not valid',
  'no-session': 'Link not valid',
  expired: 'Session ended',
  unavailable: 'Portal unavailable',
} as const;

/** What a visitor without a working session sees: never another account's data, never a blank page. */
export function LinkProblem({
  reason,
}: {
  reason: 'invalid-link' | 'no-session' | 'expired' | 'unavailable';
}) {
  const text = {
    'invalid-link':
      'This link is no longer valid. Portal links work once, for a short time. Ask for a new one.',
    'no-session': 'Open the portal from the link you were given. Portal links work once, for a short time.',
    expired: 'Your session has ended. Ask for a new link to continue.',
    unavailable: 'The webhook portal could not reach its service. Try again in a moment.',
  }[reason];
  return (
    <main id="main" class="problem">
      <h1>{HEADINGS[reason]}</h1>
      <p>{text}</p>
    </main>
  );
}
