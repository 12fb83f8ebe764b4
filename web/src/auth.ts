// The authentication layer: the only module that knows how the browser proves
// who it is. Today that is an API token kept in sessionStorage (gone when the
// tab closes) and sent as "Authorization: Bearer". When users and session
// cookies arrive (issue 7) this module alone changes: signIn posts the
// credentials, authFetch sends the cookie (credentials: 'same-origin') with a
// CSRF header, signOut ends the server session, and whoami reads the user
// and role from the server instead of probing.

/** Session is who is signed in, as the UI needs to know it. */
export interface Session {
  /** Sees every tenant and may use admin screens (tenant switcher, unassigned). */
  admin: boolean;
  /** The one tenant a tenant token sees; null for admins. */
  tenant: string | null;
}

/** Credentials are what the sign-in screen collects. */
export interface Credentials {
  token: string;
}

/** AuthError means the server no longer accepts the session: sign in again. */
export class AuthError extends Error {}

const tokenKey = 'sekimori.token';
const sessionKey = 'sekimori.session';

let session: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(sessionKey);
    return raw && sessionStorage.getItem(tokenKey) ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function set(s: Session | null) {
  session = s;
  if (s) sessionStorage.setItem(sessionKey, JSON.stringify(s));
  else {
    sessionStorage.removeItem(sessionKey);
    sessionStorage.removeItem(tokenKey);
  }
  listeners.forEach((fn) => fn(s));
}

export function currentSession(): Session | null {
  return session;
}

/** onAuthChange calls fn after every sign-in and sign-out; returns an unsubscribe. */
export function onAuthChange(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function headers(init: HeadersInit | undefined, token: string | null): Headers {
  const h = new Headers(init);
  if (token) h.set('Authorization', 'Bearer ' + token);
  return h;
}

/**
 * authFetch is fetch for API paths with the session's credentials. A 401
 * ends the session (the UI returns to the sign-in screen) and throws
 * AuthError.
 */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = sessionStorage.getItem(tokenKey);
  const res = await fetch(path, { ...init, headers: headers(init.headers, token), credentials: 'omit' });
  if (res.status === 401) {
    if (session) set(null);
    throw new AuthError('unauthorized');
  }
  return res;
}

/**
 * whoami finds out what the token may do. The API has no "who am I" yet:
 * the tenants list shows a tenant token's tenant, and the admin-only
 * unassigned list answers 403 to anyone else.
 */
async function whoami(token: string): Promise<Session> {
  const get = (p: string) => fetch(p, { headers: headers(undefined, token), credentials: 'omit' });
  const tenants = await get('/api/v1/tenants');
  if (tenants.status === 401) throw new AuthError('invalid token');
  if (!tenants.ok) throw new Error(`GET /api/v1/tenants: HTTP ${tenants.status}`);
  const list = (await tenants.json()) as { name: string }[];
  const probe = await get('/api/v1/unassigned');
  if (probe.ok) return { admin: true, tenant: null };
  if (probe.status !== 403) throw new Error(`GET /api/v1/unassigned: HTTP ${probe.status}`);
  return { admin: false, tenant: list.length === 1 ? list[0].name : null };
}

/** signIn checks the credentials with the server and starts a session. */
export async function signIn(c: Credentials): Promise<Session> {
  const token = c.token.trim();
  if (!token) throw new AuthError('empty token');
  const s = await whoami(token);
  sessionStorage.setItem(tokenKey, token);
  set(s);
  return s;
}

export function signOut(): void {
  set(null);
}
