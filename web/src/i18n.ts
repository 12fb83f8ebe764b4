// Every string the UI shows, in English and Japanese. The language comes
// from the browser the first time, can be switched in the header, and is
// remembered in localStorage. t('key', {name: value}) fills {name}.

export type Lang = 'en' | 'ja';

const en = {
  'nav.search': 'Search',
  'nav.devices': 'Devices',
  'nav.alerts': 'Alerts',

  'header.language': 'Language',
  'header.tenant': 'Tenant',
  'header.allTenants': 'All tenants',
  'header.unassigned': 'Unassigned sources',
  'header.theme': 'Switch light / dark',
  'header.signOut': 'Sign out',

  'login.title': 'Sign in',
  'login.user': 'User name',
  'login.password': 'Password',
  'login.totp': 'Authenticator code',
  'login.totpHelp': 'Enter the 6-digit code that your authenticator app shows for Sekimori.',
  'login.refused': 'Sign-in refused: wrong user name, password or code, or the account is locked after repeated failures (try again in 15 minutes).',
  'login.rateLimited': 'Too many attempts from this computer. Try again in {s} seconds.',
  'login.userHelp': 'Ask your administrator for an account, or create one on the server:',
  'login.useToken': 'Sign in with an API token instead',
  'login.usePassword': 'Sign in with user name and password',
  'login.token': 'API token',
  'login.help': 'Ask your administrator for a token, or create one on the server:',
  'login.invalid': 'This token is invalid, expired or revoked.',
  'login.submit': 'Sign in',
  'header.signedIn': 'Signed in as {user} ({role})',

  'common.loading': 'Loading…',
  'common.cancel': 'Cancel',
  'common.working': 'Working…',

  'error.tenantNotFound': 'Tenant “{tenant}” not found.',
  'error.badQuery': 'The query is not valid: {msg}',
  'error.api': 'The server refused the request: {msg}',
  'error.network': 'The server could not be reached: {msg}',

  'search.placeholder': 'LogsQL, e.g.  action:deny dstport:443   or an IP   or ログイン   (press / to focus)',
  'search.query': 'Query',
  'search.run': 'Search',
  'search.effective': 'Query sent:',
  'search.count': '{n} events',
  'search.countSome': '{n} events, newest {shown} shown',
  'search.zoomHint': 'drag across the chart to zoom',
  'search.none': 'No events match in this time range.',

  'results.time': 'Time',
  'results.device': 'Device',
  'results.message': 'Message',
  'results.unassignedSource': '(unassigned {src})',

  'tail.hint': 'Fetch new events every 2 seconds',
  'tail.on': 'Live ●',
  'tail.off': 'Live tail',

  'saved.title': 'Saved',
  'saved.none': 'No saved searches yet.',
  'saved.delete': 'Delete saved search {name}',
  'saved.save': 'Save',
  'saved.name': 'Name of this search',

  'export.title': 'Export',
  'export.csv': 'All matches as CSV (Excel)',
  'export.jsonl': 'All matches as JSON lines',
  'export.running': 'Exporting… {n} rows',
  'export.done': 'Exported {n} rows.',

  'chip.invert': 'Switch between include and exclude',
  'chip.remove': 'Remove filter',
  'chip.clear': 'Clear filters',

  'range.label': 'Time range',
  'range.15m': 'Last 15 minutes',
  'range.1h': 'Last hour',
  'range.24h': 'Last 24 hours',
  'range.7d': 'Last 7 days',
  'range.30d': 'Last 30 days',
  'range.last': 'Last {d}',
  'range.now': 'now',
  'range.custom': 'Custom',
  'range.from': 'From',
  'range.to': 'To',
  'range.zone': 'Times are in {zone}.',
  'range.bad': 'The end of the range must be after its start.',
  'range.apply': 'Apply',

  'fields.title': 'Fields',
  'fields.none': 'No field values in this result.',
  'fields.include': 'Only events with {v}',
  'fields.exclude': 'Events without {v}',

  'event.original': 'Original line',
  'event.copyLine': 'Copy line',
  'event.permalink': 'Copy link',
  'event.permalinkHint': 'Copy a link to this event',
  'event.fields': 'Fields',
  'event.pivotHint': 'Filter, exclude or search for this value',

  'pivot.include': 'Filter on this value',
  'pivot.exclude': 'Exclude this value',
  'pivot.searchValue': 'Search for this value',
  'pivot.searchIP': 'Search this IP in every IP field',
  'pivot.copy': 'Copy value',

  'devices.title': 'Devices',
  'devices.none': 'No devices are registered.',
  'devices.tenant': 'Tenant',
  'devices.name': 'Name',
  'devices.sources': 'Sources',
  'devices.devid': 'Serial (devid)',
  'devices.format': 'Format',
  'devices.zone': 'Time zone',
  'devices.zoneDefault': 'listener default',
  'devices.zoneDefaultHint': 'Timestamps without a zone use the syslog listener’s zone (Asia/Tokyo unless configured)',
  'devices.charset': 'Charset',
  'devices.lastSeen': 'Last event (24 h)',
  'devices.lines24h': 'Events (24 h)',
  'devices.quiet': 'none in 24 h',

  'unassigned.title': 'Unassigned sources',
  'unassigned.help': 'Senders that no device claims. Their lines are kept here; assigning a source to a device moves them into its tenant.',
  'unassigned.none': 'Every source is assigned.',
  'unassigned.source': 'Source',
  'unassigned.hostname': 'Host name',
  'unassigned.firstSeen': 'First seen',
  'unassigned.lastSeen': 'Last seen',
  'unassigned.lines': 'Lines',
  'unassigned.assignTo': 'Assign to device',
  'unassigned.pick': 'Choose a device…',
  'unassigned.assign': 'Assign',
  'unassigned.done': '{src} is now {tenant} / {device}; {n} held lines moved.',

  'alerts.title': 'Alerts',
  'alerts.status': 'Status',
  'alerts.statusOpen': 'Open (new + acknowledged)',
  'alerts.statusAll': 'Any status',
  'alerts.severity': 'Minimum severity',
  'alerts.severityAll': 'Any severity',
  'alerts.none': 'No alerts match these filters.',
  'alerts.refresh': 'Refresh',
  'alerts.count': '{n} alerts',
  'alerts.keys': 'j / k move · Enter opens · a acknowledges · x selects',
  'alerts.colSeverity': 'Severity',
  'alerts.colRule': 'Rule / signature',
  'alerts.colTarget': 'Target',
  'alerts.colDevice': 'Device',
  'alerts.colTenant': 'Tenant',
  'alerts.colCount': 'Events',
  'alerts.colFirst': 'First seen',
  'alerts.colLast': 'Last seen',
  'alerts.colStatus': 'Status',
  'alerts.selectAll': 'Select every alert shown',
  'alerts.select': 'Select alert {id}',
  'alerts.bulkAck': 'Acknowledge selected ({n})',
  'alerts.bulkDone': 'Alerts acknowledged: {n}.',
  'alerts.acknowledge': 'Acknowledge',
  'alerts.close': 'Close…',
  'alerts.reopen': 'Re-open',
  'alerts.closeReason': 'Why is it closed?',
  'alerts.closeReasonHint': 'e.g. false positive: vulnerability scanner of the customer',
  'alerts.closeSubmit': 'Close alert',
  'alerts.detailTitle': 'Alert {id}',
  'alerts.detailClose': 'Close the detail',
  'alerts.pick': 'Select an alert (click, or j / k and Enter) to see its detail.',
  'alerts.rule': 'Rule',
  'alerts.kind': 'Kind',
  'alerts.source': 'Source',
  'alerts.details': 'Details',
  'alerts.history': 'History',
  'alerts.noHistory': 'No status changes yet.',
  'alerts.histChange': '{from} → {to}',
  'alerts.by': 'by {actor}',
  'alerts.events': 'Events',
  'alerts.eventsLink': 'Show the {n} events in Search',
  'alerts.eventLink': 'Show the event in Search',
  'alerts.eventsKept': '{kept} of {n} events are referenced',
  'alerts.notFound': 'Alert {id} was not found.',
  'status.new': 'New',
  'status.acknowledged': 'Acknowledged',
  'status.closed': 'Closed',
  'severity.informational': 'Info',
  'severity.low': 'Low',
  'severity.medium': 'Medium',
  'severity.high': 'High',
  'severity.critical': 'Critical',

  'notFound.title': 'Page not found',
  'notFound.text': 'There is nothing at {path}.',
};

export type Key = keyof typeof en;

const ja: Record<Key, string> = {
  'nav.search': '検索',
  'nav.devices': 'デバイス',
  'nav.alerts': 'アラート',

  'header.language': '言語',
  'header.tenant': 'テナント',
  'header.allTenants': 'すべてのテナント',
  'header.unassigned': '未割り当ての送信元',
  'header.theme': 'ライト / ダーク切り替え',
  'header.signOut': 'サインアウト',

  'login.title': 'サインイン',
  'login.user': 'ユーザー名',
  'login.password': 'パスワード',
  'login.totp': '認証アプリのコード',
  'login.totpHelp': '認証アプリに表示されている Sekimori の 6 桁のコードを入力してください。',
  'login.refused': 'サインインできません: ユーザー名・パスワード・コードのいずれかが正しくないか、失敗が続いたためアカウントがロックされています（15 分後に再試行してください）。',
  'login.rateLimited': 'このコンピューターからの試行が多すぎます。{s} 秒後に再試行してください。',
  'login.userHelp': 'アカウントは管理者に依頼するか、サーバーで作成してください:',
  'login.useToken': 'API トークンでサインインする',
  'login.usePassword': 'ユーザー名とパスワードでサインインする',
  'login.token': 'API トークン',
  'login.help': 'トークンは管理者から受け取るか、サーバーで作成してください:',
  'login.invalid': 'このトークンは無効、期限切れ、または失効しています。',
  'login.submit': 'サインイン',
  'header.signedIn': '{user}（{role}）としてサインイン中',

  'common.loading': '読み込み中…',
  'common.cancel': 'キャンセル',
  'common.working': '処理中…',

  'error.tenantNotFound': 'テナント「{tenant}」が見つかりません。',
  'error.badQuery': 'クエリが正しくありません: {msg}',
  'error.api': 'サーバーがリクエストを拒否しました: {msg}',
  'error.network': 'サーバーに接続できません: {msg}',

  'search.placeholder': 'LogsQL 例:  action:deny dstport:443 、IP アドレス、ログイン など(/ キーで移動)',
  'search.query': 'クエリ',
  'search.run': '検索',
  'search.effective': '送信クエリ:',
  'search.count': '{n} 件',
  'search.countSome': '{n} 件(新しい {shown} 件を表示)',
  'search.zoomHint': 'グラフをドラッグして拡大',
  'search.none': 'この期間に一致するイベントはありません。',

  'results.time': '日時',
  'results.device': 'デバイス',
  'results.message': 'メッセージ',
  'results.unassignedSource': '(未割り当て {src})',

  'tail.hint': '2 秒ごとに新しいイベントを取得します',
  'tail.on': 'ライブ ●',
  'tail.off': 'ライブ表示',

  'saved.title': '保存済み',
  'saved.none': '保存した検索はまだありません。',
  'saved.delete': '保存した検索 {name} を削除',
  'saved.save': '保存',
  'saved.name': 'この検索の名前',

  'export.title': 'エクスポート',
  'export.csv': '一致した全件を CSV(Excel)で',
  'export.jsonl': '一致した全件を JSON Lines で',
  'export.running': 'エクスポート中… {n} 行',
  'export.done': '{n} 行をエクスポートしました。',

  'chip.invert': '含める / 除外を切り替え',
  'chip.remove': 'フィルターを削除',
  'chip.clear': 'フィルターをすべて削除',

  'range.label': '期間',
  'range.15m': '過去 15 分',
  'range.1h': '過去 1 時間',
  'range.24h': '過去 24 時間',
  'range.7d': '過去 7 日間',
  'range.30d': '過去 30 日間',
  'range.last': '過去 {d}',
  'range.now': '現在',
  'range.custom': '期間指定',
  'range.from': '開始',
  'range.to': '終了',
  'range.zone': '時刻は {zone} です。',
  'range.bad': '終了は開始より後にしてください。',
  'range.apply': '適用',

  'fields.title': 'フィールド',
  'fields.none': 'この結果にはフィールド値がありません。',
  'fields.include': '{v} を含むイベントに絞り込む',
  'fields.exclude': '{v} を除外する',

  'event.original': '元のログ行',
  'event.copyLine': '行をコピー',
  'event.permalink': 'リンクをコピー',
  'event.permalinkHint': 'このイベントへのリンクをコピー',
  'event.fields': 'フィールド',
  'event.pivotHint': 'この値で絞り込み・除外・検索',

  'pivot.include': 'この値で絞り込む',
  'pivot.exclude': 'この値を除外',
  'pivot.searchValue': 'この値を検索',
  'pivot.searchIP': 'この IP をすべての IP フィールドで検索',
  'pivot.copy': '値をコピー',

  'devices.title': 'デバイス',
  'devices.none': '登録されたデバイスはありません。',
  'devices.tenant': 'テナント',
  'devices.name': '名前',
  'devices.sources': '送信元',
  'devices.devid': 'シリアル (devid)',
  'devices.format': '形式',
  'devices.zone': 'タイムゾーン',
  'devices.zoneDefault': '受信設定に従う',
  'devices.zoneDefaultHint': 'タイムゾーンのない時刻は syslog 受信設定のタイムゾーン(既定は Asia/Tokyo)で解釈します',
  'devices.charset': '文字コード',
  'devices.lastSeen': '最終イベント (24 時間)',
  'devices.lines24h': 'イベント数 (24 時間)',
  'devices.quiet': '24 時間なし',

  'unassigned.title': '未割り当ての送信元',
  'unassigned.help': 'どのデバイスにも該当しない送信元です。ログはここに保持され、デバイスに割り当てるとそのテナントへ移動します。',
  'unassigned.none': 'すべての送信元が割り当て済みです。',
  'unassigned.source': '送信元',
  'unassigned.hostname': 'ホスト名',
  'unassigned.firstSeen': '初回受信',
  'unassigned.lastSeen': '最終受信',
  'unassigned.lines': '行数',
  'unassigned.assignTo': '割り当て先デバイス',
  'unassigned.pick': 'デバイスを選択…',
  'unassigned.assign': '割り当て',
  'unassigned.done': '{src} を {tenant} / {device} に割り当て、保持していた {n} 行を移動しました。',

  'alerts.title': 'アラート',
  'alerts.status': 'ステータス',
  'alerts.statusOpen': '未完了 (新規 + 確認済み)',
  'alerts.statusAll': 'すべてのステータス',
  'alerts.severity': '最低重要度',
  'alerts.severityAll': 'すべての重要度',
  'alerts.none': '条件に合うアラートはありません。',
  'alerts.refresh': '再読み込み',
  'alerts.count': '{n} 件のアラート',
  'alerts.keys': 'j / k 移動 · Enter 詳細 · a 確認 · x 選択',
  'alerts.colSeverity': '重要度',
  'alerts.colRule': 'ルール / シグネチャ',
  'alerts.colTarget': '対象',
  'alerts.colDevice': 'デバイス',
  'alerts.colTenant': 'テナント',
  'alerts.colCount': 'イベント数',
  'alerts.colFirst': '初回検知',
  'alerts.colLast': '最終検知',
  'alerts.colStatus': 'ステータス',
  'alerts.selectAll': '表示中のアラートをすべて選択',
  'alerts.select': 'アラート {id} を選択',
  'alerts.bulkAck': '選択したアラートを確認 ({n})',
  'alerts.bulkDone': '{n} 件のアラートを確認済みにしました。',
  'alerts.acknowledge': '確認',
  'alerts.close': 'クローズ…',
  'alerts.reopen': '再オープン',
  'alerts.closeReason': 'クローズの理由',
  'alerts.closeReasonHint': '例: 誤検知 (お客様の脆弱性スキャナー)',
  'alerts.closeSubmit': 'アラートをクローズ',
  'alerts.detailTitle': 'アラート {id}',
  'alerts.detailClose': '詳細を閉じる',
  'alerts.pick': 'アラートを選ぶと詳細を表示します (クリック、または j / k と Enter)。',
  'alerts.rule': 'ルール',
  'alerts.kind': '種類',
  'alerts.source': '送信元',
  'alerts.details': '詳細',
  'alerts.history': '履歴',
  'alerts.noHistory': 'ステータスの変更はまだありません。',
  'alerts.histChange': '{from} → {to}',
  'alerts.by': '{actor} が変更',
  'alerts.events': 'イベント',
  'alerts.eventsLink': '{n} 件のイベントを検索画面で表示',
  'alerts.eventLink': 'イベントを検索画面で表示',
  'alerts.eventsKept': '{n} 件中 {kept} 件のイベントを参照しています',
  'alerts.notFound': 'アラート {id} は見つかりません。',
  'status.new': '新規',
  'status.acknowledged': '確認済み',
  'status.closed': 'クローズ',
  'severity.informational': '情報',
  'severity.low': '低',
  'severity.medium': '中',
  'severity.high': '高',
  'severity.critical': '重大',

  'notFound.title': 'ページが見つかりません',
  'notFound.text': '{path} には何もありません。',
};

const catalogs: Record<Lang, Record<Key, string>> = { en, ja };
const storeKey = 'sekimori.lang';

function initial(): Lang {
  const v = localStorage.getItem(storeKey);
  if (v === 'en' || v === 'ja') return v;
  for (const l of navigator.languages ?? [navigator.language]) {
    if (l.toLowerCase().startsWith('ja')) return 'ja';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

let lang: Lang = initial();
const listeners = new Set<() => void>();

export function getLang(): Lang {
  return lang;
}

/** setLang switches and remembers the language; <html lang> follows, so that fonts pick Japanese glyphs. */
export function setLang(l: Lang): void {
  const changed = l !== lang;
  lang = l;
  if (changed) localStorage.setItem(storeKey, l);
  document.documentElement.lang = l;
  document.title = l === 'ja' ? 'Sekimori 関守' : 'Sekimori';
  if (changed) listeners.forEach((fn) => fn());
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  const s = catalogs[lang][key] ?? en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
}
