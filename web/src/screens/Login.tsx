// The sign-in screen. For now it takes an API token; with users (issue 7) it
// takes a user name and password, and only auth.ts and this form change.

import { useState } from 'preact/hooks';
import { AuthError, signIn } from '../auth';
import { t } from '../i18n';
import { LangSwitch } from '../components/Header';

export function Login() {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn({ token });
    } catch (err) {
      setError(err instanceof AuthError ? t('login.invalid') : t('error.network', { msg: String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="card" onSubmit={submit} data-testid="login">
        <div class="brand big">
          <span class="kanji">関守</span> Sekimori
        </div>
        <h1>{t('login.title')}</h1>
        <label for="token">{t('login.token')}</label>
        <input
          id="token"
          type="password"
          class="mono"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          autoFocus
          required
        />
        <p class="muted small">
          {t('login.help')} <code>sekimori token create --role admin</code>
        </p>
        {error && (
          <div class="banner error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" class="primary" id="signin" disabled={busy}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <div class="login-foot">
          <LangSwitch />
        </div>
      </form>
    </div>
  );
}
