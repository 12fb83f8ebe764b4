// Formatting of times and numbers for people: times in the browser's time
// zone, written the same way in both languages (2026-11-01 09:00:00).

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** fmtTime writes t (ms or RFC 3339) in the browser's zone; ms adds milliseconds. */
export function fmtTime(t: number | string, ms = false): string {
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const s =
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return ms ? s + '.' + pad(d.getMilliseconds(), 3) : s;
}

/** toLocalInput and fromLocalInput convert for <input type="datetime-local">. */
export function toLocalInput(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fromLocalInput(s: string): number {
  return new Date(s).getTime(); // a string without a zone is local time
}

/** timeZone is the browser's IANA zone name (Asia/Tokyo). */
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function fmtCount(n: number, lang: string): string {
  return n.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US');
}

/** stamp is a file-name-safe local time: 20261101-090000. */
export function stamp(t = Date.now()): string {
  const d = new Date(t);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}
