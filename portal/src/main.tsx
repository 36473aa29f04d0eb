import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, createApiClient } from './api.js';
import { App } from './app.js';
import { LinkProblem } from './pages/link-problem.js';
import { clearSession, loadSession, Portal, type PortalSession, saveSession } from './session.js';
import './styles.css';

/** `config.json`, written next to the page by whoever serves it (the CDK stack, the local runtime). */
interface PortalConfig {
  readonly api_url: string;
}

/** POST /v1/portal/sessions's answer. */
interface ExchangedSession {
  readonly session_key: string;
  readonly account_id: string;
  readonly read_only: boolean;
  readonly expires_at: string;
  readonly product_name?: string | null;
  readonly primary_color?: string | null;
}

type Boot =
  | { readonly state: 'loading' }
  | { readonly state: 'ready'; readonly apiUrl: string; readonly session: PortalSession }
  | { readonly state: 'problem'; readonly reason: 'invalid-link' | 'no-session' | 'expired' | 'unavailable' };

/** Takes `#token=…` out of the address bar at once, so it lingers in no history entry. */
function takeToken(): string | undefined {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match) return undefined;
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/webhooks`);
  return decodeURIComponent(match[1] as string);
}

async function boot(): Promise<Boot> {
  const token = takeToken();
  let config: PortalConfig;
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    config = (await response.json()) as PortalConfig;
  } catch {
    return { state: 'problem', reason: 'unavailable' };
  }
  const apiUrl = config.api_url.replace(/\/+$/, '');
  if (token) {
    try {
      const exchanged = await createApiClient(apiUrl).request<ExchangedSession>(
        'POST',
        '/v1/portal/sessions',
        {
          token,
        },
      );
      const session: PortalSession = {
        key: exchanged.session_key,
        accountId: exchanged.account_id,
        readOnly: exchanged.read_only,
        expiresAt: exchanged.expires_at,
        productName: exchanged.product_name ?? undefined,
        primaryColor: exchanged.primary_color ?? undefined,
      };
      saveSession(session);
      return { state: 'ready', apiUrl, session };
    } catch (error) {
      clearSession();
      if (error instanceof ApiError && error.status >= 400 && error.status < 500)
        return { state: 'problem', reason: 'invalid-link' };
      return { state: 'problem', reason: 'unavailable' };
    }
  }
  const saved = loadSession();
  return saved ? { state: 'ready', apiUrl, session: saved } : { state: 'problem', reason: 'no-session' };
}

function applyBranding(session: PortalSession): void {
  if (session.primaryColor) document.documentElement.style.setProperty('--primary', session.primaryColor);
  document.title = `${session.productName ?? 'Webhooks'} · Webhooks`;
}

function Root() {
  const [state, setState] = useState<Boot>({ state: 'loading' });
  useEffect(() => {
    boot().then(setState);
  }, []);
  if (state.state === 'loading')
    return (
      <p class="muted" role="status">
        Opening your webhook portal…
      </p>
    );
  if (state.state === 'problem') return <LinkProblem reason={state.reason} />;
  applyBranding(state.session);
  const onUnauthorized = () => {
    clearSession();
    setState({ state: 'problem', reason: 'expired' });
  };
  const api = createApiClient(state.apiUrl, state.session.key, onUnauthorized);
  return (
    <Portal.Provider value={{ api, session: state.session }}>
      <App />
    </Portal.Provider>
  );
}

render(<Root />, document.getElementById('app') as HTMLElement);
