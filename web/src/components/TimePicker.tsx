// The time range picker: quick ranges (the last 15 minutes ... 30 days) and a
// custom absolute range, in the browser's time zone.

import { useState } from 'preact/hooks';
import { t, type Key } from '../i18n';
import { fmtTime, fromLocalInput, timeZone, toLocalInput } from '../format';
import { type Range, absolute, isRelative, quickRanges, resolve } from '../timerange';

const quickLabel: Record<string, Key> = {
  '15m': 'range.15m',
  '1h': 'range.1h',
  '24h': 'range.24h',
  '7d': 'range.7d',
  '30d': 'range.30d',
};

export function rangeLabel(r: Range): string {
  if (isRelative(r)) return quickLabel[r.start] ? t(quickLabel[r.start]) : t('range.last', { d: r.start });
  const { from, to } = resolve(r);
  return `${fmtTime(from)} → ${r.end ? fmtTime(to) : t('range.now')}`;
}

export function TimePicker(p: { range: Range; onChange: (r: Range) => void }) {
  const [custom, setCustom] = useState(false);
  const { from, to } = resolve(p.range);
  const [a, setA] = useState(toLocalInput(from));
  const [b, setB] = useState(toLocalInput(to));
  const [bad, setBad] = useState(false);

  const openCustom = () => {
    setA(toLocalInput(from));
    setB(toLocalInput(to));
    setBad(false);
    setCustom(!custom);
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const x = fromLocalInput(a);
    const y = fromLocalInput(b);
    if (!(y > x)) {
      setBad(true);
      return;
    }
    setCustom(false);
    p.onChange(absolute(x, y));
  };

  return (
    <div class="timepicker">
      <div class="seg" role="group" aria-label={t('range.label')}>
        {quickRanges.map((q) => (
          <button
            type="button"
            class={isRelative(p.range) && p.range.start === q ? 'on' : ''}
            data-range={q}
            title={t(quickLabel[q])}
            onClick={() => {
              setCustom(false);
              p.onChange({ start: q, end: '' });
            }}
          >
            {q}
          </button>
        ))}
        <button type="button" class={!isRelative(p.range) ? 'on' : ''} data-range="custom" onClick={openCustom}>
          {t('range.custom')}
        </button>
      </div>
      <span class="range-label" data-testid="range-label" title={timeZone}>
        {rangeLabel(p.range)}
      </span>
      {custom && (
        <form class="menu custom-range" onSubmit={apply}>
          <label>
            {t('range.from')}
            <input type="datetime-local" step="1" value={a} onInput={(e) => setA(e.currentTarget.value)} />
          </label>
          <label>
            {t('range.to')}
            <input type="datetime-local" step="1" value={b} onInput={(e) => setB(e.currentTarget.value)} />
          </label>
          <div class="muted small">{t('range.zone', { zone: timeZone })}</div>
          {bad && <div class="error small">{t('range.bad')}</div>}
          <div class="row-end">
            <button type="button" onClick={() => setCustom(false)}>
              {t('common.cancel')}
            </button>
            <button type="submit" class="primary">
              {t('range.apply')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
