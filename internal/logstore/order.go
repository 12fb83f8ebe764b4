package logstore

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// Rows reach the engine with their fields sorted by name.
//
// The engine sorts each row's fields by name before it builds a part,
// which costs little when a row is sorted already, and builds a block's
// columns faster from rows whose fields come in the same order. Rows of
// one kind of line share their field names, so the order is worked out
// once per list of names (fieldOrders) and each row is copied in that
// order. The stream's tags go beside the row (logstorage.InsertRow), since
// a row passed to LogRows.MustAdd must begin with its stream fields.
//
// `perf` of the server during `sekimori bench ingest --lines 2000000`, one
// build against the other: the engine's part building 30.0% -> 19.8% of
// the CPU (its per-row sort 7.5% -> 2.3%, its block building 8.3% ->
// 4.7%), for 2.2% spent sorting here and 1% on the stream tags. Five
// pairs: 26,309-35,273 -> 28,337-37,736 lines per CPU-second (means
// 31,490 -> 34,209).

// fieldOrders caches, for each list of field names seen, the order that
// sorts it. Safe for concurrent use.
type fieldOrders struct {
	m sync.Map // namesHash -> *fieldOrder
	// size counts the entries; past maxOrders new lists are sorted each
	// time and not kept (a source with ever-changing names cannot grow
	// the cache; racing adds may pass it by a few).
	size atomic.Int64
}

// maxOrders bounds the lists of names fieldOrders keeps.
const maxOrders = 4096

// fieldOrder is a list of names and the indexes that sort it (stably).
type fieldOrder struct {
	names []string
	perm  []int
}

var ordersSeed = maphash.MakeSeed()

// namesHash hashes the names of fields, in order.
func namesHash(fields []logstorage.Field) uint64 {
	var h maphash.Hash
	h.SetSeed(ordersSeed)
	for _, f := range fields {
		h.WriteString(f.Name)
		h.WriteByte(0xff) // not in UTF-8: ends the name
	}
	return h.Sum64()
}

// sorted appends fields to dst ordered by name; fields of the same name
// keep their order.
func (o *fieldOrders) sorted(dst, fields []logstorage.Field) []logstorage.Field {
	h := namesHash(fields)
	v, ok := o.m.Load(h)
	fo, _ := v.(*fieldOrder)
	if !ok || !fo.matches(fields) {
		fo = newFieldOrder(fields)
		if o.size.Load() < maxOrders {
			if _, loaded := o.m.LoadOrStore(h, fo); !loaded {
				o.size.Add(1)
			}
		}
	}
	for _, i := range fo.perm {
		dst = append(dst, fields[i])
	}
	return dst
}

func newFieldOrder(fields []logstorage.Field) *fieldOrder {
	fo := &fieldOrder{names: make([]string, len(fields)), perm: make([]int, len(fields))}
	for i, f := range fields {
		fo.names[i] = strings.Clone(f.Name) // the parser's names may point into a reused line
		fo.perm[i] = i
	}
	slices.SortStableFunc(fo.perm, func(a, b int) int { return cmp.Compare(fo.names[a], fo.names[b]) })
	return fo
}

// matches reports whether fields have exactly fo's names, in order.
func (fo *fieldOrder) matches(fields []logstorage.Field) bool {
	if len(fields) != len(fo.names) {
		return false
	}
	for i, f := range fields {
		if f.Name != fo.names[i] {
			return false
		}
	}
	return true
}

// streamTags appends the engine's canonical form of the stream tags of a
// row whose stream fields are fields (as LogRows.MustAdd reads them).
func streamTags(dst []byte, fields []logstorage.Field) []byte {
	st := logstorage.GetStreamTags()
	for _, f := range fields {
		st.Add(f.Name, f.Value)
	}
	dst = st.MarshalCanonical(dst)
	logstorage.PutStreamTags(st)
	return dst
}
