package parse

import (
	"bytes"
	"strings"
	"unsafe"
)

// Detect implementations of the firewall and network vendor parsers, for
// the "auto" format (see Detector).

var (
	_ Detector = panOS{}
	_ Detector = ciscoASA{}
	_ Detector = juniperSRX{}
	_ Detector = yamahaRTX{}
	_ Detector = checkPoint{}
	_ Detector = sophos{}
	_ Detector = sonicWall{}
	_ Detector = leef{}
)

// view returns msg as a string without copying. The string must not be
// kept: Detect does not keep msg.
func view(msg []byte) string {
	return unsafe.String(unsafe.SliceData(msg), len(msg))
}

// Detect: a CSV record "…,YYYY/MM/DD hh:mm:ss,serial,TYPE," with a known
// log type is certain; the receive time alone is strong.
func (panOS) Detect(msg []byte, _ string) int {
	s := view(msg)
	start, ok := panosStart(s)
	if !ok {
		return 0
	}
	// Skip three columns: future_use1, receive_time, serial.
	rest := s[start:]
	for n := 0; n < 3; n++ {
		i := strings.IndexByte(rest, ',')
		if i < 0 {
			return ScoreStrong
		}
		rest = rest[i+1:]
	}
	typ, _, _ := strings.Cut(rest, ",")
	switch typ {
	case "TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "GLOBALPROTECT", "HIPMATCH", "HIP-MATCH", "USERID",
		"AUTHENTICATION", "DECRYPTION", "IPTAG", "CORRELATION", "GTP", "SCTP", "TUNNEL", "START", "END", "AUDIT":
		return ScoreCertain
	}
	return ScoreStrong
}

// Detect: a "%ASA-n-nnnnnn" (FTD, PIX, FWSM) tag is certain.
func (ciscoASA) Detect(msg []byte, _ string) int {
	var m asaMsg
	if _, ok := m.header(view(msg)); ok {
		return ScoreCertain
	}
	return 0
}

// Detect: a "[junos@" structured-data element is certain; an RT_FLOW
// session tag is strong; an RT_ APP-NAME is likely.
func (juniperSRX) Detect(msg []byte, appName string) int {
	switch {
	case bytes.Contains(msg, []byte("[junos@")):
		return ScoreCertain
	case bytes.Contains(msg, []byte("RT_FLOW_SESSION_")):
		return ScoreStrong
	case strings.HasPrefix(appName, "RT_"):
		return ScoreLikely
	}
	return 0
}

// Detect: an "[INSPECT]" record or a "Rejected at IN(" / "Passed at OUT("
// filter log is strong; a TELNET or SSH login line is likely.
func (yamahaRTX) Detect(msg []byte, _ string) int {
	switch {
	case bytes.Contains(msg, []byte("[INSPECT] ")):
		return ScoreStrong
	case bytes.Contains(msg, []byte(" filter")) && (bytes.Contains(msg, []byte("Rejected at ")) || bytes.Contains(msg, []byte("Passed at "))):
		return ScoreStrong
	case bytes.Contains(msg, []byte("Login succeeded for ")) || bytes.Contains(msg, []byte("Logout from ")):
		return ScoreLikely
	}
	return 0
}

// Detect: a [key:"value"; ...] list with Check Point's loguid, origin or
// product keys is certain, any such list strong; the LEA form with
// orig= or i/f_dir= is strong.
func (checkPoint) Detect(msg []byte, _ string) int {
	s := view(msg)
	if start := cpListStart(s); start >= 0 {
		l := s[start:]
		if strings.Contains(l, `loguid:"`) || strings.Contains(l, `origin:"`) || strings.Contains(l, `product:"`) {
			return ScoreCertain
		}
		return ScoreStrong
	}
	if strings.IndexByte(s, '|') >= 0 && (strings.Contains(s, "|orig=") || strings.Contains(s, "i/f_dir=")) {
		return ScoreStrong
	}
	return 0
}

// Detect: log_component= with log_type= (or device="SFW") is certain; a
// Sophos Anti-Virus XML record is strong, its text log
// ("20160806 050000<TAB>...") likely.
func (sophos) Detect(msg []byte, _ string) int {
	switch {
	case msgHasKey(msg, "log_component=") && msgHasKey(msg, "log_type="):
		return ScoreCertain
	case bytes.Contains(msg, []byte(`device="SFW"`)):
		return ScoreCertain
	case bytes.Contains(msg, []byte("<log><category>")):
		return ScoreStrong
	}
	if _, _, _, ok := sophosAVText(view(msg)); ok {
		return ScoreLikely
	}
	return 0
}

// Detect: id= with sn= and m= is certain, id= with sn= strong.
func (sonicWall) Detect(msg []byte, _ string) int {
	if !msgHasKey(msg, "id=") || !msgHasKey(msg, "sn=") {
		return 0
	}
	if msgHasKey(msg, "m=") && msgHasKey(msg, "fw=") {
		return ScoreCertain
	}
	return ScoreStrong
}

// Detect: "LEEF:1.0|" or "LEEF:2.0|" is certain.
func (leef) Detect(msg []byte, _ string) int {
	i := bytes.Index(msg, []byte("LEEF:"))
	if i < 0 || i+6 > len(msg) {
		return 0
	}
	if c := msg[i+5]; c >= '0' && c <= '9' && bytes.IndexByte(msg[i:], '|') > 0 {
		return ScoreCertain
	}
	return 0
}
