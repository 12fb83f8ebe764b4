// The authentication layer: the only module that knows how the browser proves
// who it is. A user signs in with name and password (and a TOTP code when the
// server asks for one); the server answers with an HttpOnly session cookie,
// which no script can read, and a CSRF token, kept here in memory only and
// sent as X-CSRF-Token on every request that changes something. After a
// reload the cookie is still there and GET /api/v1/session gives the CSRF
// token and who is signed in again. An API token can be used instead: it is
// kept in sessionStorage (gone when the tab closes) and sent as
// "Authorization: Bearer", without cookies.

/** Session is who is signed in, as the UI needs to know it. */
export interface Session {
  /** The signed-in user; null for an API token of no user. */
  user: string | null;
  /** provider_admin, provider_analyst, customer_admin or customer_viewer. */
  role: string;
  /** Sees several tenants: the tenant switcher and tenant columns. */
  admin: boolean;
  /** The one tenant this session sees; null when it sees several. */
  tenant: string | null;
  /** What the server lets this session do: read, triage, devices, users, ... */
  perms: string[];
}

/** Credentials are what the sign-in screen collects: a user, or a token. */
export type Credentials = { user: string; password: string; totp?: string } | { token: string };

/** AuthError means the server refused the credentials or no longer accepts the session. */
export class AuthError extends Error {}

/** TotpRequired: the password was right; ask for the authenticator's code and sign in again with it. */
export class TotpRequired extends AuthError {}

/** RateLimited: too many attempts from this address; retry after the given seconds. */
export class RateLimited extends Error {
  constructor(readonly retryAfter: number) {
    super('rate limited');
  }
}

interface SessionJSON {
  user?: string;
  role: string;
  tenant: string | null;
  tenants: string[] | null;
  permissions: string[] | null;
  csrf?: string;
}

const tokenKey = 'sekimori.token';

let session: Session | null = null;
let csrf = '';
const listeners = new Set<(s: Session | null) => void>();

function set(s: Session | null) {
  session = s;
  if (!s) {
    csrf = '';
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

function toSession(j: SessionJSON): Session {
  csrf = j.csrf ?? '';
  const tenant = j.tenant ?? (j.tenants && j.tenants.length === 1 ? j.tenants[0] : null);
  return { user: j.user ?? null, role: j.role, admin: tenant === null, tenant, perms: j.permissions ?? [] };
}

/**
 * authFetch is fetch for API paths with the session's credentials. A 401
 * ends the session (the UI returns to the sign-in screen) and throws
 * AuthError.
 */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = sessionStorage.getItem(tokenKey);
  const h = headers(init.headers, token);
  const method = (init.method ?? 'GET').toUpperCase();
  if (!token && csrf && method !== 'GET' && method !== 'HEAD') h.set('X-CSRF-Token', csrf);
  const res = await fetch(path, { ...init, headers: h, credentials: token ? 'omit' : 'same-origin' });
  if (res.status === 401) {
    if (session) set(null);
    throw new AuthError('unauthorized');
  }
  return res;
}

/** whoami asks the server who this browser is: by its stored token, else its cookie. */
async function whoami(token: string | null): Promise<Session> {
  const res = await fetch('/api/v1/session', { headers: headers(undefined, token), credentials: token ? 'omit' : 'same-origin' });
  if (res.status === 401) throw new AuthError('unauthorized');
  if (!res.ok) throw new Error(`GET /api/v1/session: HTTP ${res.status}`);
  return toSession((await res.json()) as SessionJSON);
}

/** restore finds out at start-up whether the browser is still signed in. */
export async function restore(): Promise<Session | null> {
  try {
    set(await whoami(sessionStorage.getItem(tokenKey)));
  } catch {
    set(null);
  }
  return session;
}

/** signIn checks the credentials with the server and starts a session. */
export async function signIn(c: Credentials): Promise<Session> {
  if ('token' in c) {
    const token = c.token.trim();
    if (!token) throw new AuthError('empty token');
    const s = await whoami(token);
    sessionStorage.setItem(tokenKey, token);
    set(s);
    return s;
  }
  sessionStorage.removeItem(tokenKey);
  const res = await fetch('/api/v1/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ user: c.user.trim(), password: c.password, totp: c.totp?.trim() ?? '' }),
  });
  if (res.status === 429) throw new RateLimited(Number(res.headers.get('Retry-After') ?? '60'));
  if (res.status === 401) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (body.error?.code === 'totp_required') throw new TotpRequired('totp required');
    throw new AuthError('refused');
  }
  if (!res.ok) throw new Error(`POST /api/v1/login: HTTP ${res.status}`);
  const s = toSession((await res.json()) as SessionJSON);
  set(s);
  return s;
}

/** signOut ends the server session (a token is just forgotten). */
export async function signOut(): Promise<void> {
  if (!sessionStorage.getItem(tokenKey) && session) {
    await fetch('/api/v1/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin' }).catch(() => {});
  }
  set(null);
}
