// The pivot menu on any field value: filter on it, exclude it, start a new
// search for it (or for the IP address across every IP field), open the
// asset that has the address, copy it.

import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import { isIP } from '../query';

export type PivotAction = 'include' | 'exclude' | 'value' | 'ip' | 'asset' | 'copy';

export interface PivotTarget {
  field: string;
  value: string;
  /** Where to show the menu (viewport pixels). */
  x: number;
  y: number;
}

export function PivotMenu(p: { target: PivotTarget; onAction: (a: PivotAction) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const away = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) p.onClose();
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') p.onClose();
    };
    // Registered after the click that opened the menu has finished.
    const id = setTimeout(() => addEventListener('mousedown', away));
    addEventListener('keydown', esc);
    ref.current?.querySelector('button')?.focus();
    return () => {
      clearTimeout(id);
      removeEventListener('mousedown', away);
      removeEventListener('keydown', esc);
    };
  }, [p.target]);

  const { field, value } = p.target;
  const left = Math.min(p.target.x, innerWidth - 280);
  const top = Math.min(p.target.y, innerHeight - 200);
  const item = (a: PivotAction, label: string) => (
    <button type="button" role="menuitem" data-action={a} onClick={() => p.onAction(a)}>
      {label}
    </button>
  );
  return (
    <div class="menu pivot" role="menu" ref={ref} style={{ left: left + 'px', top: top + 'px' }} data-testid="pivot">
      <div class="menu-title">
        <span class="mono">{field}</span> = <span class="mono">{value.length > 60 ? value.slice(0, 60) + '…' : value}</span>
      </div>
      {item('include', t('pivot.include'))}
      {item('exclude', t('pivot.exclude'))}
      {item('value', t('pivot.searchValue'))}
      {isIP(value) && item('ip', t('pivot.searchIP'))}
      {isIP(value) && item('asset', t('pivot.asset'))}
      {item('copy', t('pivot.copy'))}
    </div>
  );
}
