// The Alerts screen: the queue of alerts of the tenant(s) in view, newest
// first, with filters in the URL (status, minimum severity, reported /
// hidden, verdict, assignee, tenant, the open alert), the detail of one alert
// (rule, relevance verdict with its evidence chain and history, details,
// assignee, status and assignment history, a link to its events in Search),
// status changes, assignment and bulk acknowledgement and assignment.
// Keyboard: j / k move the selection, Enter opens it, a acknowledges it, m
// assigns it to me, x selects it for a bulk action, Escape closes the detail.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  type Alert,
  type AlertDetail,
  type AlertStatus,
  ApiError,
  type VerdictChange,
  alert as getAlert,
  alertQueue as listAlerts,
  assignAlert,
  isAbort,
  setAlertStatus,
  severities,
  tenants,
  triageOf,
  verdicts,
} from '../api';
import { InventoryBadge, VerdictBadge, isVerdict, label } from '../components/Verdict';
import { AssignForm, AssigneeFilter, Assignees, assignmentText, mine } from '../components/Assign';
import { AuthError, type Session } from '../auth';
import { fmtCount, fmtTime } from '../format';
import { type Key, getLang, t } from '../i18n';
import { type Loc, link, navigate } from '../route';

/** How many alerts the queue shows. */
const pageAlerts = 500;
/** Margin around an alert's events for the Search link (events can arrive late or with skewed clocks). */
const eventMarginMs = 3600e3;

const statusFilters = ['open', 'new', 'acknowledged', 'closed', 'all'] as const;
/** What the customer is shown: reported alerts (the default), hidden ones, or both. */
const reportFilters = ['reported', 'hidden', 'all'] as const;
type ReportFilter = (typeof reportFilters)[number];

interface AlertsState {
  status: string;
  severity: string;
  report: ReportFilter;
  /** A verdict, or "" for any. */
  verdict: string;
  /** "" anyone, "me" the signed-in user, "-" nobody, else a name. */
  assignee: string;
  /** The alert whose detail is open; 0 for none. */
  id: number;
}

function readState(p: URLSearchParams): AlertsState {
  const status = p.get('status') ?? '';
  const severity = p.get('severity') ?? '';
  const report = p.get('report') ?? '';
  const verdict = p.get('verdict') ?? '';
  const assignee = (p.get('assignee') ?? '').trim().slice(0, 128);
  const id = Number(p.get('id') ?? '');
  return {
    status: (statusFilters as readonly string[]).includes(status) ? status : 'open',
    severity: (severities as readonly string[]).includes(severity) ? severity : '',
    report: (reportFilters as readonly string[]).includes(report) ? (report as ReportFilter) : 'reported',
    verdict: isVerdict(verdict) ? verdict : '',
    assignee,
    id: Number.isInteger(id) && id > 0 ? id : 0,
  };
}

/** alertsURL is the permalink of a queue state; open and reported are the defaults. */
export function alertsURL(s: AlertsState, tenant: string): string {
  return link('/alerts', [
    ['status', s.status === 'open' ? '' : s.status],
    ['severity', s.severity],
    ['report', s.report === 'reported' ? '' : s.report],
    ['verdict', s.verdict],
    ['assignee', s.assignee],
    ['tenant', tenant],
    ['id', s.id ? String(s.id) : ''],
  ]);
}

/** alertLink is the permalink of one alert, whatever its status and verdict. */
export function alertLink(id: number, tenant: string): string {
  return alertsURL({ status: 'all', severity: '', report: 'all', verdict: '', assignee: '', id }, tenant);
}

/** assetLink opens a host on the Assets screen; of names its tenant when the view spans tenants. */
export function assetLink(id: string, tenant: string, of = ''): string {
  return link('/assets', [
    ['tenant', tenant],
    ['id', id],
    ['of', tenant ? '' : of],
  ]);
}

function go2(e: MouseEvent, href: string) {
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(href);
}

function errText(e: unknown, tenant: string): string {
  if (e instanceof ApiError) return e.status === 404 && tenant ? t('error.tenantNotFound', { tenant }) : t('error.api', { msg: e.message });
  return t('error.network', { msg: String(e) });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** eventsURL opens the alert's referenced events in Search, over their time span with a margin. */
export function eventsURL(d: AlertDetail, tenant: string): string {
  const seqs = d.events.map((e) => e.seq);
  const q = seqs.length === 1 ? `"ingest.seq":=${seqs[0]}` : `ingest.seq:in(${seqs.join(',')})`;
  const times = d.events.map((e) => Date.parse(e.time)).filter(Number.isFinite);
  if (times.length === 0) times.push(Date.parse(d.alert.first_seen), Date.parse(d.alert.last_seen));
  const from = Math.min(...times) - eventMarginMs;
  const to = Math.max(...times) + eventMarginMs;
  return link('/search', [
    ['q', q],
    ['start', iso(from)],
    ['end', iso(to)],
    ['tenant', tenant],
  ]);
}

function inTextBox(e: Event): boolean {
  return !!(e.target as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable]');
}

export function Severity(p: { s: string }) {
  const known = (severities as readonly string[]).includes(p.s);
  return (
    <span class={'sev sev-' + (known ? p.s : 'unknown')} data-severity={p.s}>
      {known ? t(('severity.' + p.s) as Key) : p.s}
    </span>
  );
}

/** Breakable lets a long dotted name (Apache.Log4j.Error.Log...) wrap after its dots. */
export function Breakable(p: { s: string }) {
  const parts = p.s.split(/(?<=[._/])/);
  return (
    <>
      {parts.map((x, i) => (
        <>
          {i > 0 && <wbr />}
          {x}
        </>
      ))}
    </>
  );
}

function Status(p: { s: string }) {
  return (
    <span class={'status status-' + p.s} data-status={p.s}>
      {t(('status.' + p.s) as Key) || p.s}
    </span>
  );
}

export function Alerts(p: { session: Session; loc: Loc }) {
  const state = useMemo(() => readState(p.loc.params), [p.loc]);
  const tenant = p.loc.params.get('tenant') ?? '';
  const lang = getLang();
  /** Status changes are for those allowed to triage; viewers read. */
  const triage = p.session.perms.includes('triage');
  /**
   * Whom "me" means: the session's user name (a token of a user has it too).
   * The session names no token, so a token of no user has no "me".
   */
  const me = p.session.user ?? '';
  /** The assignee filter as the API takes it; "me" without a user name filters nothing. */
  const who = state.assignee === mine ? me : state.assignee;

  const [list, setList] = useState<Alert[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [nonce, setNonce] = useState(0);
  /** The keyboard selection (an alert id). */
  const [cursor, setCursor] = useState(0);
  /** Alerts ticked for a bulk action. */
  const [checked, setChecked] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  /** The "assign the selection to…" form is open. */
  const [bulkNaming, setBulkNaming] = useState(false);

  const go = (next: Partial<AlertsState>, replace = false) => navigate(alertsURL({ ...state, ...next }, tenant), replace);

  useEffect(() => {
    tenants()
      .then((ts) => setNames(new Map(ts.map((x) => [x.id, x.name]))))
      .catch(() => {});
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    listAlerts(
      {
        status: state.status === 'all' ? '' : state.status,
        severity: state.severity,
        tenant,
        verdict: state.verdict,
        report: state.report === 'all' ? undefined : state.report === 'reported',
        assignee: who,
        limit: pageAlerts,
      },
      ac.signal,
    )
      .then((l) => {
        setList(l);
        setChecked((c) => new Set(l.filter((a) => c.has(a.id)).map((a) => a.id)));
        setCursor((c) => (l.some((a) => a.id === c) ? c : (l.find((a) => a.id === state.id)?.id ?? l[0]?.id ?? 0)));
      })
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        setList([]);
        setError(errText(e, tenant));
      });
    return () => ac.abort();
  }, [state.status, state.severity, state.report, state.verdict, who, tenant, nonce]);

  // The queue keeps its rows where they are after a status change, so the
  // selection does not jump; the change is merged in place.
  const merge = (a: Alert) => setList((l) => (l ? l.map((x) => (x.id === a.id ? a : x)) : l));

  const change = async (id: number, status: AlertStatus, reason = ''): Promise<boolean> => {
    setBusy(true);
    setError('');
    setNotice('');
    try {
      merge(await setAlertStatus(id, tenant, status, reason));
      return true;
    } catch (e) {
      if (!(e instanceof AuthError)) setError(errText(e, tenant));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const bulkable = (list ?? []).filter((a) => checked.has(a.id) && a.status === 'new');
  const bulkAck = async () => {
    setBusy(true);
    setError('');
    let n = 0;
    try {
      for (const a of bulkable) {
        merge(await setAlertStatus(a.id, tenant, 'acknowledged'));
        n++;
      }
      setChecked(new Set());
      setNotice(t('alerts.bulkDone', { n }));
    } catch (e) {
      if (!(e instanceof AuthError)) setError(errText(e, tenant));
    } finally {
      setBusy(false);
    }
  };

  /** assign sets who works on one alert ("" unassigns), merged in place like a status change. */
  const assign = async (id: number, assignee: string): Promise<boolean> => {
    setBusy(true);
    setError('');
    setNotice('');
    try {
      merge(await assignAlert(id, tenant, assignee));
      return true;
    } catch (e) {
      if (!(e instanceof AuthError)) setError(errText(e, tenant));
      return false;
    } finally {
      setBusy(false);
    }
  };

  /** The ticked alerts that the queue shows. */
  const selected = (list ?? []).filter((a) => checked.has(a.id));
  useEffect(() => {
    if (selected.length === 0) setBulkNaming(false);
  }, [selected.length]);
  /** bulkAssign assigns the ticked alerts, one request each, then reloads the queue. */
  const bulkAssign = async (assignee: string): Promise<boolean> => {
    const ids = selected.map((a) => a.id);
    if (ids.length === 0) return false;
    setBusy(true);
    setError('');
    setNotice('');
    let ok = 0;
    let failure = '';
    try {
      for (const id of ids) {
        try {
          await assignAlert(id, tenant, assignee);
          ok++;
        } catch (e) {
          if (e instanceof AuthError) return false;
          failure ||= e instanceof ApiError ? e.message : String(e);
        }
      }
    } finally {
      setBusy(false);
    }
    setChecked(new Set());
    setBulkNaming(false);
    if (ok > 0) setNotice(t('assign.bulkDone', { n: ok, who: assignee }));
    if (failure) setError(t('assign.bulkFailed', { failed: ids.length - ok, n: ids.length, msg: failure }));
    setNonce((n) => n + 1);
    return ok > 0;
  };

  const toggle = (id: number) => {
    const c = new Set(checked);
    if (c.has(id)) c.delete(id);
    else c.add(id);
    setChecked(c);
  };

  // Keyboard navigation, outside text boxes.
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || inTextBox(e) || !list) return;
    const i = list.findIndex((a) => a.id === cursor);
    const sel = i >= 0 ? list[i] : undefined;
    switch (e.key) {
      case 'j':
      case 'k': {
        if (list.length === 0) return;
        const next = e.key === 'j' ? Math.min(i + 1, list.length - 1) : Math.max(i - 1, 0);
        setCursor(list[next].id);
        break;
      }
      case 'Enter':
        if (!sel || (e.target as HTMLElement).closest('button, a')) return;
        go({ id: sel.id });
        break;
      case 'a':
        if (triage && sel && sel.status !== 'acknowledged' && !busy) change(sel.id, 'acknowledged');
        break;
      case 'm':
        if (triage && me && sel && (sel.assignee ?? '') !== me && !busy) assign(sel.id, me);
        break;
      case 'x':
        if (sel) toggle(sel.id);
        break;
      case 'Escape':
        if (state.id) go({ id: 0 });
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
    document.querySelector(`tr[data-id="${cursor}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [cursor]);

  const showTenant = p.session.admin && !tenant;
  const shown = list ?? [];
  const allChecked = shown.length > 0 && shown.every((a) => checked.has(a.id));
  const open = shown.find((a) => a.id === state.id);
  /** The names offered when assigning: me, and whoever has alerts in the queue. */
  const known = useMemo(() => {
    const s = new Set<string>();
    if (me) s.add(me);
    for (const a of list ?? []) if (a.assignee) s.add(a.assignee);
    return [...s].sort((x, y) => x.localeCompare(y));
  }, [list, me]);

  return (
    <div class={'page alerts-screen' + (state.id ? ' with-detail' : '')}>
      <div class="alerts-bar">
        <h1>{t('alerts.title')}</h1>
        <label class="field-inline">
          <span class="muted small">{t('alerts.status')}</span>
          <select id="status" value={state.status} onChange={(e) => go({ status: e.currentTarget.value })}>
            {statusFilters.map((s) => (
              <option value={s}>{s === 'open' ? t('alerts.statusOpen') : s === 'all' ? t('alerts.statusAll') : t(('status.' + s) as Key)}</option>
            ))}
          </select>
        </label>
        <label class="field-inline">
          <span class="muted small">{t('alerts.severity')}</span>
          <select id="severity" value={state.severity} onChange={(e) => go({ severity: e.currentTarget.value })}>
            <option value="">{t('alerts.severityAll')}</option>
            {severities.map((s) => (
              <option value={s}>{t(('severity.' + s) as Key)}</option>
            ))}
          </select>
        </label>
        <div class="seg" role="group" id="report" aria-label={t('alerts.report')} title={t('alerts.reportHint')}>
          {reportFilters.map((r) => (
            <button
              type="button"
              data-report={r}
              class={state.report === r ? 'on' : ''}
              aria-pressed={state.report === r}
              onClick={() => go({ report: r, id: 0 })}
            >
              {t(r === 'reported' ? 'alerts.reportReported' : r === 'hidden' ? 'alerts.reportHidden' : 'alerts.reportAll')}
            </button>
          ))}
        </div>
        <label class="field-inline">
          <span class="muted small">{t('alerts.verdict')}</span>
          <select id="verdict" value={state.verdict} onChange={(e) => go({ verdict: e.currentTarget.value })}>
            <option value="">{t('alerts.verdictAll')}</option>
            {verdicts.map((v) => (
              <option value={v}>{t(('verdict.' + v) as Key)}</option>
            ))}
          </select>
        </label>
        <AssigneeFilter value={state.assignee} me={me} onChange={(v) => go({ assignee: v })} />
        {triage && (
          <button type="button" id="bulk-ack" disabled={bulkable.length === 0 || busy} onClick={bulkAck}>
            {t('alerts.bulkAck', { n: bulkable.length })}
          </button>
        )}
        {triage && me && (
          <button type="button" id="bulk-assign-me" disabled={selected.length === 0 || busy} onClick={() => bulkAssign(me)}>
            {t('assign.bulkMe', { n: selected.length })}
          </button>
        )}
        {triage && (
          <button
            type="button"
            id="bulk-assign"
            aria-expanded={bulkNaming}
            disabled={selected.length === 0 || busy}
            onClick={() => setBulkNaming(!bulkNaming)}
          >
            {t('assign.bulkOther', { n: selected.length })}
          </button>
        )}
        <button type="button" id="refresh" onClick={() => setNonce((n) => n + 1)}>
          {t('alerts.refresh')}
        </button>
        <span class="spacer" />
        <span class="muted small" data-testid="alert-count" data-loading={list ? '0' : '1'}>
          {list ? t('alerts.count', { n: fmtCount(shown.length, lang) }) : t('common.loading')}
        </span>
        <span class="muted small keys">{triage && me ? t('assign.keys') : t('alerts.keys')}</span>
      </div>
      <Assignees names={known} />
      {triage && bulkNaming && selected.length > 0 && (
        <AssignForm
          id="bulk-assign"
          title={t('assign.bulkWho', { n: selected.length })}
          busy={busy}
          onSubmit={bulkAssign}
          onCancel={() => setBulkNaming(false)}
        />
      )}
      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      {notice && (
        <div class="banner ok" role="status" data-testid="notice">
          {notice}
        </div>
      )}
      <div class="alerts-body">
        <div class="alerts-queue">
          {list && shown.length === 0 && !error && <p class="empty">{t('alerts.none')}</p>}
          {shown.length > 0 && (
            <div class="table-wrap">
              <table class="grid alerts" data-testid="alerts">
                <thead>
                  <tr>
                    <th class="check">
                      <input
                        type="checkbox"
                        aria-label={t('alerts.selectAll')}
                        checked={allChecked}
                        onChange={() => setChecked(allChecked ? new Set() : new Set(shown.map((a) => a.id)))}
                      />
                    </th>
                    <th>{t('alerts.colSeverity')}</th>
                    <th>{t('alerts.colVerdict')}</th>
                    <th>{t('alerts.colRule')}</th>
                    <th>{t('alerts.colTarget')}</th>
                    {showTenant && <th>{t('alerts.colTenant')}</th>}
                    <th class="opt">{t('alerts.colDevice')}</th>
                    <th class="num">{t('alerts.colCount')}</th>
                    <th class="opt">{t('alerts.colFirst')}</th>
                    <th>{t('alerts.colLast')}</th>
                    <th>{t('alerts.colStatus')}</th>
                    <th>{t('assign.col')}</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((a) => {
                    const host = triageOf(a)?.evidence.asset?.hostname;
                    return (
                    <tr
                      data-id={a.id}
                      data-verdict={a.verdict}
                      data-report={a.report ? '1' : '0'}
                      class={(a.id === cursor ? 'sel ' : '') + (a.id === state.id ? 'open ' : '') + (a.report ? '' : 'hidden ') + 'st-' + a.status}
                      aria-selected={a.id === cursor}
                      onClick={(e) => {
                        if ((e.target as HTMLElement).closest('input, a, button')) return;
                        setCursor(a.id);
                        go({ id: a.id });
                      }}
                    >
                      <td class="check">
                        <input
                          type="checkbox"
                          aria-label={t('alerts.select', { id: a.id })}
                          checked={checked.has(a.id)}
                          onChange={() => toggle(a.id)}
                        />
                      </td>
                      <td>
                        <Severity s={a.severity} />
                      </td>
                      <td class="verdict-cell">
                        <VerdictBadge v={a.verdict} />
                        {!a.report && (
                          <span class="hidden-tag" title={t('alerts.hiddenHint')}>
                            {t('alerts.hiddenBadge')}
                          </span>
                        )}
                      </td>
                      <td class="rule" title={a.rule_id}>
                        <Breakable s={a.rule_name || a.rule_id} />
                      </td>
                      <td class="target">
                        {host && <span class="host">{host} </span>}
                        <span class="mono small">{a.target_ip ?? ''}</span>
                      </td>
                      {showTenant && <td class="small">{names.get(a.tenant_id) ?? a.tenant_id}</td>}
                      <td class="small opt">{a.device}</td>
                      <td class="num count">{fmtCount(a.event_count, lang)}</td>
                      <td class="mono small time opt">{fmtTime(a.first_seen)}</td>
                      <td class="mono small time">{fmtTime(a.last_seen)}</td>
                      <td>
                        <Status s={a.status} />
                      </td>
                      <td class={'assignee small' + (me && a.assignee === me ? ' mine' : '')} data-assignee={a.assignee ?? ''}>
                        {a.assignee || <span class="muted">—</span>}
                      </td>
                    </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </div>
        {state.id > 0 && (
          <Detail
            id={state.id}
            tenant={tenant}
            names={p.session.admin ? names : null}
            version={open}
            busy={busy}
            triage={triage}
            me={me}
            onChange={change}
            onAssign={assign}
            onClose={() => go({ id: 0 })}
          />
        )}
      </div>
    </div>
  );
}

function Detail(p: {
  id: number;
  tenant: string;
  /** Tenant names by id, for the Search link of an admin; null for a tenant's own token. */
  names: Map<number, string> | null;
  /** The queue's copy of the alert: a new value after a status change reloads the detail. */
  version: Alert | undefined;
  busy: boolean;
  /** Whether status changes and assignment are offered. */
  triage: boolean;
  /** The signed-in user's name; "" when the session has none. */
  me: string;
  onChange: (id: number, s: AlertStatus, reason?: string) => Promise<boolean>;
  onAssign: (id: number, assignee: string) => Promise<boolean>;
  onClose: () => void;
}) {
  const lang = getLang();
  const [d, setD] = useState<AlertDetail | null>(null);
  const [error, setError] = useState('');
  const [closing, setClosing] = useState(false);
  const [reason, setReason] = useState('');
  const reasonBox = useRef<HTMLInputElement>(null);
  const [assigning, setAssigning] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    getAlert(p.id, p.tenant, ac.signal)
      .then(setD)
      .catch((e) => {
        if (isAbort(e) || e instanceof AuthError) return;
        setD(null);
        setError(e instanceof ApiError && e.status === 404 ? t('alerts.notFound', { id: p.id }) : errText(e, p.tenant));
      });
    return () => ac.abort();
  }, [p.id, p.tenant, p.version?.status, p.version?.status_at, p.version?.verdict, p.version?.report, p.version?.assignee]);
  useEffect(() => {
    setClosing(false);
    setReason('');
    setAssigning(false);
  }, [p.id]);
  useEffect(() => {
    if (closing) reasonBox.current?.focus();
  }, [closing]);

  const a = d?.alert.id === p.id ? d.alert : undefined;
  const linkTenant = a && p.names ? (p.names.get(a.tenant_id) ?? p.tenant) : '';
  return (
    <aside class="alert-detail" data-testid="alert-detail" data-id={p.id} data-status={a?.status ?? ''} data-verdict={a?.verdict ?? ''}>
      <div class="detail-head">
        <h2>{t('alerts.detailTitle', { id: p.id })}</h2>
        <span class="spacer" />
        <button type="button" class="icon" id="detail-close" title={t('alerts.detailClose')} aria-label={t('alerts.detailClose')} onClick={p.onClose}>
          ✕
        </button>
      </div>
      {error && (
        <div class="banner error" role="alert" data-testid="detail-error">
          {error}
        </div>
      )}
      {!a && !error && <p class="muted">{t('common.loading')}</p>}
      {a && d && (
        <>
          <div class="detail-title">
            <Severity s={a.severity} />{' '}
            <strong>
              <Breakable s={a.rule_name || a.rule_id} />
            </strong>
          </div>
          <div class="detail-actions">
            <Status s={a.status} />
            {p.triage && a.status === 'new' && (
              <button type="button" class="primary" id="ack" disabled={p.busy} onClick={() => p.onChange(a.id, 'acknowledged')}>
                {t('alerts.acknowledge')}
              </button>
            )}
            {p.triage && a.status !== 'closed' && !closing && (
              <button type="button" id="close-alert" disabled={p.busy} onClick={() => setClosing(true)}>
                {t('alerts.close')}
              </button>
            )}
            {p.triage && a.status === 'closed' && (
              <button type="button" id="reopen" disabled={p.busy} onClick={() => p.onChange(a.id, 'new')}>
                {t('alerts.reopen')}
              </button>
            )}
          </div>
          <div class="assign-row" data-testid="assignee" data-assignee={a.assignee ?? ''}>
            <span class="muted small">{t('assign.label')}</span>
            <strong class={'assignee-name' + (a.assignee ? '' : ' muted')}>{a.assignee || t('assign.nobody')}</strong>
            {p.triage && p.me && a.assignee !== p.me && (
              <button type="button" id="assign-me" disabled={p.busy} onClick={() => p.onAssign(a.id, p.me)}>
                {t('assign.toMe')}
              </button>
            )}
            {p.triage && !assigning && (
              <button type="button" id="assign-other" disabled={p.busy} onClick={() => setAssigning(true)}>
                {t('assign.toOther')}
              </button>
            )}
            {p.triage && a.assignee && (
              <button type="button" id="unassign" disabled={p.busy} onClick={() => p.onAssign(a.id, '')}>
                {t('assign.unassign')}
              </button>
            )}
          </div>
          {p.triage && assigning && (
            <AssignForm
              id="assign"
              title={t('assign.who')}
              busy={p.busy}
              onSubmit={async (w) => {
                const ok = await p.onAssign(a.id, w);
                if (ok) setAssigning(false);
                return ok;
              }}
              onCancel={() => setAssigning(false)}
            />
          )}
          {closing && a.status !== 'closed' && (
            <form
              class="close-form"
              onSubmit={async (e) => {
                e.preventDefault();
                if (reason.trim() && (await p.onChange(a.id, 'closed', reason.trim()))) setClosing(false);
              }}
            >
              <label for="close-reason">{t('alerts.closeReason')}</label>
              <input
                id="close-reason"
                ref={reasonBox}
                value={reason}
                placeholder={t('alerts.closeReasonHint')}
                onInput={(e) => setReason(e.currentTarget.value)}
                onKeyDown={(e) => e.key === 'Escape' && setClosing(false)}
              />
              <div class="row">
                <button type="submit" class="primary" id="close-submit" disabled={!reason.trim() || p.busy}>
                  {t('alerts.closeSubmit')}
                </button>
                <button type="button" onClick={() => setClosing(false)}>
                  {t('common.cancel')}
                </button>
              </div>
            </form>
          )}
          <TriageView a={a} verdicts={d.verdicts ?? []} tenant={p.tenant} of={p.names ? (p.names.get(a.tenant_id) ?? '') : ''} />
          <dl class="kv">
            <dt>{t('alerts.rule')}</dt>
            <dd class="mono" data-testid="rule-id">
              {a.rule_id}
            </dd>
            <dt>{t('alerts.kind')}</dt>
            <dd>{a.kind}</dd>
            <dt>{t('alerts.colDevice')}</dt>
            <dd>{a.device}</dd>
            {a.source_ip && (
              <>
                <dt>{t('alerts.source')}</dt>
                <dd class="mono">{a.source_ip}</dd>
              </>
            )}
            {a.target_ip && (
              <>
                <dt>{t('alerts.colTarget')}</dt>
                <dd class="mono">{a.target_ip}</dd>
              </>
            )}
            <dt>{t('alerts.colCount')}</dt>
            <dd>{fmtCount(a.event_count, lang)}</dd>
            <dt>{t('alerts.colFirst')}</dt>
            <dd class="mono">{fmtTime(a.first_seen)}</dd>
            <dt>{t('alerts.colLast')}</dt>
            <dd class="mono">{fmtTime(a.last_seen)}</dd>
          </dl>

          <h3>{t('alerts.events')}</h3>
          {d.events.length > 0 && (
            <p>
              <a
                href={eventsURL(d, linkTenant)}
                data-testid="events-link"
                onClick={(e) => {
                  e.preventDefault();
                  navigate(eventsURL(d, linkTenant));
                }}
              >
                {d.events.length === 1 ? t('alerts.eventLink') : t('alerts.eventsLink', { n: fmtCount(d.events.length, lang) })}
              </a>
              {d.events.length < a.event_count && (
                <span class="muted small"> · {t('alerts.eventsKept', { kept: fmtCount(d.events.length, lang), n: fmtCount(a.event_count, lang) })}</span>
              )}
            </p>
          )}

          {a.details && Object.keys(a.details).length > 0 && (
            <>
              <h3>{t('alerts.details')}</h3>
              <dl class="kv" data-testid="alert-details">
                {Object.entries(a.details)
                  .sort(([x], [y]) => x.localeCompare(y))
                  .map(([k, v]) => (
                    <>
                      <dt>{k}</dt>
                      <dd class="mono">{v}</dd>
                    </>
                  ))}
              </dl>
            </>
          )}

          <h3>{t('alerts.history')}</h3>
          {d.history.length === 0 && <p class="muted small">{t('alerts.noHistory')}</p>}
          {d.history.length > 0 && (
            <ol class="history" data-testid="history">
              {d.history.map((h) => {
                const assigned = assignmentText(h);
                return (
                  <li data-kind={assigned === null ? 'status' : 'assign'}>
                    <span class="mono small">{fmtTime(h.at)}</span>{' '}
                    <span>
                      {assigned ??
                        t('alerts.histChange', {
                          from: h.from ? t(('status.' + h.from) as Key) : '—',
                          to: t(('status.' + h.to) as Key),
                        })}
                    </span>{' '}
                    <span class="muted small">{t('alerts.by', { actor: h.actor })}</span>
                    {assigned === null && h.reason && <div class="reason">{h.reason}</div>}
                  </li>
                );
              })}
            </ol>
          )}
        </>
      )}
    </aside>
  );
}

const pct = (x: number) => (x * 100).toFixed(x >= 0.1 ? 0 : 1);

function SourceText(p: { s?: { kind: string; name?: string; date?: string } }) {
  if (!p.s || !p.s.kind) return <span class="muted">—</span>;
  return (
    <span class="src">
      <span class="src-kind">{p.s.kind}</span>
      {p.s.name && <span class="mono small"> {p.s.name}</span>}
      {p.s.date && <span class="muted small"> ({fmtTime(p.s.date).slice(0, 10)})</span>}
    </span>
  );
}

/** TriageView is an alert's relevance verdict: why, how sure, and the evidence chain behind it. */
function TriageView(p: { a: Alert; verdicts: VerdictChange[]; tenant: string; of: string }) {
  const lang = getLang();
  const tr = triageOf(p.a);
  const applies = !(p.a.triage && !tr && p.a.verdict === '');
  const sig = tr?.evidence.signature;
  const host = tr?.evidence.asset;
  const checks = tr?.evidence.checks ?? [];
  return (
    <section class="triage" data-testid="triage" data-verdict={p.a.verdict} data-report={p.a.report ? '1' : '0'}>
      <h3>{t('alerts.triage')}</h3>
      {!tr && <p class="muted small">{applies ? t('alerts.notTriaged') : t('alerts.noTriage')}</p>}
      {tr && (
        <>
          <div class="triage-head">
            <VerdictBadge v={tr.verdict} />
            <span class={'report-tag ' + (p.a.report ? 'reported' : 'hidden')} data-testid="report-tag">
              {p.a.report ? t('alerts.reported') : t('alerts.hidden')}
            </span>
          </div>
          <p class="reason" data-testid="reason" lang={lang}>
            {tr.reason?.[lang] || tr.reason?.en || ''}
          </p>
          <dl class="kv">
            <dt>{t('alerts.confidence')}</dt>
            <dd data-testid="confidence">{label('confidence', tr.confidence)}</dd>
            <dt>{t('alerts.urgency')}</dt>
            <dd data-testid="urgency" class={'urgency-' + tr.urgency}>
              {label('urgency', tr.urgency)}
              {label('urgencyHint', tr.urgency) && tr.urgency !== 'normal' && <span class="muted small"> · {label('urgencyHint', tr.urgency)}</span>}
            </dd>
            <dt>{t('alerts.policy')}</dt>
            <dd>{label('policy', tr.evidence.policy)}</dd>
          </dl>
          {tr.task && (
            <div class="banner info task" data-testid="task">
              <strong>{t('alerts.task')}:</strong> {t(('task.' + tr.task.kind) as Key, { s: tr.task.subject })}
            </div>
          )}

          <h3>{t('alerts.evidence')}</h3>
          <div class="evidence" data-testid="evidence">
            {sig && (
              <div class="ev-step" data-testid="ev-signature">
                <h4>{t('alerts.signature')}</h4>
                <dl class="kv">
                  <dt>{t('alerts.rule')}</dt>
                  <dd class="mono">
                    {sig.vendor}:{sig.id}
                  </dd>
                  {sig.name && (
                    <>
                      <dt />
                      <dd>
                        <Breakable s={sig.name} />
                      </dd>
                    </>
                  )}
                  {sig.cves && sig.cves.length > 0 && (
                    <>
                      <dt>{t('alerts.cves')}</dt>
                      <dd class="mono" data-testid="cves">
                        {sig.cves.join(', ')}
                      </dd>
                    </>
                  )}
                  {sig.products && sig.products.length > 0 && (
                    <>
                      <dt>{t('alerts.products')}</dt>
                      <dd>{sig.products.join(', ')}</dd>
                    </>
                  )}
                  {sig.target && (
                    <>
                      <dt>{t('alerts.sigTarget')}</dt>
                      <dd>{label('target', sig.target)}</dd>
                    </>
                  )}
                  <dt>{t('alerts.knownFrom')}</dt>
                  <dd>{sig.source?.kind ? <SourceText s={sig.source} /> : <span class="muted">{t('alerts.unknownSource')}</span>}</dd>
                </dl>
              </div>
            )}
            {host && (
              <div class="ev-step" data-testid="ev-asset">
                <h4>{t('alerts.asset')}</h4>
                <dl class="kv">
                  <dt>{t('assets.colID')}</dt>
                  <dd>
                    <a href={assetLink(host.asset_id, p.tenant, p.of)} data-testid="asset-link" onClick={(e) => go2(e, assetLink(host.asset_id, p.tenant, p.of))}>
                      {host.hostname || host.asset_id}
                    </a>
                    {host.hostname && <span class="mono small muted"> {host.asset_id}</span>}
                  </dd>
                  <dt>{t('alerts.matchedBy')}</dt>
                  <dd>{label('matchedBy', host.matched_by)}</dd>
                  {(host.role || host.criticality) && (
                    <>
                      <dt>{t('alerts.role')}</dt>
                      <dd>
                        {host.role ?? ''}
                        {host.criticality && (
                          <>
                            {' · '}
                            {t('alerts.criticality')}: <Severity s={host.criticality} />
                          </>
                        )}
                      </dd>
                    </>
                  )}
                  <dt>{t('alerts.inventory')}</dt>
                  <dd data-testid="ev-inventory">
                    <InventoryBadge
                      complete={host.inventory_complete}
                      ageDays={host.inventory_complete ? host.inventory_age_days : NaN}
                      stale={!host.inventory_fresh}
                    />
                    {host.inventory_collected_at && <span class="muted small"> ({fmtTime(host.inventory_collected_at).slice(0, 10)})</span>}
                  </dd>
                  {host.inventory_sources && host.inventory_sources.length > 0 && (
                    <>
                      <dt>{t('alerts.inventorySources')}</dt>
                      <dd>
                        <ul class="plain">
                          {host.inventory_sources.map((s) => (
                            <li>
                              <SourceText s={s} />
                            </li>
                          ))}
                        </ul>
                      </dd>
                    </>
                  )}
                </dl>
              </div>
            )}
            {checks.length > 0 && (
              <div class="ev-step">
                <h4>{t('alerts.checks')}</h4>
                <ul class="checks" data-testid="checks">
                  {checks.map((c) => (
                    <li data-outcome={c.outcome}>
                      <div class="check-head">
                        <span class={'outcome outcome-' + c.outcome}>{label('outcome', c.outcome)}</span>
                        {c.cve && <span class="mono">{c.cve}</span>}
                        <span class="mono small muted">{c.product}</span>
                        {c.kev && (
                          <span class="kev" title={t('alerts.kevHint')}>
                            {t('alerts.kev')}
                          </span>
                        )}
                        {c.epss !== undefined && c.epss !== null && <span class="epss">{t('alerts.epss', { p: pct(c.epss) })}</span>}
                      </div>
                      <dl class="kv small">
                        {(c.installed || c.software) && (
                          <>
                            <dt>{t('alerts.checkInstalled')}</dt>
                            <dd class="mono">
                              {c.installed ?? ''}
                              {c.software && <span class="muted"> ({c.software})</span>}
                            </dd>
                          </>
                        )}
                        {c.rule && (
                          <>
                            <dt>{t('alerts.checkRule')}</dt>
                            <dd>
                              <span class="mono">{c.rule}</span>
                              {c.rule_source?.kind && (
                                <span class="small">
                                  {' · '}
                                  <SourceText s={c.rule_source} />
                                </span>
                              )}
                            </dd>
                          </>
                        )}
                        {c.comparison && (
                          <>
                            <dt>{t('alerts.checkComparison')}</dt>
                            <dd class="mono">{c.comparison}</dd>
                          </>
                        )}
                        {c.platform_required && (
                          <>
                            <dt />
                            <dd class="muted">{t('alerts.checkPlatform', { p: c.platform_required })}</dd>
                          </>
                        )}
                      </dl>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </>
      )}
      {(tr || p.verdicts.length > 0) && (
        <>
          <h3>{t('alerts.verdictHistory')}</h3>
          {p.verdicts.length === 0 && <p class="muted small">{t('alerts.noVerdictHistory')}</p>}
          {p.verdicts.length > 0 && (
            <ol class="history" data-testid="verdict-history">
              {p.verdicts.map((h) => (
                <li>
                  <span class="mono small">{fmtTime(h.at)}</span>{' '}
                  <span>
                    {t('alerts.verdictChange', {
                      from: h.from ? label('verdict', h.from) : '—',
                      to: h.to ? label('verdict', h.to) : '—',
                    })}
                  </span>
                  {h.from_report !== h.to_report && (
                    <span class="muted small"> · {h.to_report ? t('alerts.reported') : t('alerts.hidden')}</span>
                  )}
                  {h.reason && (
                    <div class="reason" lang="en">
                      {h.reason}
                    </div>
                  )}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
