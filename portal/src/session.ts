import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.js';

/** What the link exchange gave this tab (POST /v1/portal/sessions), kept in sessionStorage. */
export interface PortalSession {
  readonly key: string;
  readonly accountId: string;
  readonly readOnly: boolean;
  readonly expiresAt: string;
  readonly productName?: string;
  readonly primaryColor?: string;
}

const STORAGE_KEY = 'webhooks-portal-session';

export function loadSession(now: Date = new Date()): PortalSession | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as PortalSession;
    if (typeof session.key !== 'string' || Date.parse(session.expiresAt) <= now.getTime()) {
      sessionStorage.removeItem(STORAGE_KEY);
      return undefined;
    }
    return session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: PortalSession): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Storage may be off (a sandboxed iframe): the session then lasts as long as the page.
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // As above.
  }
}

/** What every screen needs: the API client and the session (read-only hides write controls). */
export interface PortalContext {
  readonly api: ApiClient;
  readonly session: PortalSession;
}

export const Portal = createContext<PortalContext | undefined>(undefined);

export function usePortal(): PortalContext {
  const context = useContext(Portal);
  if (!context) throw new Error('usePortal outside <Portal.Provider>');
  return context;
}
