// Typed calls to Sekimori's HTTP API (/api/v1, see /api/v1/openapi.json).
// Every call goes through auth.authFetch; the tenant scope is enforced by the
// server from the token, the tenant parameter only narrows an admin's view.

import { authFetch } from './auth';

/** Row is one event: field name to value, _time and _msg first. */
export type Row = Record<string, string>;

/** Scope says what to read: LogsQL, time window and tenant. */
export interface Scope {
  q: string;
  start?: string;
  end?: string;
  tenant?: string;
}

/** ApiError is the API's error shape: {"error": {"code", "message"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function params(s: Scope, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  p.set('q', s.q);
  if (s.start) p.set('start', s.start);
  if (s.end) p.set('end', s.end);
  if (s.tenant) p.set('tenant', s.tenant);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  let code = 'http_' + res.status;
  let message = res.statusText || 'HTTP ' + res.status;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(res.status, code, message);
}

async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await check(await authFetch(path, { signal }));
  return (await res.json()) as T;
}

/**
 * streamLines calls onLine for every line of a JSON-lines response as it
 * arrives, so that an export of millions of rows never holds them all.
 */
export async function streamLines(path: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const res = await check(await authFetch(path, { signal }));
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += value;
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (line) onLine(line);
    }
  }
  if (rest) onLine(rest);
}

export function searchPath(s: Scope, limit: number): string {
  return '/api/v1/search?' + params(s, { limit: String(limit) });
}

/** search returns up to limit matching events, newest first. */
export async function search(s: Scope, limit: number, signal?: AbortSignal): Promise<Row[]> {
  const rows: Row[] = [];
  await streamLines(searchPath(s, limit), (l) => rows.push(JSON.parse(l) as Row), signal);
  return rows;
}

export interface Bucket {
  time: string;
  count: number;
}

export async function hits(s: Scope, step: string, signal?: AbortSignal): Promise<Bucket[]> {
  const r = await getJSON<{ buckets: Bucket[] }>('/api/v1/hits?' + params(s, { step }), signal);
  return r.buckets;
}

export interface ValueCount {
  value: string;
  count: number;
}

export async function facets(s: Scope, field: string, limit: number, signal?: AbortSignal): Promise<ValueCount[]> {
  const r = await getJSON<{ values: ValueCount[] }>('/api/v1/facets?' + params(s, { field, limit: String(limit) }), signal);
  return r.values;
}

export interface Tenant {
  id: number;
  name: string;
  retention_days: number;
}

export function tenants(signal?: AbortSignal): Promise<Tenant[]> {
  return getJSON<Tenant[]>('/api/v1/tenants', signal);
}

export interface Device {
  id: number;
  tenant: string;
  name: string;
  sources: string[];
  devid?: string;
  format: string;
  time_zone: string;
  charset: string;
}

export function devices(tenant: string, signal?: AbortSignal): Promise<Device[]> {
  const q = tenant ? '?tenant=' + encodeURIComponent(tenant) : '';
  return getJSON<Device[]>('/api/v1/devices' + q, signal);
}

export interface Unassigned {
  source: string;
  hostname?: string;
  devid?: string;
  first_seen: string;
  last_seen: string;
  lines: number;
}

export function unassigned(signal?: AbortSignal): Promise<Unassigned[]> {
  return getJSON<Unassigned[]>('/api/v1/unassigned', signal);
}

export async function assign(source: string, tenant: string, device: string): Promise<{ moved_lines: number }> {
  const res = await check(
    await authFetch('/api/v1/unassigned/assign', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source, tenant, device }),
    }),
  );
  return (await res.json()) as { moved_lines: number };
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** Alert is a group of matches of one rule against one target, with a status. */
export interface Alert {
  id: number;
  tenant_id: number;
  group_key: string;
  kind: string;
  rule_id: string;
  rule_name: string;
  severity: string;
  device: string;
  source_ip?: string;
  target_ip?: string;
  first_seen: string;
  last_seen: string;
  event_count: number;
  status: AlertStatus;
  status_reason?: string;
  status_by?: string;
  status_at?: string;
  details?: Record<string, string>;
  /** The relevance verdict; "" until triaged, or when triage does not apply to this kind of alert. */
  verdict: Verdict | '';
  /** Whether the customer is shown the alert (false: hidden by its verdict). */
  report: boolean;
  /** The full triage result; absent before triage, {} when triage does not apply. */
  triage?: Triage | Record<string, never>;
}

/** The relevance verdicts (internal/triage); the first four are reported, the last two may hide an alert. */
export const verdicts = [
  'RELEVANT_VULNERABLE',
  'RELEVANT_VERSION_UNKNOWN',
  'UNKNOWN_ASSET',
  'UNKNOWN_SIGNATURE',
  'NOT_APPLICABLE',
  'NOT_VULNERABLE_PATCHED',
] as const;
export type Verdict = (typeof verdicts)[number];

/** Source is where a piece of knowledge or inventory comes from. */
export interface Source {
  kind: string;
  name?: string;
  date?: string;
}

/** Triage is a verdict with its evidence (internal/triage.Result). */
export interface Triage {
  verdict: Verdict;
  report: boolean;
  reason: Record<string, string>;
  confidence: string;
  urgency: string;
  evidence: {
    signature?: {
      vendor: string;
      id: string;
      name?: string;
      cves?: string[];
      products?: string[];
      target?: string;
      source: Source;
    };
    asset?: {
      asset_id: string;
      hostname?: string;
      matched_by: string;
      role?: string;
      criticality?: string;
      inventory_complete: boolean;
      inventory_collected_at?: string;
      inventory_age_days: number;
      inventory_fresh: boolean;
      inventory_sources?: Source[];
    };
    checks?: TriageCheck[];
    policy: string;
  };
  task?: { kind: string; subject: string };
}

export interface TriageCheck {
  cve?: string;
  product: string;
  installed?: string;
  software?: string;
  rule?: string;
  rule_source?: Source;
  comparison?: string;
  outcome: string;
  kev?: boolean;
  epss?: number;
  platform_required?: string;
}

/** triageOf returns an alert's triage result, or null when it has none (not yet triaged, or not applicable). */
export function triageOf(a: Alert): Triage | null {
  const tr = a.triage as Triage | undefined;
  return tr && typeof tr.verdict === 'string' && (tr.verdict as string) !== '' ? tr : null;
}

export type AlertStatus = 'new' | 'acknowledged' | 'closed';

/** Severities, lowest first, as the server ranks them. */
export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;

export interface AlertFilter {
  /** "open" (new or acknowledged), a status, or "" for any. */
  status: string;
  /** The lowest severity shown; "" for all. */
  severity: string;
  tenant: string;
  /** A verdict, or "" for any. */
  verdict?: string;
  /** true: reported alerts only; false: hidden ones only; undefined: both. */
  report?: boolean;
  limit?: number;
}

export interface VerdictChange {
  at: string;
  from: string;
  to: string;
  from_report: boolean;
  to_report: boolean;
  reason: string;
}

export interface AlertDetail {
  alert: Alert;
  events: { seq: number; time: string }[];
  history: { at: string; actor: string; kind?: string; from: string; to: string; reason?: string; from_assignee?: string; to_assignee?: string }[];
  verdicts?: VerdictChange[];
}

/** alerts returns alerts newest first. */
export async function alerts(f: AlertFilter, signal?: AbortSignal): Promise<Alert[]> {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.severity) p.set('severity', f.severity);
  if (f.tenant) p.set('tenant', f.tenant);
  if (f.verdict) p.set('verdict', f.verdict);
  if (f.report !== undefined) p.set('report', String(f.report));
  if (f.limit) p.set('limit', String(f.limit));
  const r = await getJSON<{ alerts: Alert[] }>('/api/v1/alerts?' + p.toString(), signal);
  return r.alerts;
}

function alertPath(id: number, tenant: string, rest = ''): string {
  return '/api/v1/alerts/' + id + rest + (tenant ? '?tenant=' + encodeURIComponent(tenant) : '');
}

export function alert(id: number, tenant: string, signal?: AbortSignal): Promise<AlertDetail> {
  return getJSON<AlertDetail>(alertPath(id, tenant), signal);
}

/** setAlertStatus moves an alert to status; closing needs a reason. */
export async function setAlertStatus(id: number, tenant: string, status: AlertStatus, reason = ''): Promise<Alert> {
  const res = await check(
    await authFetch(alertPath(id, tenant, '/status'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status, reason }),
    }),
  );
  return (await res.json()) as Alert;
}

/** Software is one product on a host, as its inventory names it. */
export interface Software {
  product: string;
  vendor?: string;
  version?: string;
  name: string;
  purl?: string;
  cpe?: string;
  ecosystem?: string;
  distro?: string;
}

export interface Port {
  proto: string;
  port: number;
  state: string;
  service?: string;
  product?: string;
  version?: string;
}

/** Inventory is a host's software list from one source (an SBOM, a scan). */
export interface Inventory {
  source: string;
  file: string;
  complete: boolean;
  collected_at: string;
  imported_at: string;
  software: Software[] | null;
  ports?: Port[];
}

export interface AssetChange {
  at: string;
  actor: string;
  source: string;
  file: string;
  change: {
    fields?: Record<string, [string, string]>;
    software_added?: string[];
    software_removed?: string[];
    software_changed?: { name: string; from: string; to: string }[];
  };
}

/** Asset is a host of a tenant's inventory. */
export interface Asset {
  tenant_id: number;
  host: {
    asset_id?: string;
    hostname?: string;
    ips?: string[];
    public_ips?: string[];
    role?: string;
    criticality?: string;
    os?: string;
    os_version?: string;
    notes?: string;
    inventory_complete: boolean;
    inventory_collected_at?: string;
    source: string;
    software?: Software[];
    ports?: Port[];
  };
  inventories: Inventory[] | null;
  updated_at: string;
  source: string;
  changes?: AssetChange[];
}

/** assets lists the hosts of the tenant(s) in scope; ip keeps those with that internal or public address. */
export async function assets(tenant: string, ip: string, signal?: AbortSignal): Promise<Asset[]> {
  const p = new URLSearchParams();
  if (tenant) p.set('tenant', tenant);
  if (ip) p.set('ip', ip);
  const r = await getJSON<{ assets: Asset[] }>('/api/v1/assets?' + p.toString(), signal);
  return r.assets;
}

export interface AssetDetail {
  asset: Asset;
  alerts: Alert[];
}

export function asset(id: string, tenant: string, signal?: AbortSignal): Promise<AssetDetail> {
  return getJSON<AssetDetail>('/api/v1/assets/' + encodeURIComponent(id) + (tenant ? '?tenant=' + encodeURIComponent(tenant) : ''), signal);
}

export interface ImportResult {
  kind: string;
  created: number;
  updated: number;
  unchanged: number;
  software?: number;
}

/** importAssets uploads a hosts CSV, an SBOM (of host assetID) or an nmap XML scan into tenant's inventory. */
export async function importAssets(tenant: string, file: File, assetID: string, partial: boolean): Promise<ImportResult> {
  const p = new URLSearchParams({ tenant, name: file.name });
  if (assetID) p.set('asset', assetID);
  if (partial) p.set('partial', 'true');
  const res = await check(
    await authFetch('/api/v1/assets/import?' + p.toString(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: file,
    }),
  );
  return (await res.json()) as ImportResult;
}

// Device configurations (issue 8): generations, pulls, diffs, downloads and
// the ruleset audit of /api/v1/devices/{id}/...

/** The caller's role and permissions (GET /api/v1/session), for showing only what it may do. */
export interface SessionInfo {
  kind: string;
  role: string;
  permissions: string[];
}

export function sessionInfo(signal?: AbortSignal): Promise<SessionInfo> {
  return getJSON<SessionInfo>('/api/v1/session', signal);
}

/** ConfigSummary is what changed from the previous generation; empty for the first. */
export interface ConfigSummary {
  reason?: Record<string, string>;
  policies?: [number, number];
  objects?: [number, number];
  /** Policies and objects removed. */
  removed?: [number, number];
  firmware?: [string, string];
  /** Semantic changes, English, the first 50. */
  changes?: string[];
  /** The same in Japanese. */
  changes_ja?: string[];
}

export interface ConfigGeneration {
  id: number;
  generation: number;
  kind: string;
  sha256: string;
  size: number;
  firmware: string;
  method: string;
  actor: string;
  pulled_at: string;
  /** Of the change from the previous generation: critical (a wipe), medium (rules changed), low. */
  severity: string;
  summary?: ConfigSummary;
}

export interface ConfigPull {
  id: number;
  at: string;
  method: string;
  actor: string;
  outcome: 'new' | 'unchanged' | 'rejected' | 'failed';
  reason?: string;
  generation_id?: number;
}

export interface DeviceConfigs {
  device: string;
  /** Newest first. */
  generations: ConfigGeneration[];
  /** Newest first. */
  pulls: ConfigPull[];
}

export interface ConfigDiff {
  a: number;
  b: number;
  semantic: string[];
  semantic_ja: string[];
  /** Unified diff with secrets masked. */
  unified: string;
}

/** KeepResult is what an upload or a pull stored. */
export interface KeepResult {
  generation: ConfigGeneration;
  new: boolean;
  severity: string;
  reason?: Record<string, string>;
  changes?: string[];
}

export interface Finding {
  kind: string;
  severity: string;
  /** The rule the finding is about, then the others concerned. */
  rules: string[];
  message: Record<string, string>;
  line?: number;
}

export interface AuditReport {
  device: string;
  vendor?: string;
  rules: number;
  findings: Finding[];
  score: number;
  counts: Record<string, number>;
}

export interface AuditPoint {
  generation: number;
  score: number;
  delta: number;
  counts: Record<string, number>;
  new?: Finding[];
  resolved?: Finding[];
}

export interface DeviceAudit {
  device: string;
  generation: number;
  firmware: string;
  /** The worst of the reports (one per VDOM). */
  score: number;
  reports: AuditReport[];
  problems?: { line?: number; rule?: string; msg: string }[];
  /** Oldest generation first. */
  trend?: AuditPoint[];
  hits_from?: string;
}

/** devicePath is /api/v1/devices/{id}{rest}, narrowed to tenant when one is given. */
export function devicePath(id: number, rest: string, tenant: string, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams(extra);
  if (tenant) p.set('tenant', tenant);
  const qs = p.toString();
  return '/api/v1/devices/' + id + rest + (qs ? '?' + qs : '');
}

export function deviceConfigs(id: number, tenant: string, signal?: AbortSignal): Promise<DeviceConfigs> {
  return getJSON<DeviceConfigs>(devicePath(id, '/configs', tenant), signal);
}

export function configDiff(id: number, tenant: string, a: number, b: number, signal?: AbortSignal): Promise<ConfigDiff> {
  return getJSON<ConfigDiff>(devicePath(id, '/configs/diff', tenant, { a: String(a), b: String(b) }), signal);
}

export function deviceAudit(id: number, tenant: string, generation: number, signal?: AbortSignal): Promise<DeviceAudit> {
  return getJSON<DeviceAudit>(devicePath(id, '/audit', tenant, { generation: String(generation) }), signal);
}

export async function pullConfig(id: number, tenant: string): Promise<KeepResult> {
  const res = await check(await authFetch(devicePath(id, '/configs/pull', tenant), { method: 'POST' }));
  return (await res.json()) as KeepResult;
}

/** uploadConfig stores file as the device's next generation (unless unchanged); 422 when it is rejected. */
export async function uploadConfig(id: number, tenant: string, file: File): Promise<KeepResult> {
  const res = await check(
    await authFetch(devicePath(id, '/configs', tenant), {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: file,
    }),
  );
  return (await res.json()) as KeepResult;
}

/** fetchBlob GETs path with the session's credentials, for a download. */
export async function fetchBlob(path: string): Promise<Blob> {
  const res = await check(await authFetch(path));
  return res.blob();
}

/** ConfigRestore is a request to push a generation back to a device; a second person approves it. */
export interface ConfigRestore {
  id: number;
  generation: number;
  reason: string;
  requested_by: string;
  requested_at: string;
  status: 'pending' | 'approved' | 'refused' | 'done' | 'failed';
  decided_by?: string;
  decided_at?: string;
  backup_generation?: number;
  verified: boolean;
  result?: string;
}

export async function restores(id: number, tenant: string, signal?: AbortSignal): Promise<ConfigRestore[]> {
  return (await getJSON<{ restores: ConfigRestore[] }>(devicePath(id, '/restores', tenant), signal)).restores;
}

async function postJSON<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  return (await (await check(await authFetch(path, init))).json()) as T;
}

export function requestRestore(id: number, tenant: string, generation: number, reason: string): Promise<ConfigRestore> {
  return postJSON(devicePath(id, '/restores', tenant), { generation, reason });
}

const restorePath = (rid: number, what: string, tenant: string) =>
  '/api/v1/restores/' + rid + '/' + what + (tenant ? '?tenant=' + encodeURIComponent(tenant) : '');

/** approveRestore approves restore request rid and runs it: a backup pull, the push, a read-back compared with the generation. */
export function approveRestore(rid: number, tenant: string): Promise<{ restore: ConfigRestore; differences?: string[] }> {
  return postJSON(restorePath(rid, 'approve', tenant));
}

export function refuseRestore(rid: number, tenant: string): Promise<ConfigRestore> {
  return postJSON(restorePath(rid, 'refuse', tenant));
}

// Assignment of alerts (issue 6): who works on an alert, kept in its history
// with who changed it and when.

/** Declaration merging: the alert's assignee, "" or absent for nobody. */
export interface Alert {
  assignee?: string;
}

/** AssigneeFilter narrows the queue: "" anyone, "-" unassigned, else a name. */
export type AssigneeFilter = string;

/** alertQueue is alerts() with an assignee filter. */
export async function alertQueue(f: AlertFilter & { assignee?: AssigneeFilter }, signal?: AbortSignal): Promise<Alert[]> {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.severity) p.set('severity', f.severity);
  if (f.tenant) p.set('tenant', f.tenant);
  if (f.verdict) p.set('verdict', f.verdict);
  if (f.report !== undefined) p.set('report', String(f.report));
  if (f.assignee) p.set('assignee', f.assignee);
  if (f.limit) p.set('limit', String(f.limit));
  const r = await getJSON<{ alerts: Alert[] }>('/api/v1/alerts?' + p.toString(), signal);
  return r.alerts;
}

/** assignAlert sets who works on an alert; "" unassigns. Needs the triage permission. */
export async function assignAlert(id: number, tenant: string, assignee: string): Promise<Alert> {
  const res = await check(
    await authFetch(alertPath(id, tenant, '/assign'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ assignee }),
    }),
  );
  return (await res.json()) as Alert;
}
