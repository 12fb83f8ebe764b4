package ruleaudit

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// labeler writes the one-line English and Japanese messages of findings,
// naming rules the way the vendor does ("policy 3", "filter 200020").
type labeler struct {
	rs                   *Ruleset
	nounEn, nounsEn      string
	nounJa               string
	byName               bool // label with Name (RTX filter number) rather than ID
	defaultEn, defaultJa string
}

func newLabeler(rs *Ruleset) *labeler {
	l := &labeler{rs: rs, nounEn: "rule", nounsEn: "rules", nounJa: "ルール"}
	switch rs.Vendor {
	case VendorFortiOS:
		l.nounEn, l.nounsEn, l.nounJa = "policy", "policies", "ポリシー"
	case VendorRTX:
		l.nounEn, l.nounsEn, l.nounJa = "filter", "filters", "フィルタ"
		l.byName = true
	}
	l.defaultEn, l.defaultJa = "the implicit deny", "暗黙の拒否"
	if rs.DefaultAction == Accept {
		l.defaultEn, l.defaultJa = "the default accept", "既定の許可"
	}
	return l
}

func (l *labeler) key(i int) string {
	r := &l.rs.Rules[i]
	if l.byName && r.Name != "" {
		return r.Name
	}
	return r.ID
}

// subject labels the rule a finding is about, with its name or table.
func (l *labeler) subject(i int) (en, ja string) {
	r := &l.rs.Rules[i]
	k := l.key(i)
	extra := r.Name
	if l.byName {
		extra = r.Table
	}
	if extra == "" || extra == k {
		return l.nounEn + " " + k, l.nounJa + " " + k
	}
	if l.byName {
		return fmt.Sprintf("%s %s (%s)", l.nounEn, k, extra), fmt.Sprintf("%s %s（%s）", l.nounJa, k, extra)
	}
	return fmt.Sprintf("%s %s %q", l.nounEn, k, extra), fmt.Sprintf("%s %s（%s）", l.nounJa, k, extra)
}

// list labels other rules: "policies 3, 8 and 12" / 「ポリシー 3、8、12」,
// shortened after five.
func (l *labeler) list(idx []int) (en, ja string) {
	const shown = 5
	keys := make([]string, 0, min(len(idx), shown))
	for n, i := range idx {
		if n == shown {
			break
		}
		keys = append(keys, l.key(i))
	}
	more := len(idx) - len(keys)
	ja = l.nounJa + " " + strings.Join(keys, "、")
	if more > 0 {
		ja += fmt.Sprintf(" ほか %d 件", more)
	}
	if len(idx) == 1 {
		return l.nounEn + " " + keys[0], ja
	}
	if more > 0 {
		return fmt.Sprintf("%s %s and %d more", l.nounsEn, strings.Join(keys, ", "), more), ja
	}
	return l.nounsEn + " " + joinEn(keys, "and"), ja
}

// joinEn joins words as English does: "a", "a and b", "a, b and c".
func joinEn(words []string, conj string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// topic appends a Japanese particle to a label.
func topic(label, particle string) string { return spaced(label) + particle }

func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func verbs(a Action) (en3, enBase, enPast, ja string) {
	if a == Accept {
		return "accepts", "accept", "accepted", "許可"
	}
	return "denies", "deny", "denied", "拒否"
}

func (l *labeler) unlocked(i int) (string, string) {
	en, ja := l.subject(i)
	return capital(en) + " accepts all traffic from the inside to any Internet address on every service at all times: a lock that locks nothing.",
		topic(ja, "は") + "内部からインターネットへの全通信を常時許可しています（鍵のかかっていない状態）。"
}

func (l *labeler) overbroad(i int, inbound, srcAny, dstAny, svcAll bool) (string, string) {
	en, ja := l.subject(i)
	var wEn, wJa []string
	for _, d := range []struct {
		on     bool
		en, ja string
	}{{srcAny, "source", "送信元"}, {dstAny, "destination", "宛先"}, {svcAll, "service", "サービス"}} {
		if d.on {
			wEn, wJa = append(wEn, d.en), append(wJa, d.ja)
		}
	}
	dirEn, dirJa := "to the Internet", "インターネットへの通信"
	if inbound {
		dirEn, dirJa = "from the Internet", "インターネットからの通信"
	}
	return fmt.Sprintf("%s accepts traffic %s without restricting %s.", capital(en), dirEn, joinEn(wEn, "or")),
		fmt.Sprintf("%s%sを、%sを限定せずに許可しています。", topic(ja, "は"), dirJa, strings.Join(wJa, "・"))
}

func (l *labeler) noLogging(i int) (string, string) {
	en, ja := l.subject(i)
	return capital(en) + " accepts traffic without logging it, so allowed sessions leave no trace.",
		topic(ja, "は") + "通信を許可していますが、ログを記録していないため許可した通信の痕跡が残りません。"
}

func (l *labeler) partialLogging(i int) (string, string) {
	en, ja := l.subject(i)
	return capital(en) + " logs only the sessions a security profile acted on; other allowed sessions leave no trace.",
		topic(ja, "は") + "セキュリティプロファイルが検査した通信しかログに残さず、それ以外の許可した通信は記録されません。"
}

func (l *labeler) disabled(i int) (string, string) {
	en, ja := l.subject(i)
	return capital(en) + " is disabled; delete it if it is no longer needed.",
		topic(ja, "は") + "無効化されています。不要であれば削除してください。"
}

func (l *labeler) empty(i int) (string, string) {
	en, ja := l.subject(i)
	return capital(en) + " matches no traffic (its addresses or services are empty) and can be removed.",
		topic(ja, "は") + "どの通信にも一致しません（アドレスまたはサービスが空です）。削除できます。"
}

// decide conjugates "decide" for a rule list of n.
func decide(n int) string {
	if n == 1 {
		return "decides"
	}
	return "decide"
}

func (l *labeler) shadowed(i int, by []int) (string, string) {
	en, ja := l.subject(i)
	ben, bja := l.list(by)
	return fmt.Sprintf("%s is never reached: %s already %s all of its traffic, at least partly with the other action.", capital(en), ben, decide(len(by))),
		fmt.Sprintf("%sには到達しません。%s先にその通信をすべて処理しており、この%sとは異なる動作が適用されています。", spaced(ja), topic(bja, "が"), l.nounJa)
}

func (l *labeler) coveredSame(i int, by []int) (string, string) {
	en, ja := l.subject(i)
	ben, bja := l.list(by)
	v3, vBase, _, vJa := verbs(l.rs.Rules[i].Action)
	if len(by) > 1 {
		v3 = vBase
	}
	return fmt.Sprintf("%s is never reached: %s already %s all of its traffic, so it can be removed.", capital(en), ben, v3),
		fmt.Sprintf("%sには到達しません。%s同じ通信を先にすべて%sしているため、削除できます。", spaced(ja), topic(bja, "が"), vJa)
}

func (l *labeler) redundant(i int, takers []int, toDefault, logs bool) (string, string) {
	en, ja := l.subject(i)
	_, vBase, _, vJa := verbs(l.rs.Rules[i].Action)
	var wEn, wJa string
	switch {
	case len(takers) > 0 && toDefault:
		ten, tja := l.list(takers)
		wEn, wJa = ten+" and "+l.defaultEn, tja+" と"+l.defaultJa
	case len(takers) > 0:
		wEn, wJa = l.list(takers)
	default:
		wEn, wJa = l.defaultEn, l.defaultJa
	}
	en = fmt.Sprintf("%s is redundant: without it, %s would %s the same traffic.", capital(en), wEn, vBase)
	ja = fmt.Sprintf("%sは冗長です。削除しても%sにより同じ通信が%sされます。", spaced(ja), spaced(wJa), vJa)
	if logs {
		en += " It does log that traffic; keep it if the log is wanted."
		ja += "ただし、このルールはその通信をログに記録しているため、ログが必要なら残してください。"
	}
	return en, ja
}

func (l *labeler) overlap(i int, by []int) (string, string) {
	en, ja := l.subject(i)
	ben, bja := l.list(by)
	a := l.rs.Rules[i].Action
	_, _, mine, mineJa := verbs(a)
	other := Accept
	if a == Accept {
		other = Deny
	}
	_, _, theirs, theirsJa := verbs(other)
	return fmt.Sprintf("%s partly overlaps earlier %s: the traffic they share is %s by %s, not %s as this %s says.", capital(en), ben, theirs, ben, mine, l.nounEn),
		fmt.Sprintf("%sは先にある%sと一部が重なっており、重なった通信にはこの%sの%sではなく%sの%sが適用されます。", spaced(ja), spaced(bja), l.nounJa, mineJa, spaced(bja), theirsJa)
}

func (l *labeler) neverUsed(i int, since time.Time) (string, string) {
	en, ja := l.subject(i)
	if since.IsZero() {
		return capital(en) + " has never matched any traffic.",
			topic(ja, "は") + "一度も使われていません。"
	}
	d := since.UTC().Format(time.DateOnly)
	return fmt.Sprintf("%s has not matched any traffic since %s.", capital(en), d),
		fmt.Sprintf("%s %s 以降一度も使われていません。", topic(ja, "は"), d)
}

func (l *labeler) unusedSince(i int, days int, last time.Time) (string, string) {
	en, ja := l.subject(i)
	d := last.UTC().Format(time.DateOnly)
	return fmt.Sprintf("%s has not matched any traffic for %d days (last hit %s).", capital(en), days, d),
		fmt.Sprintf("%s %d 日間使われていません（最終使用 %s）。", topic(ja, "は"), days, d)
}

// spaced adds a space after a label ending in ASCII so that a Japanese
// particle does not touch the number: "ポリシー 3 と".
func spaced(label string) string {
	r, _ := utf8.DecodeLastRuneInString(label)
	if r < utf8.RuneSelf {
		return label + " "
	}
	return label
}
