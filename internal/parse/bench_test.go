package parse_test

import (
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// benchTraffic is a FortiOS 7.2 traffic forward line: 46 fields, 829 bytes.
const benchTraffic = `date=2024-05-13 time=11:45:04 devname="FGT-TKY-01" devid="FG100FTK22001234" eventtime=1715568304815101919 tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.100.11 srcport=60446 srcintf="port12" srcintfrole="lan" dstip=203.0.113.55 dstport=443 dstintf="wan1" dstintfrole="wan" srccountry="Reserved" dstcountry="Japan" sessionid=359260 proto=6 action="close" policyid=4 policytype="policy" poluuid="48420c8a-5c88-51e9-0424-a37f9e74621e" policyname="LAN-to-Internet" service="HTTPS" trandisp="snat" transip=198.51.100.2 transport=60446 appid=40568 app="HTTPS.BROWSER" appcat="Web.Client" apprisk="medium" applist="default" duration=12 sentbyte=4122 rcvdbyte=28634 sentpkt=26 rcvdpkt=31 vwlid=0 srcuuid="ae28f494-5735-51e9-f247-d1d2ce663f4b" mastersrcmac="a2:e9:00:ec:40:01" srcmac="a2:e9:00:ec:40:01" srcserver=0 osname="Windows" utmaction="allow" countapp=1`

const benchKV = `ts=2024-05-13T11:45:04.815Z level=info app.name=billing-api request-id=7f3a9c2e-1b44-4c0e-9f55-0d6a2b7c8e11 method=POST path=/v1/invoices/20240513/items status=201 duration_ms=42 src=10.1.100.11 spt=60446 dst=10.20.0.15 dpt=8443 user="yamada taro" agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36" bytes_in=5123 bytes_out=812 tenant=acme-jp region=ap-northeast-1 msg="invoice item created"`

const benchJSON = `{"@timestamp":"2024-05-13T02:45:04.815Z","event":{"action":"login","outcome":"success","category":["authentication"]},"source":{"ip":"10.1.100.11","port":60446,"geo":{"country_iso_code":"JP"}},"destination":{"ip":"203.0.113.55","port":443},"user":{"name":"yamada","domain":"CORP"},"host":{"name":"ws-0042","os":{"family":"windows","version":"10.0.19045"}},"http":{"request":{"method":"POST","bytes":5123},"response":{"status_code":201,"bytes":812}},"url":{"path":"/v1/invoices","query":"page=2"},"tags":["prod","jp"],"message":"invoice item created"}`

const benchCEF = `<189>May 13 11:45:04 FGT-TKY-01 CEF:0|Fortinet|Fortigate|v7.2.8|00013|traffic:forward close|3|deviceExternalId=FG100FTK22001234 FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward FTNTFGTlevel=notice FTNTFGTvd=root FTNTFGTeventtime=1715568304815101919 FTNTFGTtz=+0900 src=10.1.100.11 spt=60446 deviceInboundInterface=port12 FTNTFGTsrcintfrole=lan dst=203.0.113.55 dpt=443 deviceOutboundInterface=wan1 FTNTFGTdstintfrole=wan FTNTFGTsrccountry=Reserved FTNTFGTdstcountry=Japan externalId=359260 proto=6 act=close FTNTFGTpolicyid=4 FTNTFGTpolicytype=policy FTNTFGTpoluuid=48420c8a-5c88-51e9-0424-a37f9e74621e FTNTFGTpolicyname=LAN-to-Internet app=HTTPS FTNTFGTtrandisp=snat sourceTranslatedAddress=198.51.100.2 sourceTranslatedPort=60446 FTNTFGTappid=40568 FTNTFGTapp=HTTPS.BROWSER FTNTFGTappcat=Web.Client out=4122 in=28634 dvchost=FGT-TKY-01`

// benchParse parses line in a loop, reusing one event as the ingest path
// does. With raw, ev.Raw holds the line (the message shares its memory);
// without, Parse copies the message once.
func benchParse(b *testing.B, name, line string) {
	p, _ := parse.Lookup(name)
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

func BenchmarkFortiGate(b *testing.B)    { benchParse(b, "fortigate", benchTraffic) }
func BenchmarkFortiGateCEF(b *testing.B) { benchParse(b, "fortigate", benchCEF) }
func BenchmarkKV(b *testing.B)           { benchParse(b, "kv", benchKV) }
func BenchmarkJSON(b *testing.B)         { benchParse(b, "json", benchJSON) }
func BenchmarkCEF(b *testing.B)          { benchParse(b, "cef", benchCEF) }
