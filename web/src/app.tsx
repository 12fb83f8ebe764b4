// The application shell: sign-in when there is no session, otherwise the
// header and the screen the URL names.

import { useEffect, useState } from 'preact/hooks';
import { type Session, currentSession, onAuthChange, restore } from './auth';
import { Header } from './components/Header';
import { onLangChange, t } from './i18n';
import { navigate, useLocation } from './route';
import { Alerts } from './screens/Alerts';
import { Assets } from './screens/Assets';
import { Devices } from './screens/Devices';
import { Login } from './screens/Login';
import { SearchContext } from './screens/Context';
import { Search } from './screens/Search';
import { isDark, storedTheme } from './theme';

export function App() {
  const [session, setSession] = useState<Session | null>(currentSession);
  const [restored, setRestored] = useState(false);
  const [, setLang] = useState(0);
  const [theme, setTheme] = useState(storedTheme);
  const [dark, setDark] = useState(isDark);
  const loc = useLocation();

  useEffect(() => onAuthChange(setSession), []);
  // A reload keeps the session cookie: ask the server who we are first.
  useEffect(() => {
    restore().finally(() => setRestored(true));
  }, []);
  useEffect(() => onLangChange(() => setLang((n) => n + 1)), []);
  useEffect(() => {
    setDark(isDark());
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const on = () => setDark(isDark());
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [theme]);
  useEffect(() => {
    if (loc.path === '/' || loc.path === '/index.html') navigate('/search' + location.search, true);
  }, [loc.path]);

  if (!restored) return <div class="login" data-testid="restoring" />;
  if (!session) return <Login />;
  let screen;
  if (loc.path.startsWith('/alerts')) screen = <Alerts session={session} loc={loc} />;
  else if (loc.path.startsWith('/devices')) screen = <Devices session={session} loc={loc} />;
  else if (loc.path.startsWith('/assets')) screen = <Assets session={session} loc={loc} />;
  else if (loc.path.startsWith('/search') && loc.params.has('ctx')) screen = <SearchContext loc={loc} />;
  else if (loc.path.startsWith('/search') || loc.path === '/') screen = <Search loc={loc} dark={dark} />;
  else
    screen = (
      <div class="page">
        <h1>{t('notFound.title')}</h1>
        <p>{t('notFound.text', { path: loc.path })}</p>
      </div>
    );
  return (
    <div class="shell">
      <Header session={session} loc={loc} theme={theme} onTheme={setTheme} />
      <main class="content">{screen}</main>
    </div>
  );
}
