// The Search screen: query box and filter chips, time range, histogram, field
// sidebar, result rows, export, live tail and saved searches. Its whole state
// (query, chips, range, tenant, open event, tail) lives in the URL; with ctx
// the URL shows the context of an event instead (Context.tsx).

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Row, type Scope, type ValueCount, facets, hits, isAbort, search } from '../api';
import { AuthError } from '../auth';
import { copyText } from '../clipboard';
import { Fields, facetFields } from '../components/Fields';
import { Histogram } from '../components/Histogram';
import { type PivotAction, type PivotTarget, PivotMenu } from '../components/Pivot';
import { Results, rowID } from '../components/Results';
import { TimePicker } from '../components/TimePicker';
import { type ExportFormat, exportRows } from '../export';
import { fmtCount, stamp } from '../format';
import { getLang, t } from '../i18n';
import { type Chip, buildQuery, decodeChip, encodeChip, quoteValue, sameChip, splitPipes } from '../query';
import { type Loc, link, navigate } from '../route';
import { type SavedSearch, deleteSaved, listSaved, saveSearch } from '../saved';
import { type Range, absolute, defaultRange, isRelative, resolve, stepFor, validRange } from '../timerange';
import { contextURL } from './Context';

/** How many rows the screen shows; export takes every match. */
const pageRows = 500;
const facetValues = 5;
const tailEveryMs = 2000;

interface SearchState {
  q: string;
  chips: Chip[];
  range: Range;
  /** The open event's ingest.seq. */
  ev: string;
  tail: boolean;
}

function readState(p: URLSearchParams): SearchState {
  const chips = p.getAll('f').map(decodeChip).filter((c): c is Chip => c !== null);
  const range = { start: p.get('start') || defaultRange.start, end: p.get('end') ?? '' };
  const ev = p.get('ev') ?? '';
  return { q: p.get('q') ?? '', chips, range, ev: /^\d+$/.test(ev) ? ev : '', tail: p.get('tail') === '1' };
}

/** searchURL is the permalink of a search state. */
export function searchURL(s: SearchState, tenant: string): string {
  return link('/search', [
    ['q', s.q],
    ...s.chips.map((c): [string, string] => ['f', encodeChip(c)]),
    ['start', s.range.start],
    ['end', s.range.end],
    ['tenant', tenant],
    ['ev', s.ev],
    ['tail', s.tail ? '1' : ''],
  ]);
}

interface Hist {
  xs: number[];
  ys: number[];
  from: number;
  to: number;
  stepMs: number;
  total: number;
}

function fillHist(buckets: { time: string; count: number }[], from: number, to: number, stepMs: number): Hist {
  const counts = new Map<number, number>();
  let total = 0;
  for (const b of buckets) {
    const x = Math.floor(Date.parse(b.time) / stepMs) * stepMs;
    counts.set(x, (counts.get(x) ?? 0) + b.count);
    total += b.count;
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = Math.floor(from / stepMs) * stepMs; x < to; x += stepMs) {
    xs.push(x / 1000);
    ys.push(counts.get(x) ?? 0);
  }
  return { xs, ys, from, to, stepMs, total };
}

const iso = (ms: number) => new Date(ms).toISOString();

function maxSeq(rows: Row[], start = 0): number {
  let m = start;
  for (const r of rows) {
    const s = Number(r['ingest.seq']);
    if (s > m) m = s;
  }
  return m;
}

function errorText(e: unknown, tenant: string): string {
  if (e instanceof ApiError) {
    if (e.status === 404 && tenant) return t('error.tenantNotFound', { tenant });
    if (e.code === 'bad_query') return t('error.badQuery', { msg: e.message });
    return t('error.api', { msg: e.message });
  }
  return t('error.network', { msg: String(e) });
}

export function Search(p: { loc: Loc; dark: boolean }) {
  const state = useMemo(() => readState(p.loc.params), [p.loc]);
  const tenant = p.loc.params.get('tenant') ?? '';
  const query = buildQuery(state.q, state.chips);
  const lang = getLang();

  const [draft, setDraft] = useState(state.q);
  useEffect(() => setDraft(state.q), [state.q]);
  const [rows, setRows] = useState<Row[]>([]);
  /** The tenant and query that rows belong to (for tests and screen readers: "done"). */
  const [rowsFor, setRowsFor] = useState('');
  const [linked, setLinked] = useState<Row | null>(null);
  const [hist, setHist] = useState<Hist | null>(null);
  const [facetData, setFacetData] = useState<Record<string, ValueCount[] | undefined>>({});
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [nonce, setNonce] = useState(0);
  const [menu, setMenu] = useState<PivotTarget | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [exporting, setExporting] = useState<{ format: ExportFormat; rows: number } | null>(null);
  const [exportDone, setExportDone] = useState('');
  const [openMenu, setOpenMenu] = useState<'' | 'export' | 'saved' | 'save'>('');
  const [saved, setSaved] = useState<SavedSearch[]>(listSaved);
  const [saveName, setSaveName] = useState('');
  const seq = useRef(0);
  const exportAbort = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const go = (next: Partial<SearchState>, replace = false) => {
    setMenu(null);
    navigate(searchURL({ ...state, ev: '', ...next }, tenant), replace);
  };

  // "/" focuses the query box, as in most log tools.
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (el.closest('input, textarea, select, [contenteditable]')) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);

  // An open dropdown closes on a click elsewhere or on Escape.
  useEffect(() => {
    if (!openMenu) return;
    const away = (e: MouseEvent) => {
      if (!(e.target as HTMLElement).closest('.dropdown')) setOpenMenu('');
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpenMenu('');
    addEventListener('mousedown', away);
    addEventListener('keydown', esc);
    return () => {
      removeEventListener('mousedown', away);
      removeEventListener('keydown', esc);
    };
  }, [openMenu]);

  const runKey = JSON.stringify([query, state.range, tenant, nonce]);
  const scopeNow = (): Scope | null => {
    if (!validRange(state.range)) return null;
    const { from, to } = resolve(state.range);
    return { q: query, start: iso(from), end: iso(to), tenant };
  };

  useEffect(() => {
    const ac = new AbortController();
    const scope = scopeNow();
    setFresh(new Set());
    if (!scope) {
      setError(t('range.bad'));
      return;
    }
    const fail = (e: unknown) => {
      if (isAbort(e) || e instanceof AuthError || ac.signal.aborted) return;
      setError(errorText(e, tenant));
      setRows([]);
      setRowsFor(tenant + '|' + scope.q);
      setHist(null);
      setFacetData({});
    };
    setLoading(true);
    setError('');
    const from = Date.parse(scope.start!);
    const to = Date.parse(scope.end!);
    search(scope, pageRows, ac.signal)
      .then((r) => {
        setRows(r);
        setRowsFor(tenant + '|' + scope.q);
        seq.current = maxSeq(r);
      })
      .catch(fail)
      .finally(() => !ac.signal.aborted && setLoading(false));
    const { step, ms } = stepFor(from, to);
    hits(scope, step, ac.signal)
      .then((b) => setHist(fillHist(b, from, to, ms)))
      .catch(fail);
    setFacetData({});
    for (const f of facetFields) {
      facets(scope, f, facetValues, ac.signal)
        .then((v) => setFacetData((old) => ({ ...old, [f]: v })))
        .catch((e) => {
          if (e instanceof ApiError && e.code === 'bad_query') setFacetData((old) => ({ ...old, [f]: [] }));
          else fail(e);
        });
    }
    return () => ac.abort();
  }, [runKey]);

  // A link to an event outside the rows on screen still opens it.
  useEffect(() => {
    setLinked(null);
    if (!state.ev || loading || rows.some((r) => rowID(r) === state.ev)) return;
    const ac = new AbortController();
    search({ q: `"ingest.seq":=${quoteValue(state.ev)}`, tenant }, 1, ac.signal)
      .then((r) => setLinked(r[0] ?? null))
      .catch(() => {});
    return () => ac.abort();
  }, [state.ev, rows, loading, tenant]);

  // Live tail: every 2 s, events with a higher ingest.seq than any seen.
  const hasPipes = splitPipes(state.q)[1] !== '';
  useEffect(() => {
    if (!state.tail || hasPipes || !isRelative(state.range)) return;
    let busy = false;
    const ac = new AbortController();
    const id = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const { from, to } = resolve(state.range);
        const extra = seq.current > 0 ? [`ingest.seq:>${seq.current}`] : [];
        const scope = { q: buildQuery(state.q, state.chips, extra), start: iso(from), end: iso(to + 1000), tenant };
        const got = await search(scope, pageRows, ac.signal);
        if (got.length > 0) {
          seq.current = maxSeq(got, seq.current);
          const ids = new Set(got.map(rowID));
          setFresh((old) => new Set([...old, ...ids]));
          setRows((old) => {
            const merged = got.concat(old.filter((r) => !ids.has(rowID(r))));
            merged.sort((a, b) => (a._time < b._time ? 1 : a._time > b._time ? -1 : 0));
            return merged.slice(0, pageRows);
          });
        }
        const { step, ms } = stepFor(from, to);
        const b = await hits({ ...scope, q: query, end: iso(to) }, step, ac.signal);
        setHist(fillHist(b, from, to, ms));
      } catch (e) {
        if (!isAbort(e) && !(e instanceof AuthError)) setError(errorText(e, tenant));
      } finally {
        busy = false;
      }
    }, tailEveryMs);
    return () => {
      clearInterval(id);
      ac.abort();
    };
  }, [runKey, state.tail, hasPipes]);

  const addChip = (c: Chip) => {
    const others = state.chips.filter((x) => !(x.field === c.field && x.value === c.value));
    if (state.chips.some((x) => sameChip(x, c))) return;
    go({ chips: [...others, c] });
  };

  const onPivot = (a: PivotAction) => {
    if (!menu) return;
    const { field, value } = menu;
    setMenu(null);
    switch (a) {
      case 'include':
        return addChip({ field, value, neg: false });
      case 'exclude':
        return addChip({ field, value, neg: true });
      case 'value':
        return go({ q: quoteValue(value), chips: [] });
      case 'ip':
        return go({ q: value, chips: [] });
      case 'asset':
        return navigate(
          link('/assets', [
            ['ip', value],
            ['tenant', tenant],
          ]),
        );
      case 'copy':
        return copyText(value);
    }
  };

  const startExport = async (format: ExportFormat) => {
    setOpenMenu('');
    const scope = scopeNow();
    if (!scope || exporting) return;
    const ac = new AbortController();
    exportAbort.current = ac;
    setExportDone('');
    setExporting({ format, rows: 0 });
    try {
      const n = await exportRows(scope, format, `sekimori-${stamp()}.${format === 'csv' ? 'csv' : 'jsonl'}`, ac.signal, (rows) =>
        setExporting({ format, rows }),
      );
      setExportDone(t('export.done', { n: fmtCount(n, lang) }));
    } catch (e) {
      if (!isAbort(e) && !(e instanceof AuthError)) setError(errorText(e, tenant));
    } finally {
      setExporting(null);
      exportAbort.current = null;
    }
  };

  const doSave = (e: Event) => {
    e.preventDefault();
    const name = saveName.trim();
    if (!name) return;
    const url = searchURL({ ...state, ev: '', tail: false }, '');
    setSaved(saveSearch({ name, params: url.slice(url.indexOf('?') + 1) }));
    setSaveName('');
    setOpenMenu('');
  };

  const shown = linked ? [linked, ...rows] : rows;
  const permalink = (id: string) => searchURL({ ...state, ev: id, tail: false }, tenant);

  return (
    <div class="search-screen">
      <form
        class="querybar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft === state.q) setNonce(nonce + 1);
          else go({ q: draft });
        }}
      >
        <input
          ref={input}
          id="query"
          class="mono"
          type="search"
          autocomplete="off"
          spellcheck={false}
          value={draft}
          placeholder={t('search.placeholder')}
          aria-label={t('search.query')}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" class="primary" id="run">
          {t('search.run')}
        </button>
      </form>

      <div class="toolbar">
        <TimePicker range={state.range} onChange={(range) => go({ range, tail: state.tail && isRelative(range) })} />
        <span class="spacer" />
        <label class={'toggle' + (state.tail ? ' on' : '')} title={t('tail.hint')}>
          <input
            type="checkbox"
            id="tail"
            checked={state.tail}
            disabled={hasPipes}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              go({ tail: on, range: on && !isRelative(state.range) ? { start: '15m', end: '' } : state.range }, true);
            }}
          />
          {state.tail ? t('tail.on') : t('tail.off')}
        </label>
        <div class="dropdown">
          <button type="button" id="saved" onClick={() => setOpenMenu(openMenu === 'saved' ? '' : 'saved')} aria-expanded={openMenu === 'saved'}>
            {t('saved.title')} ▾
          </button>
          {openMenu === 'saved' && (
            <div class="menu right" role="menu">
              {saved.length === 0 && <div class="muted small pad">{t('saved.none')}</div>}
              {saved.map((s) => (
                <div class="menu-row">
                  <a
                    href={'/search?' + s.params}
                    onClick={(e) => {
                      e.preventDefault();
                      setOpenMenu('');
                      const p = new URLSearchParams(s.params);
                      if (tenant) p.set('tenant', tenant);
                      navigate('/search?' + p.toString());
                    }}
                  >
                    {s.name}
                  </a>
                  <button type="button" class="icon" aria-label={t('saved.delete', { name: s.name })} onClick={() => setSaved(deleteSaved(s.name))}>
                    ×
                  </button>
                </div>
              ))}
            </div>
          )}
        </div>
        <div class="dropdown">
          <button type="button" id="save" onClick={() => setOpenMenu(openMenu === 'save' ? '' : 'save')} aria-expanded={openMenu === 'save'}>
            {t('saved.save')}
          </button>
          {openMenu === 'save' && (
            <form class="menu right save-form" onSubmit={doSave}>
              <label>
                {t('saved.name')}
                <input value={saveName} onInput={(e) => setSaveName(e.currentTarget.value)} autoFocus />
              </label>
              <button type="submit" class="primary">
                {t('saved.save')}
              </button>
            </form>
          )}
        </div>
        <div class="dropdown">
          <button type="button" id="export" disabled={!!exporting} onClick={() => setOpenMenu(openMenu === 'export' ? '' : 'export')}>
            {t('export.title')} ▾
          </button>
          {openMenu === 'export' && (
            <div class="menu right" role="menu">
              <button type="button" role="menuitem" data-format="csv" onClick={() => startExport('csv')}>
                {t('export.csv')}
              </button>
              <button type="button" role="menuitem" data-format="jsonl" onClick={() => startExport('jsonl')}>
                {t('export.jsonl')}
              </button>
            </div>
          )}
        </div>
      </div>

      <div class="chips" data-testid="chips">
        {state.chips.map((c, i) => (
          <span class={'chip' + (c.neg ? ' neg' : '')} data-field={c.field}>
            <button
              type="button"
              class="chip-op"
              title={t('chip.invert')}
              onClick={() => go({ chips: state.chips.map((x, j) => (j === i ? { ...x, neg: !x.neg } : x)) })}
            >
              <span class="mono">{c.field}</span> {c.neg ? '≠' : '='} <span class="mono">{c.value}</span>
            </button>
            <button
              type="button"
              class="chip-x"
              aria-label={t('chip.remove')}
              onClick={() => go({ chips: state.chips.filter((_, j) => j !== i) })}
            >
              ×
            </button>
          </span>
        ))}
        {state.chips.length > 1 && (
          <button type="button" class="link small" onClick={() => go({ chips: [] })}>
            {t('chip.clear')}
          </button>
        )}
        <span class="effective small">
          <span class="muted">{t('search.effective')}</span> <code data-testid="effective-query">{query}</code>
        </span>
      </div>

      {error && (
        <div class="banner error" role="alert" data-testid="error">
          {error}
        </div>
      )}
      {exporting && (
        <div class="banner info" role="status">
          {t('export.running', { n: fmtCount(exporting.rows, lang) })}{' '}
          <button type="button" class="link" onClick={() => exportAbort.current?.abort()}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      {exportDone && !exporting && (
        <div class="banner ok" role="status" data-testid="export-done">
          {exportDone}
        </div>
      )}

      <div class="search-body">
        <Fields
          facets={facetData}
          loading={loading}
          onInclude={(field, value) => addChip({ field, value, neg: false })}
          onExclude={(field, value) => addChip({ field, value, neg: true })}
        />
        <section class="search-main">
          {hist && (
            <Histogram
              xs={hist.xs}
              ys={hist.ys}
              from={hist.from}
              to={hist.to}
              stepMs={hist.stepMs}
              dark={p.dark}
              onZoom={(a, b) => go({ range: absolute(a, b), tail: false })}
            />
          )}
          <div class="summary" data-testid="summary" data-loading={loading ? '1' : '0'} data-for={rowsFor}>
            {loading
              ? t('common.loading')
              : hist
                ? t(hist.total > rows.length ? 'search.countSome' : 'search.count', {
                    n: fmtCount(hist.total, lang),
                    shown: fmtCount(rows.length, lang),
                  })
                : ''}
            {hist && !loading && <span class="muted"> · {t('search.zoomHint')}</span>}
          </div>
          {!loading && !error && shown.length === 0 && <p class="empty">{t('search.none')}</p>}
          <Results
            rows={shown}
            expanded={state.ev}
            fresh={fresh}
            onToggle={(id) => go({ ev: id, tail: state.tail }, true)}
            onPivot={(field, value, x, y) => setMenu({ field, value, x, y })}
            permalink={permalink}
            onContext={(r) => navigate(contextURL(p.loc.params, r))}
          />
        </section>
      </div>
      {menu && <PivotMenu target={menu} onAction={onPivot} onClose={() => setMenu(null)} />}
    </div>
  );
}
