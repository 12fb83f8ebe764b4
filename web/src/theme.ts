// Light and dark themes: "auto" follows prefers-color-scheme; the choice is
// remembered in localStorage. The stylesheet reads html[data-theme].

export type Theme = 'auto' | 'light' | 'dark';

const key = 'sekimori.theme';

export function storedTheme(): Theme {
  const v = localStorage.getItem(key);
  return v === 'light' || v === 'dark' ? v : 'auto';
}

export function applyTheme(t: Theme): void {
  localStorage.setItem(key, t);
  document.documentElement.dataset.theme = t;
}

/** isDark says whether the page is dark now (for charts drawn in canvas). */
export function isDark(): boolean {
  const t = document.documentElement.dataset.theme;
  if (t === 'dark') return true;
  if (t === 'light') return false;
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

export function nextTheme(t: Theme): Theme {
  return t === 'auto' ? (isDark() ? 'light' : 'dark') : t === 'dark' ? 'light' : 'dark';
}
