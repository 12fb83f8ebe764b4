package assets_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/assets"
)

func TestParseNmapXMLTruncated(t *testing.T) {
	data, err := os.ReadFile("testdata/nmap/dmz-sV-O.xml")
	if err != nil {
		t.Fatal(err)
	}
	// Cut the report at every 97th byte: never a panic; either an error or
	// all three hosts; a cut after a host keeps it.
	for n := 0; n < len(data); n += 97 {
		hosts, err := assets.ParseNmapXML(strings.NewReader(string(data[:n])))
		if err == nil {
			t.Fatalf("cut at %d: no error", n)
		}
		if len(hosts) > 0 && !errors.Is(err, assets.ErrTruncated) {
			t.Fatalf("cut at %d: hosts with error %v", n, err)
		}
	}
	hosts, err := assets.ParseNmapXML(strings.NewReader(string(data)))
	if err != nil || len(hosts) != 3 {
		t.Fatalf("whole report: %d hosts, %v", len(hosts), err)
	}
}

func TestParseNmapXMLHostChoice(t *testing.T) {
	const report = `<nmaprun scanner="nmap" start="1700000000">
<host><status state="up"/><address addr="::ffff:192.0.2.7" addrtype="ipv4"/>
<hostnames><hostname name="ptr.example.jp" type="PTR"/><hostname name="given.example.jp" type="user"/></hostnames>
<ports><port protocol="tcp" portid="8443"><state state="open"/><service name="https" product="Tomcat Server" version="9.0.80" ostype="Linux"/></port></ports>
</host>
<host><status state="unknown"/><address addr="192.0.2.8" addrtype="ipv4"/></host>
</nmaprun>`
	hosts, err := assets.ParseNmapXML(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 {
		t.Fatalf("%d hosts, want 1", len(hosts))
	}
	h := hosts[0]
	if h.Hostname != "given.example.jp" || h.IPs[0].String() != "192.0.2.7" || h.OS != "Linux" ||
		h.InventoryComplete || h.Source != assets.SourceNmap || h.InventoryCollectedAt.Unix() != 1700000000 {
		t.Errorf("host = %+v", h)
	}
	if len(h.Software) != 1 || h.Software[0].Product != "tomcat_server" || h.Software[0].Version != "9.0.80" || h.Software[0].CPE != "" {
		t.Errorf("software = %+v", h.Software)
	}
}

func TestParseNmapXMLReadError(t *testing.T) {
	_, err := assets.ParseNmapXML(&errReader{data: `<nmaprun scanner="nmap"><host>`})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || errors.Is(err, assets.ErrTruncated) {
		t.Errorf("err = %v", err)
	}
}
