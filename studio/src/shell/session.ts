import { useSyncExternalStore } from 'react';
import { api, currentSession, onSessionChange, setSession, type SessionTokens } from '../api/client';

/** What sign-in and registration answer: the tokens plus who signed in. */
export interface SignedIn extends SessionTokens {
  user: { id: string; email: string };
  household: { id: string; name: string };
}

function subscribe(listener: () => void): () => void {
  return onSessionChange(() => listener());
}

// The token store parses localStorage on every read; React needs the same object until it changes.
let snapshotText = 'null';
let snapshot: SessionTokens | null = null;
function sessionSnapshot(): SessionTokens | null {
  const tokens = currentSession();
  const text = JSON.stringify(tokens);
  if (text !== snapshotText) {
    snapshotText = text;
    snapshot = tokens;
  }
  return snapshot;
}

/** The current session (null when signed out); re-renders on sign-in, refresh and sign-out. */
export function useSession(): SessionTokens | null {
  return useSyncExternalStore(subscribe, sessionSnapshot, sessionSnapshot);
}

export async function signIn(mode: 'login' | 'register', body: { email: string; password: string; householdName?: string }): Promise<SignedIn> {
  const answer = await api<SignedIn>(`/auth/${mode}`, { method: 'POST', body });
  const { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt } = answer;
  setSession({ accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt });
  return answer;
}

/** Revokes the refresh token on the server, then forgets the session here even if the server is unreachable. */
export async function signOut(): Promise<void> {
  const tokens = currentSession();
  try {
    if (tokens) await api('/auth/logout', { method: 'POST', body: { refreshToken: tokens.refreshToken } });
  } finally {
    setSession(null);
  }
}
