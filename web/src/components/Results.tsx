// Result rows: time, device, message; a click opens the event with every
// field (each value has the pivot menu), the original line and, for an event
// of a device, the way to the lines around it (its context).

import type { Row } from '../api';
import { fmtTime, timeZone } from '../format';
import { t } from '../i18n';
import { copyText } from '../clipboard';

/** rowID identifies an event in links: its ingest sequence number. */
export function rowID(r: Row): string {
  return r['ingest.seq'] ?? '';
}

export function deviceLabel(r: Row): string {
  if (r.device) return r.device;
  const src = r['log.source.address'] || r['log.syslog.hostname'] || '?';
  return t('results.unassignedSource', { src });
}

export interface ResultsProps {
  rows: Row[];
  expanded: string;
  /** Rows that arrived by live tail since it was switched on. */
  fresh: Set<string>;
  onToggle: (id: string) => void;
  onPivot: (field: string, value: string, x: number, y: number) => void;
  permalink: (id: string) => string;
  /** Shows the lines around an event of a device (absent: no such action). */
  onContext?: (r: Row) => void;
  /** The event highlighted (the centre of a context). */
  mark?: string;
}

export function Results(p: ResultsProps) {
  return (
    <div class="results" role="list" data-testid="results">
      {p.rows.length > 0 && (
        <div class="result-head" aria-hidden="true">
          <span class="t">
            {t('results.time')} <span class="muted small">({timeZone})</span>
          </span>
          <span class="d">{t('results.device')}</span>
          <span class="m">{t('results.message')}</span>
        </div>
      )}
      {p.rows.map((r, i) => {
        const id = rowID(r) || 'row' + i;
        const open = id === p.expanded;
        const mark = id === p.mark;
        return (
          <div
            class={'result' + (open ? ' open' : '') + (p.fresh.has(id) ? ' fresh' : '') + (mark ? ' mark' : '')}
            role="listitem"
            key={id}
            data-id={id}
            aria-current={mark || undefined}
          >
            <button type="button" class="result-line" aria-expanded={open} onClick={() => p.onToggle(open ? '' : id)}>
              <span class="t mono">{fmtTime(r._time, true)}</span>
              <span class="d">{deviceLabel(r)}</span>
              <span class="m mono">{r._msg}</span>
            </button>
            {open && <EventDetail row={r} id={id} onPivot={p.onPivot} permalink={p.permalink(id)} onContext={r.device && r._time && rowID(r) ? p.onContext : undefined} />}
          </div>
        );
      })}
    </div>
  );
}

function EventDetail(p: { row: Row; id: string; onPivot: ResultsProps['onPivot']; permalink: string; onContext?: (r: Row) => void }) {
  const fields = Object.entries(p.row)
    .filter(([k]) => k !== '_msg')
    .sort(([a], [b]) => (a === '_time' ? -1 : b === '_time' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return (
    <div class="detail" data-testid="event-detail">
      <div class="detail-head">
        <h4>{t('event.original')}</h4>
        <button type="button" class="small" onClick={() => copyText(p.row._msg ?? '')}>
          {t('event.copyLine')}
        </button>
        <button type="button" class="small" title={t('event.permalinkHint')} onClick={() => copyText(location.origin + p.permalink)}>
          {t('event.permalink')}
        </button>
        {p.onContext && (
          <button type="button" class="small" data-action="context" title={t('context.showHint', { device: p.row.device })} onClick={() => p.onContext!(p.row)}>
            {t('context.show')}
          </button>
        )}
      </div>
      <pre class="original mono" data-testid="original">{p.row._msg}</pre>
      <h4>{t('event.fields')}</h4>
      <dl class="kv">
        {fields.map(([k, v]) => (
          <>
            <dt class="mono">{k}</dt>
            <dd>
              <button type="button" class="value mono" title={t('event.pivotHint')} onClick={(e) => p.onPivot(k, v, e.clientX, e.clientY)}>
                {k === '_time' ? `${v}  (${fmtTime(v, true)})` : v}
              </button>
            </dd>
          </>
        ))}
      </dl>
    </div>
  );
}
