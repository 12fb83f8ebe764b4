// The context of an event (Search → an event → "Show context"): the lines of
// the same device (and tenant) around the event's time, oldest first, with
// the event highlighted and scrolled into view. Its state is the search's
// URL plus ctx (the event's ingest.seq), cdev (its device), ct (its _time),
// ctn (its tenant.id) and cw (the window on each side: 5m, 15m or 1h), so it
// can be shared; "Back" drops them and returns to the search, event open.

import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Row, isAbort, search } from '../api';
import { AuthError } from '../auth';
import { copyText } from '../clipboard';
import { type PivotAction, type PivotTarget, PivotMenu } from '../components/Pivot';
import { Results, rowID } from '../components/Results';
import { fmtCount, fmtTime } from '../format';
import { type Key, getLang, t } from '../i18n';
import { type Chip, chipFilter, quoteValue } from '../query';
import { type Loc, link, navigate } from '../route';
import { absolute, durationMs } from '../timerange';
import { searchURL } from './Search';

const windows = ['5m', '15m', '1h'];
const ctxParams = ['ctx', 'cdev', 'ct', 'ctn', 'cw'];
/** Lines fetched on each side of the event: the nearest ones. */
const sideRows = 200;
const noFresh = new Set<string>();
const iso = (ms: number) => new Date(ms).toISOString();

/** contextURL is the URL of the lines around row r, kept on top of the search's URL (params). */
export function contextURL(params: URLSearchParams, r: Row, w = '5m'): string {
  const p = new URLSearchParams(params);
  for (const k of ctxParams) p.delete(k);
  p.set('ev', rowID(r));
  p.delete('tail');
  const add: [string, string][] = [
    ['ctx', rowID(r)],
    ['cdev', r.device ?? ''],
    ['ct', r._time ?? ''],
    ['ctn', r['tenant.id'] ?? ''],
    ['cw', w],
  ];
  for (const [k, v] of add) if (v) p.set(k, v);
  return '/search?' + p.toString();
}

export function SearchContext(p: { loc: Loc }) {
  const q = p.loc.params;
  const seq = q.get('ctx') ?? '';
  const dev = q.get('cdev') ?? '';
  const at = q.get('ct') ?? '';
  const ten = q.get('ctn') ?? '';
  const w = windows.includes(q.get('cw') ?? '') ? q.get('cw')! : '5m';
  const tenant = q.get('tenant') ?? '';
  const t0 = Date.parse(at);
  const ms = durationMs(w);
  const key = [seq, dev, at, ten, w, tenant].join('|');
  const [got, setGot] = useState<{ key: string; rows: Row[]; full: boolean } | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState('');
  const [menu, setMenu] = useState<PivotTarget | null>(null);
  const rows = got?.key === key ? got.rows : null;

  const fail = (e: unknown) => {
    if (isAbort(e) || e instanceof AuthError) return;
    setError(e instanceof ApiError ? t('error.api', { msg: e.message }) : t('error.network', { msg: String(e) }));
  };

  useEffect(() => {
    const ac = new AbortController();
    setError('');
    setOpen('');
    if (!dev || Number.isNaN(t0)) {
      // A link with the event only: find its device and time first.
      search({ q: `"ingest.seq":=${quoteValue(seq)}`, tenant }, 1, ac.signal)
        .then((r) => (r[0]?.device ? navigate(contextURL(q, r[0], w), true) : setError(t('context.missing', { seq }))))
        .catch(fail);
      return () => ac.abort();
    }
    const filter = chipFilter({ field: 'device', value: dev, neg: false }) + (ten ? ' ' + chipFilter({ field: 'tenant.id', value: ten, neg: false }) : '');
    // The nearest lines before the event (newest first), and from it on
    // (the oldest first, then newest first as every search answers).
    Promise.all([
      search({ q: filter, start: iso(t0 - ms), end: at, tenant }, sideRows, ac.signal),
      search({ q: `${filter} | sort by (_time) limit ${sideRows}`, start: at, end: iso(t0 + ms + 1), tenant }, sideRows, ac.signal),
    ])
      .then(([before, after]) => setGot({ key, rows: before.reverse().concat(after.reverse()), full: before.length >= sideRows || after.length >= sideRows }))
      .catch(fail);
    return () => ac.abort();
  }, [key]);

  useEffect(() => {
    if (rows) document.querySelector('.result.mark')?.scrollIntoView({ block: 'center' });
  }, [rows]);

  // The search this view came from, with the event open.
  const back = new URLSearchParams(q);
  for (const k of ctxParams) back.delete(k);
  const backHref = '/search?' + back.toString();
  // The same lines as a search of their own, for filters and export.
  const range = Number.isNaN(t0) ? { start: '1h', end: '' } : absolute(t0 - ms, t0 + ms + 1);
  const asSearch = (chips: Chip[], text = '') => searchURL({ q: text, chips, range, ev: '', tail: false }, tenant);
  const devChip: Chip = { field: 'device', value: dev, neg: false };
  const searchHref = asSearch([devChip]);
  const follow = (e: MouseEvent, href: string) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(href);
  };

  const onPivot = (a: PivotAction) => {
    if (!menu) return;
    const { field, value } = menu;
    setMenu(null);
    if (a === 'copy') return copyText(value);
    if (a === 'asset') return navigate(link('/assets', [['ip', value], ['tenant', tenant]]));
    if (a === 'include' || a === 'exclude') return navigate(asSearch([devChip, { field, value, neg: a === 'exclude' }]));
    navigate(asSearch([], a === 'ip' ? value : quoteValue(value)));
  };

  return (
    <div class="search-screen context-view" data-testid="context" data-loaded={rows ? '1' : '0'} data-window={w}>
      <div class="alerts-bar">
        <a href={backHref} class="back" id="context-back" onClick={(e) => follow(e, backHref)}>
          {t('context.back')}
        </a>
        <h1>{t('context.title')}</h1>
        <span class="muted">{t('context.of', { device: dev || '…', time: Number.isNaN(t0) ? '…' : fmtTime(at, true) })}</span>
      </div>
      <div class="toolbar">
        <div class="seg" role="group" aria-label={t('context.window')}>
          {windows.map((x) => (
            <button type="button" data-window={x} class={x === w ? 'on' : ''} aria-pressed={x === w} onClick={() => navigate(contextURL(q, { device: dev, _time: at, 'ingest.seq': seq, 'tenant.id': ten }, x))}>
              {t(('context.w' + x) as Key)}
            </button>
          ))}
        </div>
        <span class="spacer" />
        <a href={searchHref} id="context-search" onClick={(e) => follow(e, searchHref)}>
          {t('context.asSearch')}
        </a>
      </div>
      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      <div class="summary" data-testid="context-summary">
        {rows ? t('context.count', { n: fmtCount(rows.length, getLang()) }) + (got!.full ? ' · ' + t('context.limited', { n: sideRows }) : '') : !error && t('common.loading')}
      </div>
      {rows && (
        <Results
          rows={rows}
          expanded={open}
          mark={seq}
          fresh={noFresh}
          onToggle={setOpen}
          onPivot={(field, value, x, y) => setMenu({ field, value, x, y })}
          permalink={(id) => {
            const r = rows.find((x) => rowID(x) === id);
            return r ? contextURL(q, r, w) : backHref;
          }}
          onContext={(r) => navigate(contextURL(q, r, w))}
        />
      )}
      {menu && <PivotMenu target={menu} onAction={onPivot} onClose={() => setMenu(null)} />}
    </div>
  );
}
