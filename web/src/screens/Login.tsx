// The sign-in screen: user name and password, then the authenticator's code
// when the server asks for it; or, as a second way in, an API token.

import { useEffect, useRef, useState } from 'preact/hooks';
import { AuthError, RateLimited, TotpRequired, signIn } from '../auth';
import { t } from '../i18n';
import { LangSwitch } from '../components/Header';

export function Login() {
  const [useToken, setUseToken] = useState(false);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const codeBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (needCode) codeBox.current?.focus();
  }, [needCode]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(useToken ? { token } : { user, password, totp: needCode ? code : '' });
    } catch (err) {
      if (err instanceof TotpRequired) {
        // The password was right: ask for the code, keep what was typed.
        setNeedCode(true);
        if (needCode) setError(t('login.refused'));
      } else if (err instanceof RateLimited) {
        setError(t('login.rateLimited', { s: err.retryAfter }));
      } else if (err instanceof AuthError) {
        setError(useToken ? t('login.invalid') : t('login.refused'));
        setCode('');
      } else {
        setError(t('error.network', { msg: String(err) }));
      }
    } finally {
      setBusy(false);
    }
  };

  const onText = (set: (v: string) => void) => (e: { currentTarget: HTMLInputElement }) => set(e.currentTarget.value);

  return (
    <div class="login">
      <form class="card" onSubmit={submit} data-testid="login">
        <div class="brand big">
          <span class="kanji">関守</span> Sekimori
        </div>
        <h1>{t('login.title')}</h1>
        {useToken ? (
          <>
            <label for="token">{t('login.token')}</label>
            <input id="token" type="password" class="mono" autocomplete="off" value={token} onInput={onText(setToken)} autoFocus required />
            <p class="muted small">
              {t('login.help')} <code>sekimori token create --role admin</code>
            </p>
          </>
        ) : (
          <>
            <label for="user">{t('login.user')}</label>
            <input id="user" type="text" autocomplete="username" autocapitalize="none" spellcheck={false} value={user} onInput={onText(setUser)} autoFocus required />
            <label for="password">{t('login.password')}</label>
            <input id="password" type="password" autocomplete="current-password" value={password} onInput={onText(setPassword)} required />
            {needCode && (
              <>
                <label for="totp">{t('login.totp')}</label>
                <input
                  id="totp"
                  type="text"
                  class="mono"
                  inputMode="numeric"
                  autocomplete="one-time-code"
                  pattern="[0-9]*"
                  maxLength={8}
                  value={code}
                  onInput={onText(setCode)}
                  ref={codeBox}
                  required
                />
                <p class="muted small" data-testid="totp-help">
                  {t('login.totpHelp')}
                </p>
              </>
            )}
            {!needCode && (
              <p class="muted small">
                {t('login.userHelp')} <code>sekimori user create</code>
              </p>
            )}
          </>
        )}
        {error && (
          <div class="banner error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" class="primary" id="signin" disabled={busy}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <div class="login-foot">
          <a
            href="#"
            id="use-token"
            class="small"
            onClick={(e) => {
              e.preventDefault();
              setUseToken(!useToken);
              setError('');
            }}
          >
            {useToken ? t('login.usePassword') : t('login.useToken')}
          </a>
          <span class="spacer" />
          <LangSwitch />
        </div>
      </form>
    </div>
  );
}
