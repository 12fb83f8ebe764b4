// The Assets screen: the hosts of the tenant(s) in view with how complete
// and how fresh their inventories are, a filter (text, or an IP address from
// the pivot menu), and the detail of one host: addresses (with NAT), its
// software (searchable), the alerts aimed at it, its history, and links to
// its logs. Admins can import a hosts CSV, an SBOM or an nmap scan. The
// whole state (filter, IP, open host, software search) is in the URL.
// Keyboard: j / k move the selection, Enter opens it, Escape closes it.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type Asset,
  type AssetDetail,
  ApiError,
  type ImportResult,
  type Software,
  asset as getAsset,
  assets as listAssets,
  importAssets,
  isAbort,
  tenants,
} from '../api';
import { AuthError, type Session } from '../auth';
import { InventoryBadge, VerdictBadge, freshness } from '../components/Verdict';
import { fmtCount, fmtTime } from '../format';
import { getLang, t } from '../i18n';
import { isIP } from '../query';
import { type Loc, link, navigate } from '../route';
import { Breakable, Severity, alertLink } from './Alerts';

interface AssetsState {
  /** Text filter over the table. */
  q: string;
  /** Only hosts with this internal or public address (the pivot menu's "show its asset"). */
  ip: string;
  /** The open host's asset id; "" for none. */
  id: string;
  /** The open host's tenant when the view spans every tenant (admins). */
  of: string;
  /** Search in the open host's software. */
  sw: string;
  /** The import form is open. */
  imp: boolean;
}

function readState(p: URLSearchParams): AssetsState {
  const ip = p.get('ip') ?? '';
  return {
    q: p.get('q') ?? '',
    ip: isIP(ip) ? ip : '',
    id: p.get('id') ?? '',
    of: p.get('of') ?? '',
    sw: p.get('sw') ?? '',
    imp: p.get('import') === '1',
  };
}

export function assetsURL(s: AssetsState, tenant: string): string {
  return link('/assets', [
    ['q', s.q],
    ['ip', s.ip],
    ['tenant', tenant],
    ['id', s.id],
    ['of', tenant ? '' : s.of],
    ['sw', s.id ? s.sw : ''],
    ['import', s.imp ? '1' : ''],
  ]);
}

function errText(e: unknown, tenant: string): string {
  if (e instanceof ApiError) return e.status === 404 && tenant ? t('error.tenantNotFound', { tenant }) : t('error.api', { msg: e.message });
  return t('error.network', { msg: String(e) });
}

function inTextBox(e: Event): boolean {
  return !!(e.target as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable]');
}

function follow(e: MouseEvent, href: string) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(href);
}

/** SoftwareRow is a software entry with the inventory it comes from. */
interface SoftwareRow extends Software {
  from: string;
}

function softwareOf(a: Asset): SoftwareRow[] {
  const out: SoftwareRow[] = [];
  // Triage checks the host's OS like any other product.
  if (a.host.os) out.push({ product: '', name: a.host.os, version: a.host.os_version, from: t('assets.swOS') });
  for (const s of a.host.software ?? []) out.push({ ...s, from: a.host.source || a.source });
  for (const inv of a.inventories ?? []) for (const s of inv.software ?? []) out.push({ ...s, from: inv.source });
  return out;
}

function haystack(a: Asset): string {
  const h = a.host;
  return [
    h.asset_id,
    h.hostname,
    ...(h.ips ?? []),
    ...(h.public_ips ?? []),
    h.role,
    h.criticality,
    h.os,
    h.os_version,
    h.notes,
    ...softwareOf(a).map((s) => s.name + ' ' + (s.version ?? '')),
  ]
    .join('\n')
    .toLowerCase();
}

const key = (a: Asset) => a.tenant_id + '/' + (a.host.asset_id ?? '');

export function Assets(p: { session: Session; loc: Loc }) {
  const state = useMemo(() => readState(p.loc.params), [p.loc]);
  const tenant = p.loc.params.get('tenant') ?? '';
  const lang = getLang();
  const [list, setList] = useState<Asset[] | null>(null);
  const [error, setError] = useState('');
  const [nonce, setNonce] = useState(0);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [cursor, setCursor] = useState('');

  const go = (next: Partial<AssetsState>, replace = false) => navigate(assetsURL({ ...state, ...next }, tenant), replace);

  useEffect(() => {
    tenants()
      .then((ts) => setNames(new Map(ts.map((x) => [x.id, x.name]))))
      .catch(() => {});
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    listAssets(tenant, state.ip, ac.signal)
      .then(setList)
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        setList([]);
        setError(errText(e, tenant));
      });
    return () => ac.abort();
  }, [tenant, state.ip, nonce]);

  const shown = useMemo(() => {
    const q = state.q.trim().toLowerCase();
    return (list ?? []).filter((a) => !q || haystack(a).includes(q));
  }, [list, state.q]);

  const open = (a: Asset, replace = false) => go({ id: a.host.asset_id ?? '', of: tenant ? '' : (names.get(a.tenant_id) ?? ''), sw: '' }, replace);

  // The pivot menu's "show its asset" goes straight to the host when one has the address.
  useEffect(() => {
    if (state.ip && !state.id && list && list.length === 1 && (tenant || names.size > 0)) open(list[0], true);
  }, [list, state.ip, state.id, names]);

  useEffect(() => {
    if (!shown.some((a) => key(a) === cursor)) {
      const o = shown.find((a) => a.host.asset_id === state.id);
      setCursor(o ? key(o) : shown[0] ? key(shown[0]) : '');
    }
  }, [shown]);

  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || inTextBox(e) || shown.length === 0) return;
    const i = shown.findIndex((a) => key(a) === cursor);
    switch (e.key) {
      case 'j':
      case 'k': {
        const next = e.key === 'j' ? Math.min(i + 1, shown.length - 1) : Math.max(i - 1, 0);
        setCursor(key(shown[next]));
        break;
      }
      case 'Enter':
        if (i < 0 || (e.target as HTMLElement).closest('button, a')) return;
        open(shown[i]);
        break;
      case 'Escape':
        if (state.id) go({ id: '', of: '', sw: '' });
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  useEffect(() => {
    const on = (e: KeyboardEvent) => keys.current(e);
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);
  useEffect(() => {
    document.querySelector(`tr[data-key="${CSS.escape(cursor)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  const showTenant = p.session.admin && !tenant;
  const now = Date.now();
  const detailTenant = tenant || state.of;

  return (
    <div class={'page assets-screen' + (state.id ? ' with-detail' : '')}>
      <div class="alerts-bar">
        <h1>{t('assets.title')}</h1>
        <form
          class="field-inline"
          role="search"
          onSubmit={(e) => e.preventDefault()}
        >
          {/* The URL is the filter's only state: it is updated on every keystroke. */}
          <input
            id="asset-filter"
            type="search"
            value={state.q}
            placeholder={t('assets.filterHint')}
            aria-label={t('assets.filter')}
            onInput={(e) => go({ q: e.currentTarget.value }, true)}
          />
        </form>
        {state.ip && (
          <span class="chip" data-testid="ip-filter">
            <span class="chip-op">
              {t('assets.ip')} = <span class="mono">{state.ip}</span>
            </span>
            <button type="button" class="chip-x" aria-label={t('assets.ipClear')} title={t('assets.ipClear')} onClick={() => go({ ip: '' })}>
              ×
            </button>
          </span>
        )}
        {p.session.admin && (
          <button type="button" id="import-open" aria-expanded={state.imp} onClick={() => go({ imp: !state.imp }, true)}>
            {t('assets.import')} {state.imp ? '▴' : '▾'}
          </button>
        )}
        <span class="spacer" />
        <span class="muted small" data-testid="asset-count" data-loading={list ? '0' : '1'}>
          {list ? t('assets.count', { n: fmtCount(shown.length, lang) }) : t('common.loading')}
        </span>
        <span class="muted small keys">{t('assets.keys')}</span>
      </div>
      {state.imp && p.session.admin && (
        <ImportForm
          tenant={tenant}
          assetID={state.id}
          onDone={() => setNonce((n) => n + 1)}
        />
      )}
      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      <div class="alerts-body">
        <div>
          {list && list.length === 0 && !error && <p class="empty">{state.ip ? t('assets.none') : t('assets.empty')}</p>}
          {list && list.length > 0 && shown.length === 0 && <p class="empty">{t('assets.none')}</p>}
          {shown.length > 0 && (
            <div class="table-wrap">
              <table class="grid alerts assets" data-testid="assets">
                <thead>
                  <tr>
                    {showTenant && <th>{t('devices.tenant')}</th>}
                    <th>{t('assets.colID')}</th>
                    <th>{t('assets.colHost')}</th>
                    <th>{t('assets.colIPs')}</th>
                    <th>{t('assets.colPublic')}</th>
                    <th class="opt">{t('assets.colRole')}</th>
                    <th>{t('assets.colCrit')}</th>
                    <th class="opt">{t('assets.colOS')}</th>
                    <th>{t('assets.colInventory')}</th>
                    <th class="num opt">{t('assets.colSoftware')}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((a) => {
                    const f = freshness(a, now);
                    const k = key(a);
                    const isOpen = a.host.asset_id === state.id && (!state.of || names.get(a.tenant_id) === state.of);
                    return (
                      <tr
                        data-key={k}
                        data-asset={a.host.asset_id}
                        data-stale={f.stale ? '1' : '0'}
                        class={(k === cursor ? 'sel ' : '') + (isOpen ? 'open ' : '') + (f.stale ? 'stale' : '')}
                        aria-selected={k === cursor}
                        onClick={(e) => {
                          if ((e.target as HTMLElement).closest('a, button, input')) return;
                          setCursor(k);
                          open(a);
                        }}
                      >
                        {showTenant && <td class="small">{names.get(a.tenant_id) ?? a.tenant_id}</td>}
                        <td class="mono small id">{a.host.asset_id}</td>
                        <td class="host">{a.host.hostname ?? ''}</td>
                        <td class="mono small">{(a.host.ips ?? []).join(', ')}</td>
                        <td class="mono small">{(a.host.public_ips ?? []).join(', ')}</td>
                        <td class="small opt">{a.host.role ?? ''}</td>
                        <td>{a.host.criticality && <Severity s={a.host.criticality} />}</td>
                        <td class="small opt">{[a.host.os, a.host.os_version].filter(Boolean).join(' ')}</td>
                        <td class="inv-cell">
                          <InventoryBadge complete={f.complete} ageDays={f.ageDays} stale={f.stale} />
                          {Number.isFinite(f.collected) && <span class="muted small mono">{fmtTime(f.collected).slice(0, 10)}</span>}
                        </td>
                        <td class="num opt">{fmtCount(softwareOf(a).filter((s) => s.product !== '').length, lang)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {state.id && (
          <Detail
            id={state.id}
            tenant={detailTenant}
            sw={state.sw}
            nonce={nonce}
            onSearch={(sw) => go({ sw }, true)}
            onClose={() => go({ id: '', of: '', sw: '' })}
          />
        )}
      </div>
    </div>
  );
}

function ImportForm(p: { tenant: string; assetID: string; onDone: () => void }) {
  const lang = getLang();
  const [file, setFile] = useState<File | null>(null);
  const [assetID, setAssetID] = useState(p.assetID);
  const [partial, setPartial] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState<{ name: string; r: ImportResult } | null>(null);
  useEffect(() => setAssetID(p.assetID), [p.assetID]);

  if (!p.tenant) return <div class="banner info import-form">{t('assets.importNeedTenant')}</div>;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError('');
    setDone(null);
    try {
      const r = await importAssets(p.tenant, file, assetID.trim(), partial);
      setDone({ name: file.name, r });
      p.onDone();
    } catch (err) {
      if (!(err instanceof AuthError)) setError(errText(err, p.tenant));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="import-form" data-testid="import-form" onSubmit={submit}>
      <h2>{t('assets.importTitle')}</h2>
      <p class="muted small">{t('assets.importHelp')}</p>
      <div class="import-fields">
        <label>
          {t('assets.importFile')}
          <input id="import-file" type="file" accept=".csv,.json,.xml,.spdx,.cdx" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        </label>
        <label>
          {t('assets.importAsset')}
          <input id="import-asset" type="text" value={assetID} onInput={(e) => setAssetID(e.currentTarget.value)} />
        </label>
        <label class="check-label">
          <input id="import-partial" type="checkbox" checked={partial} onChange={(e) => setPartial(e.currentTarget.checked)} />
          {t('assets.importPartial')}
        </label>
        <button type="submit" class="primary" id="import-submit" disabled={!file || busy}>
          {busy ? t('common.working') : t('assets.importSubmit')}
        </button>
      </div>
      {error && (
        <div class="banner error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      {done && (
        <div class="banner ok" role="status" data-testid="import-done">
          {t('assets.importDone', {
            file: done.name,
            kind: done.r.kind,
            created: fmtCount(done.r.created, lang),
            updated: fmtCount(done.r.updated, lang),
            unchanged: fmtCount(done.r.unchanged, lang),
          })}
          {done.r.software ? ' ' + t('assets.importSoftware', { n: fmtCount(done.r.software, lang) }) : ''}
        </div>
      )}
    </form>
  );
}

function Detail(p: { id: string; tenant: string; sw: string; nonce: number; onSearch: (sw: string) => void; onClose: () => void }) {
  const lang = getLang();
  const [d, setD] = useState<AssetDetail | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    getAsset(p.id, p.tenant, ac.signal)
      .then(setD)
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        setD(null);
        setError(e instanceof ApiError && e.status === 404 ? t('assets.notFound', { id: p.id }) : errText(e, p.tenant));
      });
    return () => ac.abort();
  }, [p.id, p.tenant, p.nonce]);

  const a = d?.asset.host.asset_id === p.id ? d.asset : undefined;
  const sw = useMemo(() => (a ? softwareOf(a) : []), [a]);
  const q = p.sw.trim().toLowerCase();
  const swShown = q ? sw.filter((s) => [s.name, s.version, s.purl, s.cpe, s.distro, s.product].join(' ').toLowerCase().includes(q)) : sw;
  const f = a ? freshness(a) : null;
  const ips = a ? [...(a.host.ips ?? []), ...(a.host.public_ips ?? [])] : [];
  const searchHref = (ip: string) =>
    link('/search', [
      ['q', ip],
      ['start', '24h'],
      ['tenant', p.tenant],
    ]);

  return (
    <aside class="alert-detail asset-detail" data-testid="asset-detail" data-id={p.id} data-loaded={a ? '1' : '0'}>
      <div class="detail-head">
        <h2 class="mono">{p.id}</h2>
        <span class="spacer" />
        <button type="button" class="icon" id="detail-close" title={t('assets.detailClose')} aria-label={t('assets.detailClose')} onClick={p.onClose}>
          ✕
        </button>
      </div>
      {error && (
        <div class="banner error" role="alert" data-testid="detail-error">
          {error}
        </div>
      )}
      {!a && !error && <p class="muted">{t('common.loading')}</p>}
      {a && d && f && (
        <>
          <div class="detail-title">
            <strong>{a.host.hostname || a.host.asset_id}</strong>
            {a.host.criticality && (
              <>
                {' '}
                <Severity s={a.host.criticality} />
              </>
            )}
          </div>
          <dl class="kv">
            <dt>{t('assets.colIPs')}</dt>
            <dd class="mono" data-testid="asset-ips">
              {(a.host.ips ?? []).join(', ')}
            </dd>
            {(a.host.public_ips ?? []).length > 0 && (
              <>
                <dt>{t('assets.publicIPs')}</dt>
                <dd class="mono" data-testid="asset-public-ips">
                  {(a.host.public_ips ?? []).join(', ')}
                </dd>
              </>
            )}
            {a.host.role && (
              <>
                <dt>{t('assets.colRole')}</dt>
                <dd>{a.host.role}</dd>
              </>
            )}
            {(a.host.os || a.host.os_version) && (
              <>
                <dt>{t('assets.colOS')}</dt>
                <dd>{[a.host.os, a.host.os_version].filter(Boolean).join(' ')}</dd>
              </>
            )}
            {a.host.notes && (
              <>
                <dt>{t('assets.notes')}</dt>
                <dd>{a.host.notes}</dd>
              </>
            )}
            <dt>{t('alerts.inventory')}</dt>
            <dd data-testid="asset-inventory">
              <InventoryBadge complete={f.complete} ageDays={f.ageDays} stale={f.stale} />
              {Number.isFinite(f.collected) && <span class="muted small"> ({fmtTime(f.collected).slice(0, 10)})</span>}
            </dd>
            <dt>{t('assets.source')}</dt>
            <dd>
              {a.source} <span class="muted small">· {t('assets.updated')} {fmtTime(a.updated_at)}</span>
            </dd>
          </dl>

          {ips.length > 0 && (
            <>
              <h3>{t('assets.searchLogs')}</h3>
              <p class="links" data-testid="search-links">
                {ips.map((ip) => (
                  <a href={searchHref(ip)} data-ip={ip} onClick={(e) => follow(e, searchHref(ip))}>
                    {t('assets.searchIP', { ip })}
                  </a>
                ))}
              </p>
            </>
          )}

          <h3>{t('assets.alerts')}</h3>
          {d.alerts.length === 0 && <p class="muted small">{t('assets.noAlerts')}</p>}
          {d.alerts.length > 0 && (
            <ul class="asset-alerts" data-testid="asset-alerts">
              {d.alerts.map((al) => (
                <li data-id={al.id} class={al.report ? '' : 'hidden'}>
                  <Severity s={al.severity} /> <VerdictBadge v={al.verdict} />{' '}
                  <a href={alertLink(al.id, p.tenant)} onClick={(e) => follow(e, alertLink(al.id, p.tenant))}>
                    <Breakable s={al.rule_name || al.rule_id} />
                  </a>
                  <div class="muted small">
                    <span class="mono">{al.target_ip}</span> · {t(('status.' + al.status) as 'status.new')} · {fmtTime(al.last_seen)}
                    {!al.report && <> · {t('alerts.hiddenBadge')}</>}
                  </div>
                </li>
              ))}
            </ul>
          )}

          {(a.inventories ?? []).length > 0 && <h3>{t('assets.inventories')}</h3>}
          <ul class="plain inventories" data-testid="inventories">
            {(a.inventories ?? []).map((inv) => (
              <li>
                <span class={'inv ' + (inv.complete ? 'inv-complete' : 'inv-partial')}>{inv.complete ? t('inv.complete') : t('inv.partial')}</span>{' '}
                {t('assets.invFile', { source: inv.source, file: inv.file })}{' '}
                <span class="muted small">
                  · {fmtTime(inv.collected_at).slice(0, 10)} · {t('assets.invCount', { n: fmtCount((inv.software ?? []).length, lang) })}
                </span>
              </li>
            ))}
          </ul>

          <h3>{t('assets.software')}</h3>
          <input
            id="software-filter"
            type="search"
            class="software-filter"
            value={p.sw}
            placeholder={t('assets.softwareFilter')}
            aria-label={t('assets.softwareFilter')}
            onInput={(e) => p.onSearch(e.currentTarget.value)}
          />
          {swShown.length === 0 && <p class="muted small">{t('assets.softwareNone')}</p>}
          {swShown.length > 0 && (
            <table class="grid software" data-testid="software">
              <thead>
                <tr>
                  <th>{t('assets.swName')}</th>
                  <th>{t('assets.swVersion')}</th>
                  <th>{t('assets.swFrom')}</th>
                </tr>
              </thead>
              <tbody>
                {swShown.map((s) => (
                  <tr data-name={s.name}>
                    <td>
                      <div class="sw-name">{s.name}</div>
                      {(s.purl || s.cpe) && <div class="mono muted tiny">{s.purl || s.cpe}</div>}
                    </td>
                    <td class="mono small">
                      {s.version ?? ''}
                      {s.distro && <div class="muted tiny">{s.distro}</div>}
                    </td>
                    <td class="small">{s.from}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          {(a.host.ports ?? []).length > 0 && (
            <>
              <h3>{t('assets.ports')}</h3>
              <ul class="plain">
                {(a.host.ports ?? []).map((pt) => (
                  <li class="mono small">
                    {pt.port}/{pt.proto} {pt.service ?? ''} {[pt.product, pt.version].filter(Boolean).join(' ')}
                  </li>
                ))}
              </ul>
            </>
          )}

          <h3>{t('assets.history')}</h3>
          {(a.changes ?? []).length === 0 && <p class="muted small">{t('assets.noHistory')}</p>}
          {(a.changes ?? []).length > 0 && (
            <ol class="history" data-testid="asset-history">
              {(a.changes ?? []).map((c) => (
                <li>
                  <span class="mono small">{fmtTime(c.at)}</span> <span>{c.source}</span> <span class="mono small">{c.file}</span>{' '}
                  <span class="muted small">{t('alerts.by', { actor: c.actor })}</span>
                  <ChangeText c={c.change} />
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </aside>
  );
}

function ChangeText(p: { c: NonNullable<Asset['changes']>[number]['change'] }) {
  const fields = Object.entries(p.c.fields ?? {});
  const parts: [string, string[]][] = [
    [t('assets.added'), p.c.software_added ?? []],
    [t('assets.removed'), p.c.software_removed ?? []],
    [t('assets.changed'), (p.c.software_changed ?? []).map((x) => `${x.name} ${x.from} → ${x.to}`)],
  ];
  return (
    <div class="reason small">
      {fields.map(([k, [from, to]]) => (
        <div>
          <span class="mono">{k}</span>: {from || '—'} → {to || '—'}
        </div>
      ))}
      {parts
        .filter(([, l]) => l.length > 0)
        .map(([what, l]) => (
          <div>
            {what} ({l.length}): <span class="mono">{l.slice(0, 8).join(', ')}</span>
            {l.length > 8 && ' …'}
          </div>
        ))}
    </div>
  );
}
