package loadgen

// Static tables the generator draws from. Names follow FortiOS log fields;
// addresses are generated (internal 10.0.0.0/8, external from the
// documentation ranges of RFC 5737).

// service is a destination service of forward traffic.
type service struct {
	name     string // FortiGate service name
	proto    int    // IP protocol number
	port     int    // destination port, 0 for ICMP
	app      string // application control name, "" when none
	appid    int
	appcat   string
	apprisk  string
	internal bool // served inside (DMZ servers): no SNAT, dstintf dmz
	weight   int
}

var services = []service{
	{"HTTPS", 6, 443, "HTTPS.BROWSER", 40568, "Web.Client", "medium", false, 40},
	{"HTTP", 6, 80, "HTTP.BROWSER", 15893, "Web.Client", "medium", false, 8},
	{"DNS", 17, 53, "DNS", 16195, "Network.Service", "elevated", true, 16},
	{"udp/443", 17, 443, "QUIC", 40169, "Network.Service", "low", false, 6},
	{"NTP", 17, 123, "NTP", 16270, "Network.Service", "elevated", false, 3},
	{"SMTP", 6, 25, "SMTP", 15662, "Email", "medium", true, 2},
	{"IMAPS", 6, 993, "IMAPS", 15658, "Email", "medium", false, 2},
	{"SSH", 6, 22, "SSH", 16060, "Remote.Access", "elevated", false, 2},
	{"RDP", 6, 3389, "RDP", 15999, "Remote.Access", "elevated", true, 2},
	{"LDAP", 6, 389, "LDAP", 15631, "Network.Service", "low", true, 3},
	{"SMB", 6, 445, "SMB", 16001, "Storage.Backup", "elevated", true, 4},
	{"PING", 1, 0, "", 0, "", "", false, 3},
	{"SNMP", 17, 161, "SNMP", 16064, "Network.Service", "elevated", true, 1},
	{"tcp/8443", 6, 8443, "HTTPS.BROWSER", 40568, "Web.Client", "medium", false, 2},
}

// policy is a firewall policy of a device.
type policy struct {
	id   int
	name string
	deny bool
}

var policies = []policy{
	{1, "LAN-to-Internet", false},
	{2, "LAN-to-DMZ", false},
	{3, "Guest-WiFi-Internet", false},
	{4, "Servers-Updates", false},
	{5, "VPN-to-LAN", false},
	{7, "DNS-out", false},
	{8, "NTP-out", false},
	{11, "Mail-relay", false},
	{12, "Admin-SSH", false},
	{21, "Backup-to-NAS", false},
	{35, "Printers", false},
	{101, "Branch-OSK-to-HQ", false},
	{102, "Branch-NGY-to-HQ", false},
	{120, "Block-P2P", true},
	{121, "Block-Tor", true},
	{0, "", true}, // implicit deny
}

var countries = []string{
	"Japan", "Japan", "Japan", "United States", "United States", "Singapore",
	"Korea, Republic of", "Taiwan", "Hong Kong", "Germany", "Netherlands",
	"China", "Russian Federation", "Ireland", "Australia", "India",
}

// hostKind is a class of internal device, as FortiGate's device detection
// reports it.
type hostKind struct {
	osname, hwvendor, devtype string
	linux                     bool // ephemeral ports 32768-60999 instead of 49152-65535
}

var hostKinds = []hostKind{
	{"Windows", "Dell", "Computer", false},
	{"Windows", "Lenovo", "Computer", false},
	{"Windows", "HP", "Computer", false},
	{"macOS", "Apple", "Computer", false},
	{"iOS", "Apple", "Phone", false},
	{"Android", "Samsung", "Phone", true},
	{"Linux", "VMware", "Server", true},
	{"Linux", "Supermicro", "Server", true},
	{"", "Canon", "Printer", true},
}

var surnames = []string{
	"sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "yamamoto",
	"nakamura", "kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi",
	"matsumoto", "inoue", "kimura", "hayashi", "shimizu", "yamazaki",
}

type attack struct {
	name     string
	id       int
	severity string
}

var attacks = []attack{
	{"Apache.Log4j.Error.Log.Remote.Code.Execution", 51006, "critical"},
	{"HTTP.URI.SQL.Injection", 15621, "high"},
	{"Nmap.Script.Scanner", 41232, "low"},
	{"SSH.Connection.Brute.Force", 18526, "medium"},
	{"MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution", 43796, "critical"},
	{"Fortinet.FortiOS.SSL.VPN.Heap.Buffer.Overflow", 52856, "critical"},
	{"PHPUnit.Eval-stdin.PHP.Remote.Code.Execution", 44767, "critical"},
	{"Mirai.Botnet", 43999, "high"},
}

type webCategory struct {
	cat     int
	desc    string
	blocked bool
}

var webCategories = []webCategory{
	{52, "Information Technology", false},
	{31, "Finance and Banking", false},
	{37, "Social Networking", false},
	{43, "Business", false},
	{36, "News and Media", false},
	{75, "Streaming Media and Download", false},
	{26, "Malicious Websites", true},
	{61, "Phishing", true},
	{86, "Spam URLs", true},
	{88, "Dynamic DNS", true},
}

var hostnames = []string{
	"www.example.com", "cdn.example.net", "login.example.jp", "api.example.org",
	"mail.example.co.jp", "news.example.jp", "static.example.com", "files.example.net",
	"update.example.com", "portal.example.jp", "video.example.org", "social.example.com",
	"bad-download.example.net", "phish-login.example.org", "tracker.example.net",
}

var urlPaths = []string{
	"/", "/index.html", "/login", "/api/v1/items?page=2", "/static/app.js",
	"/images/logo.png", "/download/setup.exe", "/news/2026/01/top", "/search?q=fortigate",
	"/wp-login.php", "/cgi-bin/status", "/favicon.ico",
}

type application struct {
	name, cat, risk string
	id              int
	block           bool
}

var applications = []application{
	{"Microsoft.Teams", "Collaboration", "elevated", 43541, false},
	{"Slack", "Collaboration", "elevated", 39092, false},
	{"LINE", "Social.Media", "medium", 34527, false},
	{"YouTube", "Video/Audio", "elevated", 31077, false},
	{"Zoom", "Video/Audio", "elevated", 34593, false},
	{"Dropbox", "Storage.Backup", "elevated", 16189, false},
	{"Google.Drive", "Storage.Backup", "elevated", 33104, false},
	{"BitTorrent", "P2P", "high", 6, true},
	{"Tor", "Proxy", "critical", 16030, true},
	{"AnyDesk", "Remote.Access", "high", 41541, true},
}

type virus struct {
	name, cat string
	id        int
	file      string
}

var viruses = []virus{
	{"EICAR_TEST_FILE", "Virus", 2172, "eicar.com"},
	{"W32/Agent.ABCD!tr", "Virus", 10145327, "invoice_2026.exe"},
	{"JS/Phish.AB!tr", "Virus", 8234123, "login.js"},
	{"MSOffice/Agent.XYZ!tr", "Virus", 9876543, "請求書.docm"},
	{"Riskware/Miner", "Grayware", 7123456, "miner.zip"},
}
