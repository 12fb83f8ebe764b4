package devconfig

import (
	"fmt"
	"strings"
)

// DefaultContext is the number of context lines UnifiedDiff uses when
// asked for a negative number.
const DefaultContext = 3

// UnifiedDiff returns the differences between a and b in the unified
// format of diff -u and patch: "--- nameA", "+++ nameB", then hunks
// "@@ -l,n +l,n @@" with context lines around each change ("" when a and b
// are equal). A missing final newline is marked "\ No newline at end of
// file". The text is compared as given; pass Mask output to hide
// re-encrypted secrets.
//
// The diff is minimal (Myers' O(ND) algorithm) unless a region differs
// in more than a few hundred lines; such regions are split at lines that
// occur once on each side (patience diff) and diffed again, so that a
// 100,000-line config with a wiped ruleset is diffed in well under a
// second. A region that still cannot be split shows as deleted and
// re-added.
func UnifiedDiff(nameA, nameB string, a, b []byte, context int) string {
	if context < 0 {
		context = DefaultContext
	}
	la, lb := diffLines(a), diffLines(b)
	ia, ib := intern(la, lb)
	ops := diffOps(ia, ib)
	if !hasChange(ops) {
		return ""
	}
	var w strings.Builder
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", nameA, nameB)
	writeHunks(&w, ops, la, lb, context)
	return w.String()
}

// diffLines splits text into lines that keep their "\n"; a last line
// without one is kept as is, so it differs from the same text with one.
func diffLines(data []byte) []string {
	s := string(data)
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func intern(a, b []string) ([]int32, []int32) {
	ids := make(map[string]int32, len(a))
	conv := func(ls []string) []int32 {
		out := make([]int32, len(ls))
		for i, l := range ls {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return conv(a), conv(b)
}

// Edit operations, one per line of output.
const (
	opEqual  = ' '
	opDelete = '-'
	opInsert = '+'
)

func hasChange(ops []byte) bool {
	for _, o := range ops {
		if o != opEqual {
			return true
		}
	}
	return false
}

// diffOps returns an edit script turning a into b.
func diffOps(a, b []int32) []byte {
	ops := make([]byte, 0, max(len(a), len(b)))
	return diffRegion(ops, a, b)
}

// myersWork bounds the work of one Myers attempt: the edit distance
// searched is at most myersWork/(n+m), and never more than maxMyersD.
const (
	myersWork = 20_000_000
	maxMyersD = 1000
)

func diffRegion(ops []byte, a, b []int32) []byte {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops = appendN(ops, opEqual, pre)
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	switch {
	case len(ma) == 0:
		ops = appendN(ops, opInsert, len(mb))
	case len(mb) == 0:
		ops = appendN(ops, opDelete, len(ma))
	default:
		limit := min(maxMyersD, max(64, myersWork/(len(ma)+len(mb))))
		if script, ok := myers(ma, mb, limit); ok {
			ops = append(ops, script...)
		} else if anchors := patienceAnchors(ma, mb); len(anchors) > 0 {
			pa, pb := 0, 0
			for _, an := range anchors {
				ops = diffRegion(ops, ma[pa:an[0]], mb[pb:an[1]])
				ops = append(ops, opEqual)
				pa, pb = an[0]+1, an[1]+1
			}
			ops = diffRegion(ops, ma[pa:], mb[pb:])
		} else {
			ops = appendN(ops, opDelete, len(ma))
			ops = appendN(ops, opInsert, len(mb))
		}
	}
	return appendN(ops, opEqual, suf)
}

func appendN(ops []byte, op byte, n int) []byte {
	for range n {
		ops = append(ops, op)
	}
	return ops
}

// myers finds a shortest edit script with at most maxD insertions and
// deletions (E. Myers, "An O(ND) Difference Algorithm and Its
// Variations", 1986, greedy forward search), or reports false.
func myers(a, b []int32, maxD int) ([]byte, bool) {
	n, m := len(a), len(b)
	maxD = min(maxD, n+m)
	v := make([]int, 2*maxD+3)
	off := maxD + 1
	var trace [][]int // trace[d][k+d] = furthest x on diagonal k after d edits
	for d := 0; d <= maxD; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
				return myersScript(trace, n, m), true
			}
		}
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
	}
	return nil, false
}

// myersScript walks the trace back from (n, m).
func myersScript(trace [][]int, n, m int) []byte {
	var rev []byte
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		prev := trace[d-1] // index k+(d-1)
		k := x - y
		var pk int
		if k == -d || (k != d && prev[k-1+d-1] < prev[k+1+d-1]) {
			pk = k + 1 // came down: insertion of b[y-1]
		} else {
			pk = k - 1 // came right: deletion of a[x-1]
		}
		px := prev[pk+d-1]
		py := px - pk
		sx, sy := px, py+1
		op := byte(opInsert)
		if pk == k-1 {
			sx, sy = px+1, py
			op = opDelete
		}
		for x > sx && y > sy {
			rev = append(rev, opEqual)
			x--
			y--
		}
		rev = append(rev, op)
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, opEqual)
		x--
		y--
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// patienceAnchors returns pairs (i, j) with a[i] == b[j] for lines that
// occur exactly once in a and once in b, keeping the longest run whose j
// increase with i (B. Cohen's patience diff).
func patienceAnchors(a, b []int32) [][2]int {
	type seen struct{ na, nb, ia, ib int }
	count := map[int32]*seen{}
	for i, x := range a {
		s := count[x]
		if s == nil {
			s = &seen{}
			count[x] = s
		}
		s.na++
		s.ia = i
	}
	for j, x := range b {
		if s := count[x]; s != nil {
			s.nb++
			s.ib = j
		}
	}
	var pairs [][2]int
	for i, x := range a {
		if s := count[x]; s.na == 1 && s.nb == 1 {
			pairs = append(pairs, [2]int{i, s.ib})
		}
	}
	js := make([]int, len(pairs))
	for k, p := range pairs {
		js[k] = p[1]
	}
	kept := lis(js)
	var out [][2]int
	for k, p := range pairs {
		if kept[k] {
			out = append(out, p)
		}
	}
	return out
}

// writeHunks writes the hunks of ops, merging changes that are at most
// 2*context equal lines apart, as diff -u does.
func writeHunks(w *strings.Builder, ops []byte, la, lb []string, context int) {
	posA := make([]int, len(ops)+1)
	posB := make([]int, len(ops)+1)
	for k, o := range ops {
		posA[k+1], posB[k+1] = posA[k], posB[k]
		if o != opInsert {
			posA[k+1]++
		}
		if o != opDelete {
			posB[k+1]++
		}
	}
	for k := 0; k < len(ops); {
		if ops[k] == opEqual {
			k++
			continue
		}
		start := max(0, k-context)
		end := k
		for {
			for end < len(ops) && ops[end] != opEqual {
				end++
			}
			e := end
			for e < len(ops) && ops[e] == opEqual {
				e++
			}
			if e < len(ops) && e-end <= 2*context {
				end = e
				continue
			}
			end = min(end+context, e)
			break
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n",
			hunkRange(posA[start], posA[end]-posA[start]), hunkRange(posB[start], posB[end]-posB[start]))
		for i := start; i < end; i++ {
			var line string
			switch ops[i] {
			case opInsert:
				line = lb[posB[i]]
			default:
				line = la[posA[i]]
			}
			w.WriteByte(ops[i])
			w.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				w.WriteString("\n\\ No newline at end of file\n")
			}
		}
		k = end
	}
}

// hunkRange formats a hunk range: "l" for one line, "l,n" otherwise,
// where l is the first line (1-based) or, for n == 0, the line before.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}
