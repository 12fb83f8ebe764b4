// The header of every screen: navigation, tenant switcher, language, theme
// and sign-out.

import { useEffect, useState } from 'preact/hooks';
import { type Tenant, tenants } from '../api';
import { type Session, signOut } from '../auth';
import { type Lang, getLang, setLang, t } from '../i18n';
import { type Loc, navigate, withParam } from '../route';
import { type Theme, applyTheme, nextTheme } from '../theme';

export function LangSwitch() {
  return (
    <select
      id="lang"
      class="lang"
      value={getLang()}
      aria-label={t('header.language')}
      onChange={(e) => setLang(e.currentTarget.value as Lang)}
    >
      <option value="ja">日本語</option>
      <option value="en">English</option>
    </select>
  );
}

function NavLink(p: { href: string; current: string; label: string; tenant: string }) {
  const href = p.href + (p.tenant ? '?tenant=' + encodeURIComponent(p.tenant) : '');
  return (
    <a
      href={href}
      class={p.current.startsWith(p.href) ? 'on' : ''}
      aria-current={p.current.startsWith(p.href) ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      {p.label}
    </a>
  );
}

function TenantSwitch(p: { session: Session; loc: Loc }) {
  const [list, setList] = useState<Tenant[]>([]);
  useEffect(() => {
    if (p.session.admin) tenants().then(setList).catch(() => {});
  }, [p.session]);
  const current = p.loc.params.get('tenant') ?? '';
  if (!p.session.admin) {
    return (
      <span class="tenant-badge" data-testid="tenant" title={t('header.tenant')}>
        {p.session.tenant ?? '?'}
      </span>
    );
  }
  return (
    <select
      id="tenant"
      value={current}
      aria-label={t('header.tenant')}
      onChange={(e) => {
        const url = withParam('tenant', e.currentTarget.value);
        // A switch of tenant keeps the query but not the open event or alert.
        const u = new URL(url, location.origin);
        u.searchParams.delete('ev');
        u.searchParams.delete('id');
        u.searchParams.delete('of');
        navigate(u.pathname + u.search);
      }}
    >
      <option value="">{t('header.allTenants')}</option>
      {list.map((x) => (
        <option value={x.name}>{x.name}</option>
      ))}
      <option value="unassigned">{t('header.unassigned')}</option>
      {current && current !== 'unassigned' && !list.some((x) => x.name === current) && <option value={current}>{current}</option>}
    </select>
  );
}

export function Header(p: { session: Session; loc: Loc; theme: Theme; onTheme: (t: Theme) => void }) {
  const tenant = p.loc.params.get('tenant') ?? '';
  return (
    <header class="top">
      <div class="brand">
        <span class="kanji">関守</span> Sekimori
      </div>
      <nav>
        <NavLink href="/search" current={p.loc.path} label={t('nav.search')} tenant={tenant} />
        <NavLink href="/alerts" current={p.loc.path} label={t('nav.alerts')} tenant={tenant} />
        <NavLink href="/devices" current={p.loc.path} label={t('nav.devices')} tenant={tenant} />
        <NavLink href="/assets" current={p.loc.path} label={t('nav.assets')} tenant={tenant} />
      </nav>
      <span class="spacer" />
      <TenantSwitch session={p.session} loc={p.loc} />
      <LangSwitch />
      <button
        type="button"
        class="icon theme"
        id="theme"
        title={t('header.theme')}
        aria-label={t('header.theme')}
        onClick={() => {
          const n = nextTheme(p.theme);
          applyTheme(n);
          p.onTheme(n);
        }}
      >
        ◐
      </button>
      {p.session.user && (
        <span class="who" data-testid="user" title={t('header.signedIn', { user: p.session.user, role: p.session.role })}>
          {p.session.user}
        </span>
      )}
      <button type="button" id="signout" onClick={() => void signOut()}>
        {t('header.signOut')}
      </button>
    </header>
  );
}
