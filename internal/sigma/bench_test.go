package sigma

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sekimori/sekimori/internal/event"
)

// Benchmarks with every SigmaHQ rule loaded (rules, emerging threats,
// threat hunting, placeholders). Two kinds of events: firewall traffic
// (ECS core plus FortiGate-native fields, as the parser produces them) and
// Windows process creation (Sysmon event 1 fields). Each is run with its
// own log source and with AnyLogSource, where every rule applies.

var (
	benchOnce   sync.Once
	benchEngine *Engine
)

func corpusEngine(b *testing.B) *Engine {
	b.Helper()
	set := loadCorpus(b)
	benchOnce.Do(func() {
		ph := map[string][]string{}
		for _, r := range set.Rules() {
			for _, p := range r.Placeholders() {
				ph[p] = []string{"placeholder-" + strings.ToLower(p)}
			}
		}
		benchEngine, _ = NewEngine(set, Options{Placeholders: ph})
	})
	return benchEngine
}

func firewallEvents(n int) []*event.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	actions := []string{"accept", "deny", "close", "timeout", "server-rst", "client-rst"}
	services := []string{"HTTPS", "HTTP", "DNS", "SSH", "RDP", "SMB", "NTP", "tcp/8443"}
	ports := []string{"443", "80", "53", "22", "3389", "445", "123", "8443"}
	out := make([]*event.Event, n)
	for i := range out {
		e := &event.Event{}
		si := rng.IntN(len(services))
		src := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(256), rng.IntN(254)+1)
		dst := fmt.Sprintf("%d.%d.%d.%d", rng.IntN(200)+20, rng.IntN(256), rng.IntN(256), rng.IntN(254)+1)
		sport := fmt.Sprint(1024 + rng.IntN(60000))
		act := actions[rng.IntN(len(actions))]
		e.Raw = fmt.Sprintf(`date=2025-06-01 time=12:00:%02d devname="FGT60F" devid="FGT60FTK000000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=%s srcport=%s srcintf="lan" dstip=%s dstport=%s dstintf="wan1" proto=6 action="%s" policyid=%d service="%s" sentbyte=%d rcvdbyte=%d`,
			i%60, src, sport, dst, ports[si], act, rng.IntN(40)+1, services[si], rng.IntN(100000), rng.IntN(1000000))
		for _, f := range [][2]string{
			{"date", "2025-06-01"}, {"time", "12:00:00"}, {"devname", "FGT60F"}, {"devid", "FGT60FTK000000"},
			{"logid", "0000000013"}, {"type", "traffic"}, {"subtype", "forward"}, {"level", "notice"}, {"vd", "root"},
			{"srcip", src}, {"srcport", sport}, {"srcintf", "lan"}, {"dstip", dst}, {"dstport", ports[si]},
			{"dstintf", "wan1"}, {"proto", "6"}, {"action", act}, {"policyid", fmt.Sprint(rng.IntN(40) + 1)},
			{"service", services[si]}, {"sentbyte", fmt.Sprint(rng.IntN(100000))}, {"rcvdbyte", fmt.Sprint(rng.IntN(1000000))},
			{"source.ip", src}, {"source.port", sport}, {"destination.ip", dst}, {"destination.port", ports[si]},
			{"network.transport", "tcp"}, {"event.action", act}, {"event.outcome", "success"},
			{"observer.vendor", "Fortinet"}, {"observer.product", "FortiGate"}, {"rule.id", "7"},
		} {
			e.Add(f[0], f[1])
		}
		out[i] = e
	}
	return out
}

var benchImages = []struct{ image, cmd, parent string }{
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --field-trial-handle=1234,i,5678 --mojo-platform-channel-handle=3456 /prefetch:1`, `C:\Program Files\Google\Chrome\Application\chrome.exe`},
	{`C:\Windows\System32\RuntimeBroker.exe`, `C:\Windows\System32\RuntimeBroker.exe -Embedding`, `C:\Windows\System32\svchost.exe`},
	{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\Root\Office16\OUTLOOK.EXE"`, `C:\Windows\explorer.exe`},
	{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe Install $(Arg0)`, `C:\Windows\System32\svchost.exe`},
	{`C:\Windows\System32\backgroundTaskHost.exe`, `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca`, `C:\Windows\System32\svchost.exe`},
	{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c "C:\ProgramData\Backup\nightly.bat"`, `C:\Windows\System32\svchost.exe`},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe -ExecutionPolicy Bypass -File C:\Scripts\inventory.ps1`, `C:\Windows\System32\svchost.exe`},
	{`C:\Program Files\Microsoft VS Code\Code.exe`, `"C:\Program Files\Microsoft VS Code\Code.exe" --type=utility --utility-sub-type=node.mojom.NodeService`, `C:\Program Files\Microsoft VS Code\Code.exe`},
	{`C:\Windows\System32\SearchProtocolHost.exe`, `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe5_ Global\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\Microsoft\Windows Search"`, `C:\Windows\System32\SearchIndexer.exe`},
	{`C:\Windows\System32\git.exe`, `git status --porcelain`, `C:\Program Files\Microsoft VS Code\Code.exe`},
	{`C:\Windows\System32\msiexec.exe`, `C:\Windows\system32\msiexec.exe /V`, `C:\Windows\System32\services.exe`},
	{`C:\Windows\System32\WerFault.exe`, `C:\Windows\system32\WerFault.exe -u -p 4242 -s 880`, `C:\Windows\System32\svchost.exe`},
	{`C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe`, `"C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe" --type=gpu-process`, `C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe`},
	{`C:\Windows\System32\reg.exe`, `reg query HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall /s`, `C:\Windows\System32\cmd.exe`},
	{`C:\Windows\System32\net.exe`, `net use Z: \\fileserver\share`, `C:\Windows\explorer.exe`},
	{`C:\Windows\System32\notepad.exe`, `"C:\Windows\system32\NOTEPAD.EXE" C:\Users\alice\Documents\notes.txt`, `C:\Windows\explorer.exe`},
}

func processEvents(n int) []*event.Event {
	rng := rand.New(rand.NewPCG(3, 4))
	users := []string{`CORP\alice`, `CORP\bob`, `NT AUTHORITY\SYSTEM`, `NT AUTHORITY\NETWORK SERVICE`}
	out := make([]*event.Event, n)
	for i := range out {
		p := benchImages[rng.IntN(len(benchImages))]
		e := &event.Event{}
		base := p.image[strings.LastIndexByte(p.image, '\\')+1:]
		for _, f := range [][2]string{
			{"EventID", "1"}, {"Channel", "Microsoft-Windows-Sysmon/Operational"}, {"Provider_Name", "Microsoft-Windows-Sysmon"},
			{"Computer", fmt.Sprintf("WS%04d.corp.example", rng.IntN(500))},
			{"UtcTime", "2025-06-01 12:00:00.000"}, {"ProcessGuid", fmt.Sprintf("{6F2C1A7E-%04X-6650-0A00-000000002C00}", rng.IntN(65536))},
			{"ProcessId", fmt.Sprint(rng.IntN(30000))}, {"Image", p.image}, {"FileVersion", "10.0.19041.1"},
			{"Description", strings.TrimSuffix(base, ".exe")}, {"Product", "Microsoft® Windows® Operating System"},
			{"Company", "Microsoft Corporation"}, {"OriginalFileName", base}, {"CommandLine", p.cmd},
			{"CurrentDirectory", `C:\Windows\system32\`}, {"User", users[rng.IntN(len(users))]},
			{"LogonGuid", "{6F2C1A7E-0000-0000-0000-000000000000}"}, {"LogonId", "0x3e7"}, {"TerminalSessionId", "0"},
			{"IntegrityLevel", "System"}, {"Hashes", fmt.Sprintf("SHA1=%040X,MD5=%032X,SHA256=%064X,IMPHASH=%032X", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())},
			{"ParentProcessGuid", "{6F2C1A7E-0000-0000-0000-000000000001}"}, {"ParentProcessId", fmt.Sprint(rng.IntN(30000))},
			{"ParentImage", p.parent}, {"ParentCommandLine", p.parent}, {"ParentUser", users[rng.IntN(len(users))]},
		} {
			e.Add(f[0], f[1])
		}
		out[i] = e
	}
	return out
}

func benchMatch(b *testing.B, ls LogSource, evs []*event.Event) {
	eng := corpusEngine(b)
	st := eng.ViewStats(ls)
	var size int64
	for _, e := range evs {
		size += int64(len(e.Raw))
		for _, f := range e.Fields {
			size += int64(len(f.Name) + len(f.Value))
		}
	}
	b.SetBytes(size / int64(len(evs)))
	b.ReportAllocs()
	var dst []*Rule
	hits := 0
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		dst = eng.Match(ls, Fields{E: evs[i%len(evs)]}, dst[:0])
		hits += len(dst)
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(st.Rules), "rules")
	b.ReportMetric(float64(st.Always), "always")
	b.ReportMetric(float64(hits)/float64(b.N), "hits/event")
}

func BenchmarkFirewall(b *testing.B) {
	evs := firewallEvents(1024)
	b.Run("logsource=firewall", func(b *testing.B) { benchMatch(b, LogSource{Category: "firewall"}, evs) })
	b.Run("logsource=any", func(b *testing.B) { benchMatch(b, AnyLogSource, evs) })
}

func BenchmarkProcessCreation(b *testing.B) {
	evs := processEvents(1024)
	b.Run("logsource=windows/process_creation", func(b *testing.B) {
		benchMatch(b, LogSource{Product: "windows", Category: "process_creation"}, evs)
	})
	b.Run("logsource=any", func(b *testing.B) { benchMatch(b, AnyLogSource, evs) })
}
