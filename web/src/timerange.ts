// Time ranges: a relative one ("1h": the last hour, up to now) or an absolute
// one (RFC 3339 start and end), as kept in the URL.

export interface Range {
  /** A duration ago ("15m", "24h", "7d") or an RFC 3339 time. */
  start: string;
  /** "" for now, or an RFC 3339 time. */
  end: string;
}

export const quickRanges = ['15m', '1h', '24h', '7d', '30d'] as const;
export const defaultRange: Range = { start: '1h', end: '' };

const unitMs: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** durationMs parses "15m", "24h", "7d"; NaN when it is not one. */
export function durationMs(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(s);
  return m ? parseFloat(m[1]) * unitMs[m[2]] : NaN;
}

export function isRelative(r: Range): boolean {
  return r.end === '' && !Number.isNaN(durationMs(r.start));
}

/** resolve turns a range into absolute milliseconds at now. */
export function resolve(r: Range, now = Date.now()): { from: number; to: number } {
  const to = r.end === '' ? now : Date.parse(r.end);
  const d = durationMs(r.start);
  const from = Number.isNaN(d) ? Date.parse(r.start) : now - d;
  return { from, to };
}

export function absolute(from: number, to: number): Range {
  return { start: new Date(from).toISOString(), end: new Date(to).toISOString() };
}

export function validRange(r: Range): boolean {
  const { from, to } = resolve(r);
  return Number.isFinite(from) && Number.isFinite(to) && to > from;
}

const steps = [
  '1s', '2s', '5s', '10s', '15s', '30s', '1m', '2m', '5m', '10m', '15m', '30m',
  '1h', '2h', '3h', '6h', '12h', '1d', '2d', '7d', '30d',
];

/** stepFor picks a histogram step giving at most about maxBars bars. */
export function stepFor(from: number, to: number, maxBars = 150): { step: string; ms: number } {
  for (const s of steps) {
    const ms = durationMs(s);
    if ((to - from) / ms <= maxBars) return { step: s, ms };
  }
  const s = steps[steps.length - 1];
  return { step: s, ms: durationMs(s) };
}
