// Query building: filter chips plus the analyst's own LogsQL make the query
// that is sent (and shown). Chips are exact matches, so a click on a value
// finds exactly that value, whatever characters it holds.

/** A filter chip: field = value, or field != value when neg. */
export interface Chip {
  field: string;
  value: string;
  neg: boolean;
}

/** quoteValue quotes s as a LogsQL string literal. */
export function quoteValue(s: string): string {
  let out = '"';
  for (const c of s) {
    switch (c) {
      case '"':
      case '\\':
        out += '\\' + c;
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += c;
    }
  }
  return out + '"';
}

/** quoteField leaves plain dotted names as they are and quotes the rest. */
export function quoteField(f: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(f) ? f : quoteValue(f);
}

/** chipFilter is the LogsQL filter of one chip. */
export function chipFilter(c: Chip): string {
  return (c.neg ? '-' : '') + quoteField(c.field) + ':=' + quoteValue(c.value);
}

/**
 * splitPipes splits a query at its first pipe outside quotes: the filter part
 * and the pipes ("| stats ...", or "").
 */
export function splitPipes(q: string): [string, string] {
  let quote = '';
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '|') {
      return [q.slice(0, i), q.slice(i)];
    }
  }
  return [q, ''];
}

/**
 * buildQuery joins the chips and the typed query. The typed filter is put in
 * parentheses when chips come with it, so that an "or" in it cannot escape
 * the chips; its pipes stay at the end.
 */
export function buildQuery(text: string, chips: Chip[], extra: string[] = []): string {
  const [filter, pipes] = splitPipes(text.trim());
  const parts = chips.map(chipFilter).concat(extra);
  const f = filter.trim();
  if (f !== '' && f !== '*') parts.push(parts.length > 0 ? '(' + f + ')' : f);
  const head = parts.length > 0 ? parts.join(' ') : '*';
  return pipes ? head + ' ' + pipes : head;
}

/** encodeChip and decodeChip keep a chip in one URL parameter: [-]field:value. */
export function encodeChip(c: Chip): string {
  return (c.neg ? '-' : '') + c.field + ':' + c.value;
}

export function decodeChip(s: string): Chip | null {
  const neg = s.startsWith('-');
  if (neg) s = s.slice(1);
  const i = s.indexOf(':');
  if (i <= 0) return null;
  return { field: s.slice(0, i), value: s.slice(i + 1), neg };
}

export function sameChip(a: Chip, b: Chip): boolean {
  return a.field === b.field && a.value === b.value && a.neg === b.neg;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** isIP says whether s is an IPv4 or IPv6 address (for the pivot menu). */
export function isIP(s: string): boolean {
  if (ipv4.test(s)) return true;
  return s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s) && s.length >= 2 && s.split('::').length <= 2;
}
