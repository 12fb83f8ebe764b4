package parse_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/parse"
)

// Benchmark lines for the firewall and network vendor parsers, written
// like the golden inputs.

// benchPANOS is a PAN-OS 10.1 TRAFFIC end log: 115 columns, 693 bytes.
const benchPANOS = `1,2024/05/13 11:45:04,013201001234,TRAFFIC,end,2561,2024/05/13 11:45:03,10.1.100.11,203.0.113.55,198.51.100.2,203.0.113.55,LAN-to-Internet,example\yamada,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/05/13 11:45:03,359260,1,60446,443,41822,443,0x40041c,tcp,allow,32756,4122,28634,57,2024/05/13 11:44:51,12,business-and-economy,,7253419119627122716,0x8000000000000000,10.0.0.0-10.255.255.255,Japan,,26,31,tcp-fin,12,0,0,0,,PA-TKY-01,from-policy,,,0,,0,,N/A,0,0,0,0,48420c8a-5c88-51e9-0424-a37f9e74621e,0,0,,,,,,,,,,,,,,,ws-0042,00:1b:63:84:45:e6,,,,,,,,,,,,,,,,,,,,2024-05-13T11:45:03.815+09:00,,,encrypted-tunnel,networking,browser-based,4,"used-by-malware,able-to-transfer-file,has-known-vulnerability",,ssl,no,no,0`

const benchASA = `<166>May 13 11:45:04 asa-tky-01 : %ASA-6-302013: Built outbound TCP connection 3364413 for outside:203.0.113.80/443 (203.0.113.80/443) to inside:10.1.100.11/60446 (198.51.100.2/41822) (CORP\yamada)`

const benchSRX = `<14>1 2024-05-13T11:45:16.002+09:00 srx-tky-01 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.129 reason="TCP FIN" source-address="10.1.100.11" source-port="60446" destination-address="203.0.113.55" destination-port="443" service-name="junos-https" nat-source-address="198.51.100.2" nat-source-port="41822" nat-destination-address="203.0.113.55" nat-destination-port="443" protocol-id="6" policy-name="trust-to-untrust" source-zone-name="trust" destination-zone-name="untrust" session-id-32="359260" packets-from-client="26" bytes-from-client="4122" packets-from-server="31" bytes-from-server="28634" elapsed-time="12" application="SSL" nested-application="UNKNOWN" username="yamada" roles="N/A" packet-incoming-interface="ge-0/0/1.0"]`

const benchRTX = `<13> [INSPECT] LAN2[out][200102] TCP 192.168.100.2:40980 > 203.0.113.5:80 (2024/05/13 10:10:44)`

const benchCheckPoint = `<134>1 2024-05-13T02:45:04Z cp-mgmt CheckPoint 26203 - [action:"Accept"; flags:"411908"; ifdir:"inbound"; ifname:"eth1"; logid:"0"; loguid:"{0x664180e0,0x0,0x5a00a8c0,0xc0000001}"; origin:"192.0.2.254"; originsicname:"CN=gw-tky-01,O=cp-mgmt..x7k2ab"; sequencenum:"3"; time:"1715568304"; version:"5"; dst:"203.0.113.55"; inzone:"Internal"; layer_name:"Network"; layer_uuid:"8a994dd3-993e-4c0c-92a1-a8630b153f4c"; match_id:"4"; parent_rule:"0"; rule_action:"Accept"; rule_name:"LAN to Internet"; rule_uid:"1f2e3d4c-0000-4a4a-9b9b-0123456789ab"; outzone:"External"; product:"VPN-1 & FireWall-1"; proto:"6"; s_port:"60446"; service:"443"; service_id:"https"; src:"10.1.100.11"; xlatedport:"0"; xlatedst:"0.0.0.0"; xlatesport:"41822"; xlatesrc:"198.51.100.2"; ]`

const benchSophos = `device="SFW" date=2024-05-13 time=11:45:04 timezone="+09" device_name="XG230" device_id=C2300ABCDEF1234 log_id=010101600001 log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" status="Allow" priority=Information duration=12 fw_rule_id=4 policy_type=1 user_name="yamada" user_gp="Sales" iap=2 ips_policy_id=0 appfilter_policy_id=0 application="Secure Socket Layer Protocol" application_risk=1 application_technology="Network Protocol" application_category="Infrastructure" in_interface="Port1" out_interface="Port2" src_mac=00:1b:63:84:45:e6 src_ip=10.1.100.11 src_country_code= dst_ip=203.0.113.55 dst_country_code=JPN protocol="TCP" src_port=60446 dst_port=443 sent_pkts=26 recv_pkts=31 sent_bytes=4122 recv_bytes=28634 tran_src_ip=198.51.100.2 tran_src_port=41822 tran_dst_ip= tran_dst_port=0 srczonetype="LAN" srczone="LAN" dstzonetype="WAN" dstzone="WAN" dir_disp="" connevent="Stop" connid="2674291981" vconnid="" hb_health="No Heartbeat" message="" appresolvedby="Signature"`

const benchSonicWall = `id=firewall sn=0017C5DFCEEC time="2024-05-13 02:45:04 UTC" fw=203.0.113.1 pri=6 c=262144 m=98 msg="Connection Opened" app=49169 appName="General HTTPS MGMT" n=23419 src=10.1.100.11:60446:X0 dst=203.0.113.55:443:X1 srcMac=00:1b:63:84:45:e6 dstMac=00:17:c5:df:ce:ec proto=tcp/https natSrc=198.51.100.2:41822 sent=4122 rcvd=28634 rule="5 (LAN->WAN)" fw_action="NA"`

const benchLEEF = "<13>May 13 11:45:04 fw01 LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.1.100.11^dst=203.0.113.55^proto=6^srcPort=60446^dstPort=443^srcPostNAT=198.51.100.2^srcPostNATPort=41822^srcBytes=4122^dstBytes=28634^usrName=yamada^cat=flow^sev=3^devTime=1715568304815"

func BenchmarkPANOS(b *testing.B)      { benchParse(b, "panos", benchPANOS) }
func BenchmarkCiscoASA(b *testing.B)   { benchParse(b, "cisco_asa", benchASA) }
func BenchmarkJuniperSRX(b *testing.B) { benchParse(b, "juniper_srx", benchSRX) }
func BenchmarkYamahaRTX(b *testing.B)  { benchParse(b, "yamaha_rtx", benchRTX) }
func BenchmarkCheckPoint(b *testing.B) { benchParse(b, "checkpoint", benchCheckPoint) }
func BenchmarkSophos(b *testing.B)     { benchParse(b, "sophos", benchSophos) }
func BenchmarkSonicWall(b *testing.B)  { benchParse(b, "sonicwall", benchSonicWall) }
func BenchmarkLEEF(b *testing.B)       { benchParse(b, "leef", benchLEEF) }

// TestVendorDetect checks that each vendor parser's Detect claims its own
// benchmark line and does not allocate (Detector's contract).
func TestVendorDetect(t *testing.T) {
	for name, line := range map[string]string{
		"panos": benchPANOS, "cisco_asa": benchASA, "juniper_srx": benchSRX, "yamaha_rtx": benchRTX,
		"checkpoint": benchCheckPoint, "sophos": benchSophos, "sonicwall": benchSonicWall, "leef": benchLEEF,
	} {
		p, _ := parse.Lookup(name)
		d, ok := p.(parse.Detector)
		if !ok {
			t.Errorf("%s does not implement Detector", name)
			continue
		}
		msg := []byte(line)
		if s := d.Detect(msg, ""); s < parse.ScoreStrong {
			t.Errorf("%s.Detect(own line) = %d, want at least %d", name, s, parse.ScoreStrong)
		}
		if n := testing.AllocsPerRun(100, func() { d.Detect(msg, "") }); n != 0 {
			t.Errorf("%s.Detect allocates %.0f times", name, n)
		}
	}
}
