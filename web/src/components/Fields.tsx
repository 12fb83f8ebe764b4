// The field sidebar: the top values of the common fields in the current
// result (/api/v1/facets), each a click away from a filter chip.

import type { ValueCount } from '../api';
import { fmtCount } from '../format';
import { getLang, t } from '../i18n';

/** facetFields are the fields the sidebar asks for, vendor and ECS names. */
export const facetFields = [
  'device',
  'action',
  'srcip',
  'dstip',
  'dstport',
  'logid',
  'type',
  'subtype',
  'event.action',
  'source.ip',
  'destination.ip',
  'destination.port',
  'log.syslog.hostname',
  'format',
];

export interface FieldsProps {
  facets: Record<string, ValueCount[] | undefined>;
  loading: boolean;
  onInclude: (field: string, value: string) => void;
  onExclude: (field: string, value: string) => void;
}

export function Fields(p: FieldsProps) {
  const lang = getLang();
  const shown = facetFields.filter((f) => (p.facets[f] ?? []).some((v) => v.value !== ''));
  return (
    <aside class="fields" aria-label={t('fields.title')} data-testid="fields">
      <h2>{t('fields.title')}</h2>
      {shown.length === 0 && <p class="muted small">{p.loading ? t('common.loading') : t('fields.none')}</p>}
      {shown.map((f) => {
        const vals = (p.facets[f] ?? []).filter((v) => v.value !== '');
        const top = Math.max(...vals.map((v) => v.count), 1);
        return (
          <section class="field" data-field={f}>
            <h3 class="mono">{f}</h3>
            <ul>
              {vals.map((v) => (
                <li>
                  <button
                    type="button"
                    class="facet-value"
                    title={t('fields.include', { v: v.value })}
                    data-value={v.value}
                    onClick={() => p.onInclude(f, v.value)}
                  >
                    <span class="bar" style={{ width: (100 * v.count) / top + '%' }} />
                    <span class="v">{v.value}</span>
                    <span class="n">{fmtCount(v.count, lang)}</span>
                  </button>
                  <button
                    type="button"
                    class="facet-exclude"
                    title={t('fields.exclude', { v: v.value })}
                    aria-label={t('fields.exclude', { v: v.value })}
                    onClick={() => p.onExclude(f, v.value)}
                  >
                    −
                  </button>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </aside>
  );
}
