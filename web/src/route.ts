// Client-side routing on the History API. Every view keeps its state in the
// URL (path and query parameters), so any screen can be shared as a link and
// the back button works. The server answers index.html for these paths.

import { useEffect, useState } from 'preact/hooks';

const event = 'sekimori:navigate';

export interface Loc {
  path: string;
  params: URLSearchParams;
}

function current(): Loc {
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** useLocation re-renders the caller on every navigation. */
export function useLocation(): Loc {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const on = () => setLoc(current());
    addEventListener('popstate', on);
    addEventListener(event, on);
    return () => {
      removeEventListener('popstate', on);
      removeEventListener(event, on);
    };
  }, []);
  return loc;
}

/** navigate goes to url (path and query); replace keeps the history entry. */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new Event(event));
}

/** withParam returns the current URL with one parameter set ("" removes it). */
export function withParam(name: string, value: string, loc = current()): string {
  const p = new URLSearchParams(loc.params);
  if (value) p.set(name, value);
  else p.delete(name);
  const qs = p.toString();
  return loc.path + (qs ? '?' + qs : '');
}

/** link builds path?params, dropping empty values. */
export function link(path: string, params: [string, string][]): string {
  const p = new URLSearchParams();
  for (const [k, v] of params) if (v !== '') p.append(k, v);
  const qs = p.toString();
  return path + (qs ? '?' + qs : '');
}
