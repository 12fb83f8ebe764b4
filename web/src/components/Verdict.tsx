// Relevance verdicts and inventory freshness as badges, shared by the
// Alerts and Assets screens.

import { type Asset, type Verdict, verdicts } from '../api';
import { type Key, t } from '../i18n';

/** The freshness limit the UI marks stale inventories with (triage's default, fresh_days). */
export const freshDays = 30;

const dayMs = 86400e3;

export function isVerdict(v: string): v is Verdict {
  return (verdicts as readonly string[]).includes(v);
}

/** VerdictBadge is a verdict's short label; "" (not triaged) is a dash. */
export function VerdictBadge(p: { v: string }) {
  if (!isVerdict(p.v)) {
    return (
      <span class="verdict verdict-none" data-verdict="" title={t('verdict.none')}>
        —
      </span>
    );
  }
  return (
    <span class={'verdict verdict-' + p.v} data-verdict={p.v} title={t(('verdictHint.' + p.v) as Key)}>
      {t(('verdict.' + p.v) as Key)}
    </span>
  );
}

/** label translates a known value of a family ("outcome.fixed") and keeps an unknown one as it is. */
export function label(prefix: string, v: string): string {
  const k = (prefix + '.' + v) as Key;
  const s = t(k);
  return s === k ? v : s;
}

/** Freshness is how current a host's software list is. */
export interface Freshness {
  /** Some source lists the host's whole software. */
  complete: boolean;
  /** When the newest complete list (or, for a partial host, the newest list) was collected; NaN if never. */
  collected: number;
  /** Whole days since then; NaN if never. */
  ageDays: number;
  stale: boolean;
}

/**
 * freshness follows triage: the newest collection of a complete inventory
 * (the host record's own, or an SBOM's) decides; a host without one is
 * partial, aged by its newest list of any kind.
 */
export function freshness(a: Asset, now = Date.now()): Freshness {
  let complete = NaN;
  let any = NaN;
  const see = (at: string | undefined, full: boolean) => {
    const ms = at ? Date.parse(at) : NaN;
    if (!Number.isFinite(ms) || ms <= 0) return;
    if (!(ms <= any)) any = ms;
    if (full && !(ms <= complete)) complete = ms;
  };
  see(a.host.inventory_collected_at, a.host.inventory_complete);
  for (const inv of a.inventories ?? []) see(inv.collected_at, inv.complete);
  const collected = Number.isFinite(complete) ? complete : any;
  const ageDays = Number.isFinite(collected) ? Math.floor((now - collected) / dayMs) : NaN;
  return { complete: Number.isFinite(complete), collected, ageDays, stale: !Number.isFinite(collected) || ageDays > freshDays };
}

/** InventoryBadge says complete or partial, and how old. */
export function InventoryBadge(p: { complete: boolean; ageDays: number; stale: boolean }) {
  const age = !Number.isFinite(p.ageDays) ? t('inv.none') : p.ageDays === 1 ? t('inv.age1') : t('inv.age', { n: p.ageDays });
  return (
    <span class="inv-badges">
      <span
        class={'inv ' + (p.complete ? 'inv-complete' : 'inv-partial')}
        data-complete={p.complete ? '1' : '0'}
        title={p.complete ? undefined : t('assets.partialHint')}
      >
        {p.complete ? t('inv.complete') : t('inv.partial')}
      </span>{' '}
      <span class={'inv-age' + (p.stale ? ' stale' : '')} data-stale={p.stale ? '1' : '0'} title={p.stale ? t('assets.staleHint', { n: freshDays }) : undefined}>
        {age}
      </span>
    </span>
  );
}
