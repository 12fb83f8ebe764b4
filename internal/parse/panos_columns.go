package parse

// PAN-OS syslog column lists, from Palo Alto Networks' "Syslog Field
// Descriptions" for PAN-OS 8.1 to 11.1. Each column is named by the
// variable the documentation gives in parentheses ("Source Address (src)"
// → src); a variable with a slash becomes an underscore (tunnelid/imsi →
// tunnelid_imsi, before-change-detail → before_change_detail). FUTURE_USE
// columns are numbered in order: future_use1, future_use2, ... Columns a
// release added are appended at the end, so each release's list is a prefix
// of the next; panosLayout.versions says how many columns each release
// writes.

// panosVersion is one release's column count.
type panosVersion struct {
	name string // "9.1", "10.2-11.0", ...
	n    int
	// plus and before name lines with more columns than this release and
	// fewer than the next ("9.1+"), and lines shorter than the oldest
	// ("<8.1").
	plus, before string
}

// panosLayout is the column list of one log type.
type panosLayout struct {
	columns  []string
	versions []panosVersion // ascending n; the last has n == len(columns)
	idx      [pxCount]int   // column of each name the ECS core reads; -1 if none
}

// Columns the ECS core reads, as indexes into panosLayout.idx.
const (
	pxSerial = iota
	pxSubtype
	pxFutureUse2
	pxTimeGenerated
	pxReceiveTime
	pxHighRes
	pxDeviceName
	pxSrc
	pxDst
	pxNatSrc
	pxNatDst
	pxRule
	pxSrcUser
	pxDstUser
	pxApp
	pxFrom
	pxTo
	pxInboundIf
	pxOutboundIf
	pxSport
	pxDport
	pxNatSport
	pxNatDport
	pxProto
	pxAction
	pxBytes
	pxBytesSent
	pxBytesReceived
	pxPackets
	pxPktsSent
	pxPktsReceived
	pxRuleUUID
	pxMisc
	pxThreatID
	pxSeverity
	pxEventID
	pxOpaque
	pxCmd
	pxAdmin
	pxResult
	pxHost
	pxStatus
	pxPublicIP
	pxCount
)

var pxNames = [pxCount]string{
	"serial", "subtype", "future_use2", "time_generated", "receive_time", "high_res_timestamp",
	"device_name", "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser", "app",
	"from", "to", "inbound_if", "outbound_if", "sport", "dport", "natsport", "natdport",
	"proto", "action", "bytes", "bytes_sent", "bytes_received", "packets", "pkts_sent",
	"pkts_received", "rule_uuid", "misc", "threatid", "severity", "eventid", "opaque", "cmd",
	"admin", "result", "host", "status", "public_ip",
}

// newPanosLayout indexes the columns the ECS core reads and names the
// in-between versions.
func newPanosLayout(columns []string, versions []panosVersion) *panosLayout {
	l := &panosLayout{columns: columns, versions: versions}
	for k, name := range pxNames {
		l.idx[k] = -1
		for i, c := range columns {
			if c == name {
				l.idx[k] = i
				break
			}
		}
	}
	for i := range l.versions {
		v := &l.versions[i]
		v.plus, v.before = v.name+"+", "<"+v.name
	}
	if n := len(versions); n > 0 && versions[n-1].n != len(columns) {
		panic("parse: panos layout " + versions[n-1].name + " does not match its column list")
	}
	return l
}

// panosHeader is the start common to every log type.
var panosHeader = []string{
	"future_use1", "receive_time", "serial", "type", "subtype", "future_use2", "time_generated",
}

// panosSession is the start common to TRAFFIC and THREAT, after the header.
var panosSession = []string{
	"src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser", "app", "vsys",
	"from", "to", "inbound_if", "outbound_if", "logset", "future_use3", "sessionid", "repeatcnt",
	"sport", "dport", "natsport", "natdport", "flags", "proto", "action",
}

// panosDevice is the Device-ID and cloud part both TRAFFIC and THREAT got
// in 10.0: source and destination device attributes.
var panosDevice = []string{
	"xff_ip", "src_category", "src_profile", "src_model", "src_vendor", "src_osfamily",
	"src_osversion", "src_host", "src_mac", "dst_category", "dst_profile", "dst_model",
	"dst_vendor", "dst_osfamily", "dst_osversion", "dst_host", "dst_mac",
	"container_id", "pod_namespace", "pod_name", "src_edl", "dst_edl", "hostid", "serialnumber",
}

// panosAppMeta is the application metadata added in 10.1.
var panosAppMeta = []string{
	"subcategory_of_app", "category_of_app", "technology_of_app", "risk_of_app",
	"characteristic_of_app", "container_of_app", "tunneled_app", "is_saas_of_app",
	"sanctioned_state_of_app",
}

var panosDG = []string{"dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4"}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var panosTraffic = newPanosLayout(concat(panosHeader, panosSession, []string{
	"bytes", "bytes_sent", "bytes_received", "packets", "start", "elapsed", "category",
	"future_use4", "seqno", "actionflags", "srcloc", "dstloc", "future_use5",
	"pkts_sent", "pkts_received", "session_end_reason",
}, panosDG, []string{
	"vsys_name", "device_name", "action_source", "src_uuid", "dst_uuid",
	"tunnelid_imsi", "monitortag_imei", "parent_session_id", "parent_start_time", "tunnel",
	// 8.1
	"assoc_id", "chunks", "chunks_sent", "chunks_received",
	// 9.0
	"rule_uuid", "http2_connection",
	// 9.1
	"link_change_count", "policy_id", "link_switches", "sdwan_cluster", "sdwan_device_type",
	"sdwan_cluster_type", "sdwan_site", "dynusergroup_name",
}, panosDevice, []string{
	// 10.0, continued
	"src_dag", "dst_dag", "session_owner", "high_res_timestamp", "nssai_sst", "nssai_sd",
}, panosAppMeta, []string{
	"offloaded",
	// 10.2
	"flow_type", "cluster_name",
	// 11.1
	"ai_traffic", "ai_fwd_error", "k8s_cluster_id", "tcp_rtt_c2s", "tcp_rtt_s2c",
	"total_n_ooseq_c2s", "total_n_ooseq_s2c", "tcp_retransit_cnt_c2s", "tcp_retransit_cnt_s2c",
	"tcp_zero_window_cnt_c2s", "tcp_zero_window_cnt_s2c", "src_adv_devid", "dst_adv_devid",
}),
	[]panosVersion{
		{name: "8.0", n: 61}, {name: "8.1", n: 65}, {name: "9.0", n: 67}, {name: "9.1", n: 75}, {name: "10.0", n: 105}, {name: "10.1", n: 115},
		{name: "10.2-11.0", n: 117}, {name: "11.1", n: 130},
	},
)

var panosThreat = newPanosLayout(concat(panosHeader, panosSession, []string{
	"misc", "threatid", "category", "severity", "direction", "seqno", "actionflags",
	"srcloc", "dstloc", "future_use4", "contenttype", "pcap_id", "filedigest", "cloud",
	"url_idx", "user_agent", "filetype", "xff", "referer", "sender", "subject", "recipient",
	"reportid",
}, panosDG, []string{
	"vsys_name", "device_name", "future_use5", "src_uuid", "dst_uuid", "http_method",
	"tunnelid_imsi", "monitortag_imei", "parent_session_id", "parent_start_time", "tunnel",
	"thr_category", "contentver", "future_use6", "assoc_id", "ppid", "http_headers",
	// 9.0
	"url_category_list", "rule_uuid", "http2_connection",
	// 9.1
	"dynusergroup_name",
}, panosDevice, []string{
	// 10.0, continued
	"domain_edl", "src_dag", "dst_dag", "partial_hash", "high_res_timestamp", "reason",
	"justification", "nssai_sst",
}, panosAppMeta, []string{
	// 10.2
	"cloud_reportid", "cluster_name", "flow_type",
}),
	[]panosVersion{
		{name: "8.1", n: 75}, {name: "9.0", n: 78}, {name: "9.1", n: 79}, {name: "10.0", n: 111}, {name: "10.1", n: 120}, {name: "10.2-11.1", n: 123},
	},
)

var panosSystem = newPanosLayout(concat(panosHeader, []string{
	"vsys", "eventid", "object", "future_use3", "future_use4", "module", "severity", "opaque",
	"seqno", "actionflags",
}, panosDG, []string{
	"vsys_name", "device_name",
	// 10.0
	"future_use5", "future_use6", "high_res_timestamp",
}),
	[]panosVersion{{name: "8.0-9.1", n: 23}, {name: "10.0-11.1", n: 26}},
)

// PAN-OS writes CONFIG logs without the before and after change details in
// its default format; a custom format may add them after the path. The
// parser tells the two apart by where the action flags ("0x...") are.
var panosConfig = newPanosLayout(concat(panosHeader, []string{
	"host", "vsys", "cmd", "admin", "client", "result", "path", "seqno", "actionflags",
}, panosDG, []string{
	"vsys_name", "device_name",
	// 10.1
	"device_group", "audit_comment",
	// 10.2
	"future_use3", "high_res_timestamp",
}),
	[]panosVersion{{name: "8.0-10.0", n: 22}, {name: "10.1", n: 24}, {name: "10.2-11.1", n: 26}},
)

var panosConfigDetail = newPanosLayout(concat(panosHeader, []string{
	"host", "vsys", "cmd", "admin", "client", "result", "path",
	"before_change_detail", "after_change_detail", "seqno", "actionflags",
}, panosDG, []string{
	"vsys_name", "device_name", "device_group", "audit_comment", "future_use3", "high_res_timestamp",
}),
	[]panosVersion{{name: "8.0-10.0", n: 24}, {name: "10.1", n: 26}, {name: "10.2-11.1", n: 28}},
)

var panosGlobalProtect = newPanosLayout(concat(panosHeader, []string{
	"vsys", "eventid", "stage", "auth_method", "tunnel_type", "srcuser", "srcregion",
	"machinename", "public_ip", "public_ipv6", "private_ip", "private_ipv6", "hostid",
	"serialnumber", "client_ver", "client_os", "client_os_ver", "repeatcnt", "reason", "error",
	"opaque", "status", "location", "login_duration", "connect_method", "error_code", "portal",
	"seqno", "actionflags", "high_res_timestamp", "selection_type", "response_time", "priority",
	"attempted_gateways", "gateway",
}, panosDG, []string{
	"vsys_name", "device_name", "vsys_id",
	// 11.0
	"cluster_name",
}),
	[]panosVersion{{name: "9.1-10.2", n: 49}, {name: "11.0-11.1", n: 50}},
)

// panosOther names the header of log types without a column list here
// (HIPMATCH, USERID, DECRYPTION, ...); their other columns are column_N.
var panosOther = newPanosLayout(panosHeader, nil)

// panosColumnNames holds "column_N" for N = 1..panosMaxColumns, so that
// naming an unknown column does not allocate. Read-only.
var panosColumnNames = func() (t [panosMaxColumns + 1]string) {
	for i := 1; i <= panosMaxColumns; i++ {
		t[i] = "column_" + itoa(i)
	}
	return t
}()

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
