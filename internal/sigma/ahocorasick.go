package sigma

import "sort"

// acAutomaton finds, in one pass over a text, which of many literals occur
// in it (Aho and Corasick, "Efficient string matching", CACM 1975). Each
// literal carries a list of outputs (rule numbers). Transitions are stored
// sparsely, with a dense table for the root, which keeps the automaton for
// the whole SigmaHQ corpus to a few megabytes.
type acAutomaton struct {
	root  [256]int32
	nodes []acNode
	edges []acEdge
	outs  []int32
}

type acNode struct {
	edgeLo, edgeHi int32 // edges[edgeLo:edgeHi], sorted by byte
	fail           int32
	dict           int32 // nearest node on the fail chain with outputs, or -1
	outLo, outHi   int32 // outs[outLo:outHi]
}

type acEdge struct {
	b    byte
	next int32
}

type acBuilder struct {
	next  map[uint64]int32 // (state<<8 | byte) -> state
	outs  [][]int32        // per state
	count int32
}

func newACBuilder() *acBuilder {
	return &acBuilder{next: map[uint64]int32{}, outs: [][]int32{nil}, count: 1}
}

// add registers literal (non-empty) with output out.
func (b *acBuilder) add(literal string, out int32) {
	s := int32(0)
	for i := 0; i < len(literal); i++ {
		k := uint64(s)<<8 | uint64(literal[i])
		n, ok := b.next[k]
		if !ok {
			n = b.count
			b.count++
			b.next[k] = n
			b.outs = append(b.outs, nil)
		}
		s = n
	}
	for _, o := range b.outs[s] {
		if o == out {
			return
		}
	}
	b.outs[s] = append(b.outs[s], out)
}

func (b *acBuilder) build() *acAutomaton {
	n := int(b.count)
	a := &acAutomaton{nodes: make([]acNode, n), edges: make([]acEdge, 0, len(b.next))}
	// Edges sorted by (state, byte) give every state its slice of edges.
	keys := make([]uint64, 0, len(b.next))
	for k := range b.next {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		s := int32(k >> 8)
		if a.nodes[s].edgeHi == 0 {
			a.nodes[s].edgeLo = int32(len(a.edges))
		}
		a.edges = append(a.edges, acEdge{b: byte(k), next: b.next[k]})
		a.nodes[s].edgeHi = int32(len(a.edges))
	}
	child := func(s int32, c byte) (int32, bool) {
		lo, hi := a.nodes[s].edgeLo, a.nodes[s].edgeHi
		for lo < hi {
			m := (lo + hi) / 2
			if a.edges[m].b < c {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < a.nodes[s].edgeHi && a.edges[lo].b == c {
			return a.edges[lo].next, true
		}
		return 0, false
	}
	// Breadth-first order gives fail links from shallower states.
	queue := make([]int32, 0, n)
	for e := a.nodes[0].edgeLo; e < a.nodes[0].edgeHi; e++ {
		queue = append(queue, a.edges[e].next)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		for e := a.nodes[s].edgeLo; e < a.nodes[s].edgeHi; e++ {
			c, next := a.edges[e].b, a.edges[e].next
			f := a.nodes[s].fail
			for {
				if t, ok := child(f, c); ok {
					a.nodes[next].fail = t
					break
				}
				if f == 0 {
					a.nodes[next].fail = 0
					break
				}
				f = a.nodes[f].fail
			}
			queue = append(queue, next)
		}
	}
	for s := 0; s < n; s++ {
		nd := &a.nodes[s]
		nd.outLo = int32(len(a.outs))
		a.outs = append(a.outs, b.outs[s]...)
		nd.outHi = int32(len(a.outs))
	}
	// dict links, in BFS order so that fail targets are done first.
	a.nodes[0].dict = -1
	for _, s := range queue {
		f := a.nodes[s].fail
		switch {
		case f == 0:
			a.nodes[s].dict = -1
		case a.nodes[f].outHi > a.nodes[f].outLo:
			a.nodes[s].dict = f
		default:
			a.nodes[s].dict = a.nodes[f].dict
		}
	}
	for c := 0; c < 256; c++ {
		a.root[c], _ = child(0, byte(c))
	}
	return a
}

func (a *acAutomaton) step(s int32, c byte) int32 {
	for s != 0 {
		nd := &a.nodes[s]
		lo, hi := nd.edgeLo, nd.edgeHi
		if hi-lo <= 8 {
			for e := lo; e < hi; e++ {
				if a.edges[e].b == c {
					return a.edges[e].next
				}
			}
		} else {
			for lo < hi {
				m := (lo + hi) / 2
				if a.edges[m].b < c {
					lo = m + 1
				} else {
					hi = m
				}
			}
			if lo < nd.edgeHi && a.edges[lo].b == c {
				return a.edges[lo].next
			}
		}
		s = nd.fail
	}
	return a.root[c]
}

// scan reports every output of every literal found in text to mark.
func (a *acAutomaton) scan(text string, mark *bitset) {
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.step(s, text[i])
		if s == 0 {
			continue
		}
		for o := s; o >= 0; o = a.nodes[o].dict {
			nd := &a.nodes[o]
			for _, out := range a.outs[nd.outLo:nd.outHi] {
				mark.set(int(out))
			}
			if o == 0 {
				break
			}
		}
	}
}

// bitset is a set of small integers.
type bitset []uint64

func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) clear() {
	for i := range b {
		b[i] = 0
	}
}
