package parse_test

import (
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

const (
	benchEVE        = `{"timestamp":"2024-05-13T11:45:04.815101+0900","flow_id":1258832998001901,"in_iface":"eth0","event_type":"alert","src_ip":"203.0.113.7","src_port":52812,"dest_ip":"192.0.2.10","dest_port":80,"proto":"TCP","community_id":"1:Qq8Vc2o5QZ9Y3tO0fS0i6s3bP1E=","tx_id":0,"alert":{"action":"allowed","gid":1,"signature_id":2024468,"rev":3,"signature":"ET WEB_SPECIFIC_APPS OGNL Expression Injection (CVE-2017-9791)","category":"Attempted User Privilege Gain","severity":1},"http":{"hostname":"shop.example.jp","url":"/index.action","http_user_agent":"curl/8.5.0","http_method":"POST","protocol":"HTTP/1.1","status":200,"length":512},"app_proto":"http"}`
	benchSSHD       = `sshd[24200]: Failed password for invalid user admin from 203.0.113.186 port 38470 ssh2`
	benchPAM        = `sshd[28179]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.160 user=root`
	benchIPTables   = `[126140.629122] [UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.251 DST=192.0.2.194 LEN=52 TOS=0x02 PREC=0x00 TTL=128 ID=9209 DF PROTO=TCP SPT=17833 DPT=22 WINDOW=8192 RES=0x00 CWR ECE SYN URGP=0`
	benchAccess     = `203.0.113.9 - alice [13/May/2024:11:45:04 +0900] "GET /api/v1/items?page=2&sort=desc HTTP/1.1" 200 1532 "https://app.example.jp/items" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"`
	benchNginxErr   = `2024/05/13 11:45:04 [error] 1200#1200: *9 open() "/usr/share/nginx/html/wp-login.php" failed (2: No such file or directory), client: 203.0.113.9, server: www.example.jp, request: "GET /wp-login.php HTTP/1.1", host: "www.example.jp"`
	benchWinXML     = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/><EventID>4625</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime="2024-05-13T02:45:04.9443547Z"/><EventRecordID>2524</EventRecordID><Correlation/><Execution ProcessID="712" ThreadID="11528"/><Channel>Security</Channel><Computer>dc01.corp.example.jp</Computer><Security/></System><EventData><Data Name="SubjectUserSid">S-1-5-18</Data><Data Name="SubjectUserName">DC01$</Data><Data Name="SubjectDomainName">CORP</Data><Data Name="SubjectLogonId">0x3e7</Data><Data Name="TargetUserSid">S-1-0-0</Data><Data Name="TargetUserName">yamada</Data><Data Name="TargetDomainName">CORP</Data><Data Name="Status">0xc000006d</Data><Data Name="SubStatus">0xc000006a</Data><Data Name="LogonType">3</Data><Data Name="AuthenticationPackageName">NTLM</Data><Data Name="WorkstationName">WS-0042</Data><Data Name="IpAddress">203.0.113.50</Data><Data Name="IpPort">51234</Data></EventData></Event>`
	benchWinlogbeat = `{"@timestamp":"2024-05-13T02:45:06.000Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"ws-0042","event_id":1,"provider_name":"Microsoft-Windows-Sysmon","record_id":100,"event_data":{"RuleName":"-","UtcTime":"2024-05-13 02:45:05.999","ProcessId":"1320","Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","User":"CORP\\yamada","ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE","ParentProcessId":"3000"}}}`
)

func BenchmarkSuricata(b *testing.B)     { benchParse(b, "suricata", benchEVE) }
func BenchmarkLinuxSSHD(b *testing.B)    { benchParse(b, "linux", benchSSHD) }
func BenchmarkLinuxPAM(b *testing.B)     { benchParse(b, "linux", benchPAM) }
func BenchmarkIPTables(b *testing.B)     { benchParse(b, "iptables", benchIPTables) }
func BenchmarkApacheAccess(b *testing.B) { benchParse(b, "apache", benchAccess) }
func BenchmarkNginxError(b *testing.B)   { benchParse(b, "nginx", benchNginxErr) }
func BenchmarkWindowsXML(b *testing.B)   { benchParse(b, "windows", benchWinXML) }
func BenchmarkWindowsJSON(b *testing.B)  { benchParse(b, "windows", benchWinlogbeat) }
func BenchmarkAutoIPTables(b *testing.B) { benchParse(b, "auto", benchIPTables) }
func BenchmarkAutoAccess(b *testing.B)   { benchParse(b, "auto", benchAccess) }

// benchParser is benchParse for a parser value (declarative formats are not
// in the built-in table).
func benchParser(b *testing.B, p parse.Parser, line string) {
	msg := []byte(line)
	for _, mode := range []string{"raw", "copy"} {
		b.Run(mode, func(b *testing.B) {
			ev := &event.Event{}
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				ev.Reset()
				if mode == "raw" {
					ev.Raw = line
				}
				if err := p.Parse(msg, time.UTC, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchFormat(b *testing.B, file string) *parse.DeclarativeFormat {
	f, err := parse.LoadFormatFile(file)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func BenchmarkDeclarativeCSV(b *testing.B) {
	benchParser(b, benchFormat(b, "testdata/declarative/examplefw.yaml"),
		`2,TRAFFIC,2024/05/13 11:45:04,10.0.0.1,51000,192.0.2.1,443,deny,42,x,`)
}

func BenchmarkDeclarativeKV(b *testing.B) {
	benchParser(b, benchFormat(b, "testdata/declarative/kvrouter.yaml"),
		`id=kvrouter fw=3.1.0 src=192.0.2.1 msg="login ok" user=admin dst=192.0.2.9 sport=51000 dport=22 proto=tcp action=accept`)
}

func BenchmarkDeclarativeRegexKV(b *testing.B) {
	benchParser(b, benchFormat(b, "../../formats/alliedware-plus.yaml"),
		`Firewall rule 10: deny IN=eth1 OUT=vlan1 SRC=203.0.113.5 DST=192.168.1.10 MARK=0x0 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1234 DF PROTO=TCP SPT=51515 DPT=23 WINDOW=29200 RES=0x00 SYN URGP=0`)
}
