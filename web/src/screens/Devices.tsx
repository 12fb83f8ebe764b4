// The Devices screen: registered devices of the tenant(s) in view with what
// they sent in the last 24 hours, and for admins the holding area of
// sources no device claims, with re-assignment. /devices/{id} is a device's
// configuration (DeviceConfig.tsx).

import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Device, type Row, type Unassigned, assign, devices, isAbort, search, tenants, unassigned } from '../api';
import { AuthError, type Session } from '../auth';
import { fmtCount, fmtTime } from '../format';
import { getLang, t } from '../i18n';
import { quoteValue } from '../query';
import { type Loc, link, navigate } from '../route';
import { DeviceConfig, deviceConfigURL } from './DeviceConfig';

interface Activity {
  last: string;
  lines: number;
}

function errText(e: unknown, tenant: string): string {
  if (e instanceof ApiError) return e.status === 404 && tenant ? t('error.tenantNotFound', { tenant }) : t('error.api', { msg: e.message });
  return t('error.network', { msg: String(e) });
}

function SearchLink(p: { tenant: string; field: string; value: string; label: string }) {
  const href = link('/search', [
    ['f', p.field + ':' + p.value],
    ['start', '24h'],
    ['tenant', p.tenant],
  ]);
  return (
    <a
      href={href}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      {p.label}
    </a>
  );
}

export function Devices(p: { session: Session; loc: Loc }) {
  const m = /^\/devices\/(\d+)\/?$/.exec(p.loc.path);
  return m ? <DeviceConfig session={p.session} loc={p.loc} id={Number(m[1])} /> : <DeviceList session={p.session} loc={p.loc} />;
}

function DeviceList(p: { session: Session; loc: Loc }) {
  const tenant = p.loc.params.get('tenant') ?? '';
  const lang = getLang();
  const [list, setList] = useState<Device[] | null>(null);
  const [activity, setActivity] = useState<Map<string, Activity>>(new Map());
  const [error, setError] = useState('');
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    setList(null);
    const fail = (e: unknown) => {
      if (!isAbort(e) && !(e instanceof AuthError)) setError(errText(e, tenant));
    };
    devices(tenant, ac.signal).then(setList).catch(fail);
    // One query for every device's last event and count in the last 24 hours.
    const act = new Map<string, Activity>();
    search({ q: '* | stats by (tenant.id, device) max(_time) last, count() lines', start: '24h', tenant }, 0, ac.signal)
      .then((rows: Row[]) => {
        for (const r of rows) act.set(r['tenant.id'] + '/' + r.device, { last: r.last, lines: Number(r.lines) });
        setActivity(act);
      })
      .catch(() => setActivity(new Map()));
    return () => ac.abort();
  }, [tenant, nonce]);

  const showTenant = p.session.admin && !tenant;
  const [tenantIDs, setTenantIDs] = useState<Map<string, number>>(new Map());
  useEffect(() => {
    tenants()
      .then((ts) => setTenantIDs(new Map(ts.map((x) => [x.name, x.id]))))
      .catch(() => {});
  }, []);

  return (
    <div class="page devices-screen">
      <h1>{t('devices.title')}</h1>
      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      {!list && !error && <p class="muted">{t('common.loading')}</p>}
      {list && list.length === 0 && <p class="empty">{t('devices.none')}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="grid" data-testid="devices">
            <thead>
              <tr>
                {showTenant && <th>{t('devices.tenant')}</th>}
                <th>{t('devices.name')}</th>
                <th>{t('devices.sources')}</th>
                <th>{t('devices.devid')}</th>
                <th>{t('devices.format')}</th>
                <th>{t('devices.zone')}</th>
                <th>{t('devices.charset')}</th>
                <th>{t('devices.lastSeen')}</th>
                <th class="num">{t('devices.lines24h')}</th>
                <th>{t('configs.open')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => {
                const a = activity.get((tenantIDs.get(d.tenant) ?? '?') + '/' + d.name);
                return (
                  <tr data-device={d.name}>
                    {showTenant && <td>{d.tenant}</td>}
                    <td>
                      <SearchLink tenant={p.session.admin ? d.tenant : tenant} field="device" value={d.name} label={d.name} />
                    </td>
                    <td class="mono small">{d.sources.join(', ')}</td>
                    <td class="mono small">{d.devid ?? ''}</td>
                    <td>{d.format}</td>
                    <td class="small">{d.time_zone || <span class="muted" title={t('devices.zoneDefaultHint')}>{t('devices.zoneDefault')}</span>}</td>
                    <td class="small">{d.charset}</td>
                    <td class="mono small">{a ? fmtTime(a.last) : <span class="muted">{t('devices.quiet')}</span>}</td>
                    <td class="num">{a ? fmtCount(a.lines, lang) : 0}</td>
                    <td>
                      <a
                        href={deviceConfigURL(d.id, tenant)}
                        data-testid="config-link"
                        title={t('configs.openHint', { device: d.name })}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(deviceConfigURL(d.id, tenant));
                        }}
                      >
                        {t('configs.open')}
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {p.session.perms.includes('devices') && <UnassignedArea onAssigned={() => setNonce(nonce + 1)} />}
    </div>
  );
}

function UnassignedArea(p: { onAssigned: () => void }) {
  const lang = getLang();
  const [list, setList] = useState<Unassigned[] | null>(null);
  const [all, setAll] = useState<Device[]>([]);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState('');
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    unassigned(ac.signal)
      .then(setList)
      .catch((e) => !isAbort(e) && !(e instanceof AuthError) && setError(errText(e, '')));
    // Every tenant's devices, whatever the tenant switcher shows.
    devices('', ac.signal)
      .then(setAll)
      .catch(() => {});
    return () => ac.abort();
  }, [nonce]);

  const doAssign = async (u: Unassigned) => {
    const key = choice[u.source];
    const d = all.find((x) => x.tenant + '/' + x.name === key);
    if (!d) return;
    setBusy(u.source);
    setError('');
    try {
      const r = await assign(u.source, d.tenant, d.name);
      setDone(t('unassigned.done', { src: u.source, device: d.name, tenant: d.tenant, n: fmtCount(r.moved_lines, lang) }));
      setNonce(nonce + 1);
      p.onAssigned();
    } catch (e) {
      if (!(e instanceof AuthError)) setError(errText(e, ''));
    } finally {
      setBusy('');
    }
  };

  return (
    <section class="unassigned" data-testid="unassigned">
      <h2>{t('unassigned.title')}</h2>
      <p class="muted small">{t('unassigned.help')}</p>
      {error && (
        <div class="banner error" role="alert">
          {error}
        </div>
      )}
      {done && (
        <div class="banner ok" role="status">
          {done}
        </div>
      )}
      {list && list.length === 0 && <p class="empty">{t('unassigned.none')}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="grid">
            <thead>
              <tr>
                <th>{t('unassigned.source')}</th>
                <th>{t('unassigned.hostname')}</th>
                <th>{t('devices.devid')}</th>
                <th>{t('unassigned.firstSeen')}</th>
                <th>{t('unassigned.lastSeen')}</th>
                <th class="num">{t('unassigned.lines')}</th>
                <th>{t('unassigned.assignTo')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((u) => {
                const href = link('/search', [
                  ['q', `"log.source.address":=${quoteValue(u.source)} or "log.syslog.hostname":=${quoteValue(u.source)}`],
                  ['start', '30d'],
                  ['tenant', 'unassigned'],
                ]);
                return (
                  <tr data-source={u.source}>
                    <td class="mono">
                      <a
                        href={href}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(href);
                        }}
                      >
                        {u.source}
                      </a>
                    </td>
                    <td class="mono small">{u.hostname ?? ''}</td>
                    <td class="mono small">{u.devid ?? ''}</td>
                    <td class="mono small">{fmtTime(u.first_seen)}</td>
                    <td class="mono small">{fmtTime(u.last_seen)}</td>
                    <td class="num">{fmtCount(u.lines, lang)}</td>
                    <td class="assign">
                      <select
                        value={choice[u.source] ?? ''}
                        aria-label={t('unassigned.assignTo')}
                        onChange={(e) => setChoice({ ...choice, [u.source]: e.currentTarget.value })}
                      >
                        <option value="">{t('unassigned.pick')}</option>
                        {all.map((d) => (
                          <option value={d.tenant + '/' + d.name}>
                            {d.tenant} / {d.name}
                          </option>
                        ))}
                      </select>
                      <button type="button" disabled={!choice[u.source] || busy !== ''} onClick={() => doAssign(u)}>
                        {busy === u.source ? t('common.working') : t('unassigned.assign')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
