// Export of every matching event (not only the rows on screen) as CSV or JSON
// lines, streamed from /api/v1/search?limit=0 into a file the browser saves.
//
// CSV is UTF-8 with a byte order mark, so that Excel opens Japanese text
// correctly. Its columns are _time, _msg, then every other field name in
// the result, sorted (as the CLI's `search -o csv`); the names come first
// from a `| field_names` query, so the rows can be written as they stream.

import { type Scope, type Row, searchPath, streamLines } from './api';
import { splitPipes } from './query';

export type ExportFormat = 'csv' | 'jsonl';

const hidden = new Set(['_stream', '_stream_id']);

/** csvCell quotes a value when needed, and defuses spreadsheet formulas. */
export function csvCell(v: string): string {
  // Log lines are written by whoever sends them: a value starting with
  // = + - @ would run as a formula when the file is opened in Excel
  // (CSV injection). A leading apostrophe makes it text; signed numbers
  // (+0900, -1) and a lone dash stay as they are.
  if (/^[=+\-@\t\r]/.test(v) && !/^[+-]?\d+(\.\d+)?$/.test(v) && v !== '-' && v !== '+') v = "'" + v;
  return /[",\r\n]/.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
}

async function columns(s: Scope, signal: AbortSignal): Promise<string[]> {
  const [filter, pipes] = splitPipes(s.q);
  const names: string[] = [];
  await streamLines(
    searchPath({ ...s, q: (filter.trim() || '*') + ' ' + pipes + ' | field_names' }, 0),
    (l) => {
      const r = JSON.parse(l) as Row;
      if (r.name && !hidden.has(r.name)) names.push(r.name);
    },
    signal,
  );
  const rest = names.filter((n) => n !== '_time' && n !== '_msg').sort();
  return ['_time', '_msg', ...rest];
}

/** Parts gathers output in blobs of about 1 MiB, so that memory stays low. */
class Parts {
  blobs: Blob[] = [];
  buf: string[] = [];
  size = 0;
  add(s: string) {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush() {
    if (this.buf.length) this.blobs.push(new Blob(this.buf));
    this.buf = [];
    this.size = 0;
  }
}

/**
 * exportRows streams every event of the scope into a file and asks the
 * browser to save it. onProgress gets the number of rows written so far.
 * It returns the number of rows.
 */
export async function exportRows(
  s: Scope,
  format: ExportFormat,
  fileName: string,
  signal: AbortSignal,
  onProgress: (rows: number) => void,
): Promise<number> {
  const parts = new Parts();
  let n = 0;
  let type = 'application/x-ndjson';
  if (format === 'csv') {
    type = 'text/csv;charset=utf-8';
    const cols = await columns(s, signal);
    parts.add('\uFEFF' + cols.map(csvCell).join(',') + '\r\n');
    await streamLines(
      searchPath(s, 0),
      (l) => {
        const r = JSON.parse(l) as Row;
        parts.add(cols.map((c) => csvCell(r[c] ?? '')).join(',') + '\r\n');
        if (++n % 1000 === 0) onProgress(n);
      },
      signal,
    );
  } else {
    await streamLines(
      searchPath(s, 0),
      (l) => {
        parts.add(l + '\n');
        if (++n % 1000 === 0) onProgress(n);
      },
      signal,
    );
  }
  parts.flush();
  onProgress(n);
  save(new Blob(parts.blobs, { type }), fileName);
  return n;
}

function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
