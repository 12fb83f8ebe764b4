// A device's configuration (issue 8): its generations newest first with the
// severity of each change (a wipe is critical) and why, the pull log,
// downloads (the file, masked or not, and the FortiOS restore script), the
// diff between two generations (semantic changes and a unified diff), and
// next to the generations the ruleset audit of one generation: score,
// findings worst first, and the score's trend. Users who may change
// configurations can pull now and upload a file, request that a generation
// be restored, and approve (a second person) or refuse such requests. The
// state (audited generation, the diff's two generations, the upload form,
// the generation of the restore form) is in the URL:
// /devices/{id}?gen=&a=&b=&upload=1&restore=&tenant=.

import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  ApiError,
  type AuditPoint,
  type ConfigDiff,
  type ConfigGeneration,
  type ConfigRestore,
  type DeviceAudit,
  type DeviceConfigs,
  type Finding,
  type KeepResult,
  approveRestore,
  configDiff,
  deviceAudit,
  deviceConfigs,
  devicePath,
  fetchBlob,
  isAbort,
  pullConfig,
  refuseRestore,
  requestRestore,
  restores,
  sessionInfo,
  uploadConfig,
} from '../api';
import { AuthError, type Session } from '../auth';
import { fmtCount, fmtTime } from '../format';
import { type Key, getLang, t } from '../i18n';
import { type Loc, link, navigate } from '../route';
import { Severity } from './Alerts';

interface ConfigState {
  /** The audited generation; 0: the latest. */
  gen: number;
  /** The diff's generations; 0: the defaults (the latest two). */
  a: number;
  b: number;
  upload: boolean;
  /** The generation the restore request form is open for; 0: closed. */
  restore: number;
}

function num(v: string | null): number {
  const n = Number(v ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function readState(p: URLSearchParams): ConfigState {
  return { gen: num(p.get('gen')), a: num(p.get('a')), b: num(p.get('b')), upload: p.get('upload') === '1', restore: num(p.get('restore')) };
}

/** deviceConfigURL is the permalink of a device's configuration view. */
export function deviceConfigURL(id: number, tenant: string, s: Partial<ConfigState> = {}): string {
  return link('/devices/' + id, [
    ['tenant', tenant],
    ['gen', s.gen ? String(s.gen) : ''],
    ['a', s.a ? String(s.a) : ''],
    ['b', s.b ? String(s.b) : ''],
    ['upload', s.upload ? '1' : ''],
    ['restore', s.restore ? String(s.restore) : ''],
  ]);
}

function follow(e: MouseEvent, href: string) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(href);
}

function errText(e: unknown): string {
  if (e instanceof ApiError) return t('error.api', { msg: e.message });
  return t('error.network', { msg: String(e) });
}

function fmtSize(n: number, lang: string): string {
  if (n < 1024) return fmtCount(n, lang) + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

/** localized picks the UI language's text of an {en, ja} pair. */
function localized(m: Record<string, string> | undefined, lang: string): string {
  return m ? (m[lang] ?? m.en ?? '') : '';
}

/** Finding severities, worst first ("info" is the audit's name for informational). */
const findingRanks = ['critical', 'high', 'medium', 'low', 'info'];
const rank = (s: string) => {
  const i = findingRanks.indexOf(s);
  return i < 0 ? findingRanks.length : i;
};
const sevName = (s: string) => (s === 'info' ? 'informational' : s);

/** save offers blob as a download named name. */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Download is a link to an API file. A click fetches it with the session's
 * credentials (a plain link would not carry an API token) and saves it.
 */
function Download(p: { path: string; name: string; label: string; title: string; kind: string; onError: (e: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <a
      href={p.path}
      download={p.name}
      title={p.title}
      data-download={p.kind}
      aria-busy={busy}
      onClick={async (e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        if (busy) return;
        setBusy(true);
        try {
          save(await fetchBlob(p.path), p.name);
        } catch (err) {
          if (!(err instanceof AuthError)) p.onError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      {p.label}
    </a>
  );
}

interface Notice {
  ok: boolean;
  text: string;
}

/** rejection is the reason a configuration was refused, without the server's "configuration rejected: " prefix. */
function rejection(msg: string): string {
  return t('configs.rejected', { msg: msg.replace(/^configuration rejected: /, '') });
}

function resultText(r: KeepResult): string {
  return r.new
    ? t('configs.resultNew', { gen: r.generation.generation, severity: t(('severity.' + sevName(r.severity)) as Key) })
    : t('configs.resultSame', { gen: r.generation.generation });
}

export function DeviceConfig(p: { session: Session; loc: Loc; id: number }) {
  const state = useMemo(() => readState(p.loc.params), [p.loc]);
  const tenant = p.loc.params.get('tenant') ?? '';
  const lang = getLang();
  // What was loaded, and for which device and tenant: another device's list is never shown.
  const [loaded, setLoaded] = useState<{ key: string; d: DeviceConfigs } | null>(null);
  const [error, setError] = useState('');
  const [nonce, setNonce] = useState(0);
  const key = p.id + '/' + tenant;
  const data = loaded?.key === key ? loaded.d : null;
  const [mayChange, setMayChange] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  const go = (next: Partial<ConfigState>, replace = false) => navigate(deviceConfigURL(p.id, tenant, { ...state, ...next }), replace);

  useEffect(() => {
    const ac = new AbortController();
    sessionInfo(ac.signal)
      .then((s) => setMayChange(s.permissions.includes('configs')))
      .catch((e) => !isAbort(e) && setMayChange(p.session.admin));
    return () => ac.abort();
  }, [p.session]);

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    deviceConfigs(p.id, tenant, ac.signal)
      .then((d) => setLoaded({ key, d }))
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        setLoaded(null);
        setError(e instanceof ApiError && e.status === 404 ? t('configs.notFound', { id: p.id }) : errText(e));
      });
    return () => ac.abort();
  }, [p.id, tenant, nonce]);

  useEffect(() => setNotice(null), [p.id]);

  const gens = data?.generations ?? [];
  const latest = gens[0]?.generation ?? 0;
  const auditGen = state.gen && gens.some((g) => g.generation === state.gen) ? state.gen : latest;
  const b = state.b && gens.some((g) => g.generation === state.b) ? state.b : latest;
  const a = state.a && gens.some((g) => g.generation === state.a) ? state.a : (gens.find((g) => g.generation < b)?.generation ?? 0);
  const name = data?.device ?? '#' + p.id;
  const backHref = link('/devices', [['tenant', tenant]]);
  const fail = (e: unknown) => setNotice({ ok: false, text: typeof e === 'string' ? e : errText(e) });

  const pull = async () => {
    setBusy(true);
    setNotice(null);
    try {
      setNotice({ ok: true, text: resultText(await pullConfig(p.id, tenant)) });
    } catch (e) {
      if (e instanceof AuthError) return;
      let text = errText(e);
      if (e instanceof ApiError && e.status === 404 && e.message.includes('collect source')) text = t('configs.pullNoSource');
      else if (e instanceof ApiError && e.status === 422) text = rejection(e.message);
      else if (e instanceof ApiError && (e.status === 502 || e.status === 501)) text = t('configs.pullFailed', { msg: e.message });
      setNotice({ ok: false, text });
    } finally {
      setBusy(false);
      // The pull log records failures too.
      setNonce((n) => n + 1);
    }
  };

  return (
    <div class="page device-config" data-testid="device-config" data-id={p.id} data-loaded={data ? '1' : '0'}>
      <div class="alerts-bar">
        <a href={backHref} class="back" onClick={(e) => follow(e, backHref)}>
          {t('configs.back')}
        </a>
        <h1>{t('configs.title', { device: name })}</h1>
        {mayChange && data && (
          <>
            <button type="button" id="pull-now" title={t('configs.pullHint')} disabled={busy} onClick={pull}>
              {busy ? t('common.working') : t('configs.pull')}
            </button>
            <button type="button" id="upload-open" aria-expanded={state.upload} onClick={() => go({ upload: !state.upload }, true)}>
              {t('configs.upload')} {state.upload ? '▴' : '▾'}
            </button>
          </>
        )}
      </div>
      {mayChange && data && state.upload && (
        <UploadForm
          id={p.id}
          tenant={tenant}
          onDone={() => {
            setNotice(null);
            setNonce((n) => n + 1);
          }}
        />
      )}
      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      {notice && (
        <div class={'banner ' + (notice.ok ? 'ok' : 'error')} role={notice.ok ? 'status' : 'alert'} data-testid={notice.ok ? 'notice' : 'action-error'}>
          {notice.text}
        </div>
      )}
      {!data && !error && <p class="muted">{t('common.loading')}</p>}
      {data && (
        <>
          <div class="config-grid">
            <div class="config-left">
              <section class="panel" data-testid="generations-panel">
                <h2>{t('configs.generations')}</h2>
                {gens.length === 0 && <p class="empty">{t('configs.none')}</p>}
                {gens.length > 0 && (
                  <Generations
                    id={p.id}
                    tenant={tenant}
                    device={data.device}
                    gens={gens}
                    auditGen={auditGen}
                    mayRestore={mayChange}
                    lang={lang}
                    onAudit={(gen) => go({ gen: gen === latest ? 0 : gen }, true)}
                    onCompare={(x, y) => go({ a: x, b: y })}
                    onRestore={(gen) => go({ restore: gen }, true)}
                    onError={fail}
                  />
                )}
              </section>
              <Restores
                id={p.id}
                tenant={tenant}
                form={mayChange && gens.some((g) => g.generation === state.restore) ? state.restore : 0}
                mayChange={mayChange}
                nonce={nonce}
                onForm={(gen) => go({ restore: gen }, true)}
                onChanged={() => setNonce((n) => n + 1)}
              />
              <section class="panel">
                <h2>{t('configs.pulls')}</h2>
                {data.pulls.length === 0 && <p class="muted small">{t('configs.pullsNone')}</p>}
                {data.pulls.length > 0 && (
                  <div class="table-wrap">
                    <table class="grid pulls" data-testid="pulls">
                      <thead>
                        <tr>
                          <th>{t('configs.colWhen')}</th>
                          <th>{t('configs.colMethod')}</th>
                          <th>{t('configs.colActor')}</th>
                          <th>{t('configs.colOutcome')}</th>
                          <th>{t('configs.colReason')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {data.pulls.map((pl) => (
                          <tr data-outcome={pl.outcome} class={'pull-' + pl.outcome}>
                            <td class="mono small nowrap">{fmtTime(pl.at)}</td>
                            <td class="small">{pl.method}</td>
                            <td class="small mono">{pl.actor}</td>
                            <td>
                              <span class={'outcome-tag outcome-tag-' + pl.outcome}>{t(('pullOutcome.' + pl.outcome) as Key) || pl.outcome}</span>
                            </td>
                            <td class="small reason-cell">{pl.reason ?? ''}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            </div>
            <Audit id={p.id} tenant={tenant} gen={auditGen} gens={gens} lang={lang} onSelect={(gen) => go({ gen: gen === latest ? 0 : gen }, true)} />
          </div>
          <DiffView id={p.id} tenant={tenant} gens={gens} a={a} b={b} lang={lang} onChange={(x, y) => go({ a: x, b: y }, true)} />
        </>
      )}
    </div>
  );
}

function UploadForm(p: { id: number; tenant: string; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError('');
    setDone('');
    try {
      setDone(resultText(await uploadConfig(p.id, p.tenant, file)));
    } catch (err) {
      if (err instanceof AuthError) return;
      setError(err instanceof ApiError && err.status === 422 ? rejection(err.message) : errText(err));
    } finally {
      setBusy(false);
      p.onDone(); // the pull log records rejections too
    }
  };
  return (
    <form class="import-form" data-testid="upload-form" onSubmit={submit}>
      <h2>{t('configs.uploadTitle')}</h2>
      <p class="muted small">{t('configs.uploadHelp')}</p>
      <div class="import-fields">
        <label>
          {t('configs.uploadFile')}
          <input id="config-file" type="file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        </label>
        <button type="submit" class="primary" id="config-submit" disabled={!file || busy}>
          {busy ? t('common.working') : t('configs.uploadSubmit')}
        </button>
      </div>
      {error && (
        <div class="banner error" role="alert" data-testid="upload-error">
          {error}
        </div>
      )}
      {done && (
        <div class="banner ok" role="status" data-testid="upload-done">
          {done}
        </div>
      )}
    </form>
  );
}

function Generations(p: {
  id: number;
  tenant: string;
  device: string;
  gens: ConfigGeneration[];
  auditGen: number;
  mayRestore: boolean;
  lang: string;
  onAudit: (gen: number) => void;
  onCompare: (a: number, b: number) => void;
  onRestore: (gen: number) => void;
  /** A string is a message to show as it is. */
  onError: (e: unknown) => void;
}) {
  const latest = p.gens[0].generation;
  return (
    <div class="table-wrap">
      <table class="grid generations" data-testid="generations">
        <thead>
          <tr>
            <th class="num">{t('configs.colGen')}</th>
            <th>{t('configs.colAt')}</th>
            <th>{t('alerts.colSeverity')}</th>
            <th>{t('configs.colChange')}</th>
            <th>{t('configs.colFiles')}</th>
          </tr>
        </thead>
        <tbody>
          {p.gens.map((g, i) => {
            const s = g.summary ?? {};
            const prev = p.gens[i + 1];
            const first = !s.reason;
            const fw = s.firmware && s.firmware[0] && s.firmware[0] !== s.firmware[1] ? s.firmware : null;
            const ja = p.lang === 'ja' && !!s.changes_ja;
            const changes = (ja ? s.changes_ja : s.changes) ?? [];
            const sel = g.generation === p.auditGen;
            const base = `${p.device}-gen${g.generation}`;
            return (
              <tr
                data-gen={g.generation}
                data-severity={first ? '' : g.severity}
                class={(sel ? 'sel ' : '') + (!first && g.severity === 'critical' ? 'crit' : '')}
                aria-selected={sel}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest('a, button, summary, details')) return;
                  p.onAudit(g.generation);
                }}
              >
                <td class="num mono gen-no">
                  {g.generation}
                  {sel && (
                    <div class="tiny muted" title={t('configs.selected')}>
                      ◆
                    </div>
                  )}
                </td>
                <td class="small">
                  <div class="mono nowrap">{fmtTime(g.pulled_at)}</div>
                  <div class="muted">
                    {g.method} · {t('configs.by', { actor: g.actor })}
                  </div>
                  <div class="muted mono tiny">
                    {g.firmware} · {fmtSize(g.size, p.lang)}
                  </div>
                </td>
                <td>{first ? <span class="muted small">—</span> : <Severity s={sevName(g.severity)} />}</td>
                <td class="change-cell">
                  {first ? (
                    <span class="muted small">{t('configs.first')}</span>
                  ) : (
                    <>
                      <div class="gen-reason" data-testid="gen-reason">
                        {localized(s.reason, p.lang)}
                      </div>
                      <div class="muted small">
                        {t('configs.counts', { p0: s.policies?.[0] ?? 0, p1: s.policies?.[1] ?? 0, o0: s.objects?.[0] ?? 0, o1: s.objects?.[1] ?? 0 })}
                        {s.removed && (s.removed[0] > 0 || s.removed[1] > 0) && <> · {t('configs.removedCounts', { p: s.removed[0], o: s.removed[1] })}</>}
                      </div>
                      {fw && <div class="small fw-change">{t('configs.firmwareChange', { from: fw[0], to: fw[1] })}</div>}
                      {changes.length > 0 && (
                        <details class="changes">
                          <summary class="small">{t('configs.changes', { n: changes.length })}</summary>
                          <ul class="mono tiny" lang={ja ? 'ja' : 'en'}>
                            {changes.map((c) => (
                              <li>{c}</li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </>
                  )}
                </td>
                <td class="small">
                  <div class="files">
                    <Download
                      path={devicePath(p.id, '/configs/' + g.generation, p.tenant)}
                      name={base + '.conf'}
                      label={t('configs.file')}
                      title={t('configs.fileHint', { gen: g.generation })}
                      kind="file"
                      onError={p.onError}
                    />
                    {p.mayRestore && (
                      <Download
                        path={devicePath(p.id, '/configs/' + g.generation, p.tenant, { masked: 'true' })}
                        name={base + '-masked.conf'}
                        label={t('configs.masked')}
                        title={t('configs.maskedHint')}
                        kind="masked"
                        onError={p.onError}
                      />
                    )}
                    {p.mayRestore && g.generation !== latest && (
                      <Download
                        path={devicePath(p.id, '/configs/' + g.generation + '/restore-script', p.tenant)}
                        name={base + '-restore.txt'}
                        label={t('configs.restoreScript')}
                        title={t('configs.restoreHint', { gen: g.generation })}
                        kind="restore"
                        onError={(e) =>
                          p.onError(
                            e instanceof ApiError && e.status === 422
                              ? t('configs.restoreUnsupported', { gen: g.generation, msg: e.message })
                              : e,
                          )
                        }
                      />
                    )}
                    {p.mayRestore && g.generation !== latest && (
                      <button type="button" class="link small" data-action="request-restore" title={t('restore.requestHint', { gen: g.generation })} onClick={() => p.onRestore(g.generation)}>
                        {t('restore.request')}
                      </button>
                    )}
                    {!sel && (
                      <button type="button" class="link small" data-action="audit" onClick={() => p.onAudit(g.generation)}>
                        {t('configs.audit')}
                      </button>
                    )}
                    {prev && (
                      <button type="button" class="link small" data-action="compare" onClick={() => p.onCompare(prev.generation, g.generation)}>
                        {t('configs.compare')}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface RestoreNotice {
  ok: boolean;
  text: string;
  /** Where the device's read-back differs from the generation pushed. */
  diffs?: string[];
}

/**
 * Restores lists the device's restore requests, newest first, with the form
 * that asks for one (form: its generation) and, on pending requests, the
 * approval (which runs the restore: backup pull, push, read-back) and the
 * refusal. The server refuses an approval by the one who asked.
 */
function Restores(p: {
  id: number;
  tenant: string;
  form: number;
  mayChange: boolean;
  nonce: number;
  onForm: (gen: number) => void;
  onChanged: () => void;
}) {
  const key = p.id + '/' + p.tenant;
  const [got, setGot] = useState<{ key: string; list: ConfigRestore[] } | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<RestoreNotice | null>(null);
  const [reason, setReason] = useState('');
  /** The request whose approval awaits confirmation, and the one being worked on (-1: the form). */
  const [confirm, setConfirm] = useState(0);
  const [busy, setBusy] = useState(0);
  const list = got?.key === key ? got.list : null;

  const load = (signal?: AbortSignal) =>
    restores(p.id, p.tenant, signal).then((l) => {
      setGot({ key, list: l });
      return l;
    });

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    load(ac.signal).catch((e) => !isAbort(e) && !(e instanceof AuthError) && setError(errText(e)));
    return () => ac.abort();
  }, [key, p.nonce]);
  useEffect(() => setNotice(null), [key]);
  useEffect(() => {
    if (p.form) document.getElementById('restore-reason')?.focus();
  }, [p.form]);

  const request = async (e: Event) => {
    e.preventDefault();
    setBusy(-1);
    setNotice(null);
    try {
      const r = await requestRestore(p.id, p.tenant, p.form, reason.trim());
      setReason('');
      setNotice({ ok: true, text: t('restore.requested', { gen: r.generation }) });
      p.onForm(0);
      await load();
    } catch (err) {
      if (!(err instanceof AuthError)) setNotice({ ok: false, text: errText(err) });
    } finally {
      setBusy(0);
    }
  };

  const decide = async (r: ConfigRestore, approve: boolean) => {
    setBusy(r.id);
    setConfirm(0);
    setNotice(null);
    let n: RestoreNotice;
    try {
      if (approve) {
        const res = await approveRestore(r.id, p.tenant);
        const diffs = res.differences ?? [];
        n = diffs.length
          ? { ok: false, text: t('restore.differs', { gen: r.generation, n: diffs.length }), diffs }
          : { ok: true, text: t('restore.verified', { gen: r.generation, backup: res.restore.backup_generation ?? 0 }) };
      } else {
        await refuseRestore(r.id, p.tenant);
        n = { ok: true, text: t('restore.refusedDone', { gen: r.generation }) };
      }
    } catch (err) {
      if (err instanceof AuthError) return;
      const ae = err instanceof ApiError ? err : null;
      n = { ok: false, text: ae?.code === 'second_person_required' ? t('restore.secondPerson') : ae?.status === 501 ? t('restore.noCollector') : '' };
      if (!n.text) {
        // An approval is recorded before the restore runs: the request says how it ended.
        const now = (await restores(p.id, p.tenant).catch(() => []))?.find((x) => x.id === r.id);
        n.text = now?.status === 'failed' ? t('restore.failed', { msg: now.result ?? '' }) : errText(err);
      }
    }
    setBusy(0);
    setNotice(n);
    p.onChanged(); // new generations (the backup, the read-back), the pull log, this list
  };

  return (
    <section class="panel" data-testid="restores-panel" data-loaded={list ? '1' : '0'}>
      <h2>{t('restore.title')}</h2>
      {p.form > 0 && (
        <form class="restore-form" data-testid="restore-form" data-gen={p.form} onSubmit={request}>
          <strong>{t('restore.formTitle', { gen: p.form })}</strong>
          <p class="muted small">{t('restore.formHelp')}</p>
          <div class="import-fields">
            <label>
              {t('restore.reason')}
              <input id="restore-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" id="restore-submit" disabled={!reason.trim() || busy !== 0}>
              {busy === -1 ? t('common.working') : t('restore.submit')}
            </button>
            <button type="button" id="restore-cancel" onClick={() => p.onForm(0)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {error && (
        <div class="banner error" role="alert">
          {error}
        </div>
      )}
      {notice && (
        <div class={'banner ' + (notice.ok ? 'ok' : 'error')} role={notice.ok ? 'status' : 'alert'} data-testid={notice.ok ? 'restore-notice' : 'restore-error'}>
          {notice.text}
          {notice.diffs && (
            <ul class="semantic mono small" data-testid="restore-differences">
              {notice.diffs.map((d) => (
                <li>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {list && list.length === 0 && <p class="muted small">{t('restore.none')}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="grid restores" data-testid="restores">
            <thead>
              <tr>
                <th class="num">{t('configs.colGen')}</th>
                <th>{t('restore.colRequested')}</th>
                <th>{t('restore.colStatus')}</th>
                <th>{t('restore.colResult')}</th>
                {p.mayChange && <th />}
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr data-id={r.id} data-status={r.status}>
                  <td class="num mono gen-no">{r.generation}</td>
                  <td class="small">
                    <div class="mono nowrap">{fmtTime(r.requested_at)}</div>
                    <div class="muted mono">{r.requested_by}</div>
                    {r.reason && <div class="restore-reason">{r.reason}</div>}
                  </td>
                  <td class="small">
                    <span class={'outcome-tag outcome-tag-' + r.status}>{t(('restoreStatus.' + r.status) as Key)}</span>
                    {r.decided_by && (
                      <div class="muted">
                        <span class="mono">{r.decided_by}</span> · <span class="mono nowrap">{fmtTime(r.decided_at ?? '')}</span>
                      </div>
                    )}
                  </td>
                  <td class="small reason-cell" data-testid="restore-result">
                    {r.status === 'done' && <div class={r.verified ? 'ok' : 'error'}>{t(r.verified ? 'restore.isVerified' : 'restore.notVerified')}</div>}
                    {r.result && <div class={r.status === 'failed' ? 'error' : ''}>{r.result}</div>}
                    {r.backup_generation ? <div class="muted">{t('restore.backup', { gen: r.backup_generation })}</div> : null}
                  </td>
                  {p.mayChange && (
                    <td class="small nowrap">
                      {r.status === 'pending' && confirm !== r.id && (
                        <>
                          <button type="button" class="small" data-action="approve" disabled={busy !== 0} onClick={() => setConfirm(r.id)}>
                            {busy === r.id ? t('common.working') : t('restore.approve')}
                          </button>{' '}
                          <button type="button" class="small" data-action="refuse" disabled={busy !== 0} onClick={() => decide(r, false)}>
                            {t('restore.refuse')}
                          </button>
                        </>
                      )}
                      {r.status === 'pending' && confirm === r.id && (
                        <div class="restore-confirm">
                          <div class="small">{t('restore.confirm', { gen: r.generation })}</div>
                          <button type="button" class="small primary" data-action="confirm-approve" onClick={() => decide(r, true)}>
                            {t('restore.confirmYes')}
                          </button>{' '}
                          <button type="button" class="small" onClick={() => setConfirm(0)}>
                            {t('common.cancel')}
                          </button>
                        </div>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function scoreClass(s: number): string {
  if (s >= 90) return 'score-good';
  if (s >= 60) return 'score-fair';
  if (s >= 40) return 'score-poor';
  return 'score-bad';
}

function Audit(p: { id: number; tenant: string; gen: number; gens: ConfigGeneration[]; lang: string; onSelect: (gen: number) => void }) {
  const [got, setD] = useState<DeviceAudit | null>(null);
  /** Why generation gen has no audit: "unsupported" (its kind) or a message. */
  const [failed, setFailed] = useState<{ gen: number; error: string; detail: string } | null>(null);
  // The list's identity changes on every reload; its newest generation says whether the audit changed.
  const latest = p.gens[0]?.generation ?? 0;
  // Only the audit of the generation asked for: never the previous one while the next loads.
  const d = got && got.generation === p.gen ? got : null;
  const error = failed?.gen === p.gen ? failed.error : '';
  const detail = failed?.gen === p.gen ? failed.detail : '';

  useEffect(() => {
    setD(null);
    setFailed(null);
    if (!p.gen) return;
    const ac = new AbortController();
    deviceAudit(p.id, p.tenant, p.gen, ac.signal)
      .then(setD)
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        // "unsupported" is translated when shown: the language may change.
        if (e instanceof ApiError && e.status === 422) setFailed({ gen: p.gen, error: 'unsupported', detail: e.message });
        else setFailed({ gen: p.gen, error: errText(e), detail: '' });
      });
    return () => ac.abort();
  }, [p.id, p.tenant, p.gen, latest]);

  const multi = (d?.reports.length ?? 0) > 1;
  const findings = useMemo(() => {
    const out: (Finding & { ruleset: string })[] = [];
    for (const r of d?.reports ?? []) for (const f of r.findings) out.push({ ...f, ruleset: r.device });
    return out.sort((x, y) => rank(x.severity) - rank(y.severity));
  }, [d]);
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const rules = (d?.reports ?? []).reduce((n, r) => n + r.rules, 0);
  const point = d?.trend?.find((x) => x.generation === d.generation);
  const audited = p.gens.find((g) => g.generation === d?.generation);
  const wipe = audited?.summary?.reason && audited.severity === 'critical';

  return (
    <section class="panel audit" data-testid="audit" data-generation={p.gen} data-loaded={d || error ? '1' : '0'}>
      <div class="audit-head">
        <h2>{t('audit.title')}</h2>
        {d && (
          <span class={'score ' + scoreClass(d.score)} data-testid="score" data-score={d.score} title={t('audit.scoreHint')}>
            <span class="score-label">{t('audit.score')}</span> {d.score}
          </span>
        )}
      </div>
      {!p.gen && <p class="muted small">{t('audit.noConfig')}</p>}
      {error && (
        <div class="banner info" role="status" data-testid="audit-error">
          {error === 'unsupported' ? t('audit.unsupported') : error}
          {detail && <div class="muted small">{detail}</div>}
        </div>
      )}
      {p.gen > 0 && !d && !error && <p class="muted">{t('common.loading')}</p>}
      {d && (
        <>
          <p class="muted small audit-sub">
            {t('audit.ofGeneration', { gen: d.generation, firmware: d.firmware })} · {t('audit.rules', { n: rules })}
            {point && point.delta !== 0 && (
              <>
                {' · '}
                <span class={point.delta > 0 ? 'delta-up' : 'delta-down'}>{(point.delta > 0 ? '+' : '') + point.delta}</span>
              </>
            )}
            {point && (point.new?.length ?? 0) > 0 && <> · {t('audit.newFindings', { n: point.new!.length })}</>}
            {point && (point.resolved?.length ?? 0) > 0 && <> · {t('audit.resolved', { n: point.resolved!.length })}</>}
          </p>
          {wipe && (
            <div class="banner error small" role="note" data-testid="after-wipe">
              {t('audit.afterWipe', { gen: d.generation })}
            </div>
          )}
          <div class="sev-counts" data-testid="audit-counts">
            {findingRanks
              .filter((s) => counts[s])
              .map((s) => (
                <span class="sev-count">
                  <Severity s={sevName(s)} /> {counts[s]}
                </span>
              ))}
          </div>
          {(d.trend?.length ?? 0) > 0 && <Trend points={d.trend!} gens={p.gens} current={d.generation} onSelect={p.onSelect} />}
          {findings.length === 0 && <p class="muted">{t('audit.none')}</p>}
          {findings.length > 0 && (
            <div class="table-wrap">
              <table class="grid findings" data-testid="findings">
                <thead>
                  <tr>
                    <th>{t('audit.colSeverity')}</th>
                    <th>{t('audit.colKind')}</th>
                    <th>{t('audit.colRules')}</th>
                    <th>{t('audit.colMessage')}</th>
                  </tr>
                </thead>
                <tbody>
                  {findings.map((f) => (
                    <tr data-kind={f.kind} data-severity={f.severity} data-rule={f.rules[0] ?? ''}>
                      <td>
                        <Severity s={sevName(f.severity)} />
                      </td>
                      <td class="kind">{t(('finding.' + f.kind) as Key) === 'finding.' + f.kind ? f.kind : t(('finding.' + f.kind) as Key)}</td>
                      <td class="mono small rules">
                        {multi && <div class="muted tiny">{f.ruleset}</div>}
                        <strong>{f.rules[0]}</strong>
                        {f.rules.length > 1 && <span class="muted"> ↔ {f.rules.slice(1).join(', ')}</span>}
                        {f.line ? (
                          <div class="muted tiny" title={t('audit.colLine')}>
                            L{f.line}
                          </div>
                        ) : null}
                      </td>
                      <td class="msg small">{localized(f.message, p.lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="muted tiny">{d.hits_from ? t('audit.hitsFrom', { from: d.hits_from }) : t('audit.noHits')}</p>
          {(d.problems?.length ?? 0) > 0 && (
            <details class="problems">
              <summary class="small muted">
                {t('audit.problems')} ({d.problems!.length})
              </summary>
              <ul class="tiny" lang="en">
                {d.problems!.map((x) => (
                  <li>
                    {x.line ? <span class="mono">L{x.line} </span> : null}
                    {x.rule ? <span class="mono">{x.rule}: </span> : null}
                    {x.msg}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}

/** Trend draws the score per generation as a small inline SVG line; a click on a point audits that generation. */
function Trend(p: { points: AuditPoint[]; gens: ConfigGeneration[]; current: number; onSelect: (gen: number) => void }) {
  const w = 280;
  const h = 64;
  const pad = 8;
  const n = p.points.length;
  const x = (i: number) => (n === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (n - 1));
  const y = (s: number) => pad + ((100 - s) * (h - 2 * pad - 10)) / 100;
  const sev = new Map(p.gens.map((g) => [g.generation, g.summary?.reason ? g.severity : '']));
  return (
    <figure class="trend" data-testid="trend">
      <figcaption class="muted small">{t('audit.trend')}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={t('audit.trend')}>
        <line class="trend-grid" x1={pad} x2={w - pad} y1={y(100)} y2={y(100)} />
        <line class="trend-grid" x1={pad} x2={w - pad} y1={y(60)} y2={y(60)} />
        <line class="trend-grid" x1={pad} x2={w - pad} y1={y(0)} y2={y(0)} />
        {n > 1 && <polyline class="trend-line" points={p.points.map((pt, i) => `${x(i)},${y(pt.score)}`).join(' ')} />}
        {p.points.map((pt, i) => (
          <g class={'trend-pt' + (pt.generation === p.current ? ' sel' : '') + (sev.get(pt.generation) === 'critical' ? ' crit' : '')} onClick={() => p.onSelect(pt.generation)}>
            <title>{t('audit.trendPoint', { gen: pt.generation, score: pt.score, delta: (pt.delta > 0 ? '+' : '') + pt.delta })}</title>
            <circle cx={x(i)} cy={y(pt.score)} r={pt.generation === p.current ? 5 : 3.5} />
            <text x={x(i)} y={h - 1} text-anchor="middle">
              {pt.generation}
            </text>
          </g>
        ))}
      </svg>
      <ol class="trend-list small">
        {p.points.map((pt) => (
          <li data-gen={pt.generation} data-score={pt.score} class={pt.generation === p.current ? 'sel' : ''}>
            <button type="button" class="link" onClick={() => p.onSelect(pt.generation)}>
              #{pt.generation}: {pt.score}
              {pt.delta !== 0 && <span class={pt.delta > 0 ? 'delta-up' : 'delta-down'}> ({(pt.delta > 0 ? '+' : '') + pt.delta})</span>}
            </button>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function DiffView(p: { id: number; tenant: string; gens: ConfigGeneration[]; a: number; b: number; lang: string; onChange: (a: number, b: number) => void }) {
  const [got, setD] = useState<ConfigDiff | null>(null);
  const [error, setError] = useState('');
  const enough = p.gens.length >= 2 && p.a > 0 && p.b > 0;
  const same = p.a === p.b;
  // Only the diff of the generations asked for: never the previous one while the next loads.
  const d = got && got.a === p.a && got.b === p.b ? got : null;

  useEffect(() => {
    setD(null);
    setError('');
    if (!enough || same) return;
    const ac = new AbortController();
    configDiff(p.id, p.tenant, p.a, p.b, ac.signal)
      .then(setD)
      .catch((e) => !isAbort(e) && !(e instanceof AuthError) && setError(errText(e)));
    return () => ac.abort();
  }, [p.id, p.tenant, p.a, p.b, enough]);

  const semantic = d ? (p.lang === 'ja' ? d.semantic_ja : d.semantic) : [];
  const lines = useMemo(() => (d?.unified ? d.unified.replace(/\n$/, '').split('\n') : []), [d]);
  const option = (g: ConfigGeneration) => (
    <option value={g.generation}>
      #{g.generation} · {fmtTime(g.pulled_at)}
    </option>
  );

  return (
    <section class="panel diff-panel" data-testid="diff" data-a={p.a} data-b={p.b} data-loaded={d ? '1' : '0'}>
      <div class="diff-head">
        <h2>{t('configs.diff')}</h2>
        {p.gens.length >= 2 && (
          <>
            <label class="field-inline">
              <span class="muted small">{t('configs.diffFrom')}</span>
              <select id="diff-a" value={p.a} onChange={(e) => p.onChange(Number(e.currentTarget.value), p.b)}>
                {p.gens.map(option)}
              </select>
            </label>
            <label class="field-inline">
              <span class="muted small">{t('configs.diffTo')}</span>
              <select id="diff-b" value={p.b} onChange={(e) => p.onChange(p.a, Number(e.currentTarget.value))}>
                {p.gens.map(option)}
              </select>
            </label>
            <button type="button" id="diff-swap" class="small" onClick={() => p.onChange(p.b, p.a)}>
              ⇄ {t('configs.diffSwap')}
            </button>
          </>
        )}
      </div>
      {!enough && <p class="muted small">{t('configs.diffNeedTwo')}</p>}
      {enough && same && <p class="muted small">{t('configs.diffSame')}</p>}
      {error && (
        <div class="banner error" role="alert">
          {error}
        </div>
      )}
      {enough && !same && !d && !error && <p class="muted">{t('common.loading')}</p>}
      {d && (
        <>
          <h3>{t('configs.semantic')}</h3>
          {semantic.length === 0 && <p class="muted small">{t('configs.semanticNone')}</p>}
          {semantic.length > 0 && (
            <ul class="semantic mono small" data-testid="semantic">
              {semantic.map((s) => (
                <li class={/: (deleted|削除)$/.test(s) ? 'del' : /: (added|追加)$/.test(s) ? 'add' : ''}>{s}</li>
              ))}
            </ul>
          )}
          <h3>{t('configs.unified')}</h3>
          {lines.length === 0 && <p class="muted small">{t('configs.unifiedNone')}</p>}
          {lines.length > 0 && (
            <pre class="unified" data-testid="unified">
              {lines.map((l) => (
                <span
                  class={
                    l.startsWith('+++') || l.startsWith('---')
                      ? 'file'
                      : l.startsWith('@@')
                        ? 'hunk'
                        : l.startsWith('+')
                          ? 'add'
                          : l.startsWith('-')
                            ? 'del'
                            : ''
                  }
                >
                  {l + '\n'}
                </span>
              ))}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
