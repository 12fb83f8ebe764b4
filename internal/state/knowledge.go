package state

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/vulndb"
)

// KnowledgeSource is one imported knowledge file.
type KnowledgeSource struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Source     string    `json:"source"`
	FeedDate   time.Time `json:"feed_date,omitzero"`
	SHA256     string    `json:"sha256"`
	Records    int       `json:"records"`
	Skipped    []string  `json:"skipped,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
}

// knowledge record kinds, as stored.
const (
	kCVE       = "cve"
	kKEV       = "kev"
	kEPSS      = "epss"
	kFix       = "fix"
	kSignature = "signature"
)

// ImportKnowledge stores a bundle: its records replace earlier ones with
// the same key (a CVE id; distro, package and CVE; vendor and signature id).
func (s *Store) ImportKnowledge(ctx context.Context, b *vulndb.Bundle, actor string) (KnowledgeSource, error) {
	if actor == "" {
		return KnowledgeSource{}, fmt.Errorf("import knowledge: %w", invalid("actor", "who made the change is required"))
	}
	ks := KnowledgeSource{Kind: b.Provenance.Kind, Source: b.Provenance.Source, FeedDate: b.Provenance.Date,
		SHA256: b.Provenance.SHA256, Records: b.Provenance.Records, Skipped: b.Skipped, ImportedBy: actor}
	err := s.write(ctx, false, func(q querier) error {
		id, err := nextID(ctx, q, "knowledge_source")
		if err != nil {
			return err
		}
		ks.ID, ks.ImportedAt = id, s.now()
		skipped, _ := json.Marshal(nonNil(b.Skipped))
		if _, err := q.exec(ctx, `INSERT INTO knowledge_sources (id, kind, source, feed_date, sha256, records, skipped, imported_at, imported_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, ks.Kind, ks.Source, toNanos(ks.FeedDate), ks.SHA256, int64(ks.Records),
			string(skipped), toNanos(ks.ImportedAt), actor); err != nil {
			return err
		}
		put := func(kind, key string, doc any) error {
			d, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			_, err = q.exec(ctx, `INSERT INTO knowledge (kind, key, source_id, doc) VALUES (?, ?, ?, ?)
				ON CONFLICT (kind, key) DO UPDATE SET source_id = excluded.source_id, doc = excluded.doc`, kind, key, id, string(d))
			return err
		}
		for _, c := range b.CVEs {
			if err := put(kCVE, strings.ToUpper(c.ID), c); err != nil {
				return err
			}
		}
		for _, e := range b.KEV {
			if err := put(kKEV, strings.ToUpper(e.CVE), e); err != nil {
				return err
			}
		}
		for _, e := range b.EPSS {
			if err := put(kEPSS, strings.ToUpper(e.CVE), e); err != nil {
				return err
			}
		}
		for _, f := range b.Fixes {
			if err := put(kFix, f.Distro+"|"+strings.ToLower(f.Package)+"|"+strings.ToUpper(f.CVE), f); err != nil {
				return err
			}
		}
		for _, sg := range b.Signatures {
			if err := put(kSignature, strings.ToLower(sg.Vendor)+"|"+sg.ID, sg); err != nil {
				return err
			}
		}
		return bumpTriage(ctx, q)
	})
	if err != nil {
		return ks, fmt.Errorf("import knowledge %s: %w", b.Provenance.Source, err)
	}
	return ks, nil
}

// KnowledgeSources lists the imported files, newest first.
func (s *Store) KnowledgeSources(ctx context.Context) ([]KnowledgeSource, error) {
	rows, err := s.q().query(ctx, `SELECT id, kind, source, feed_date, sha256, records, skipped, imported_at, imported_by
		FROM knowledge_sources ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list knowledge sources: %w", err)
	}
	defer rows.Close()
	var out []KnowledgeSource
	for rows.Next() {
		var k KnowledgeSource
		var feed, at, records int64
		var skipped string
		if err := rows.Scan(&k.ID, &k.Kind, &k.Source, &feed, &k.SHA256, &records, &skipped, &at, &k.ImportedBy); err != nil {
			return nil, err
		}
		k.FeedDate, k.ImportedAt, k.Records = fromNanos(feed), fromNanos(at), int(records)
		_ = json.Unmarshal([]byte(skipped), &k.Skipped)
		out = append(out, k)
	}
	return out, rows.Err()
}

// Knowledge returns every stored record grouped by the file it last came
// from, oldest import first, each bundle with that file's provenance.
func (s *Store) Knowledge(ctx context.Context) ([]*vulndb.Bundle, error) {
	sources, err := s.KnowledgeSources(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*vulndb.Bundle{}
	var out []*vulndb.Bundle
	for i := len(sources) - 1; i >= 0; i-- {
		k := sources[i]
		b := &vulndb.Bundle{Provenance: vulndb.Provenance{Kind: k.Kind, Source: k.Source, Date: k.FeedDate, SHA256: k.SHA256, Records: k.Records}}
		byID[k.ID] = b
		out = append(out, b)
	}
	rows, err := s.q().query(ctx, `SELECT kind, source_id, doc FROM knowledge`)
	if err != nil {
		return nil, fmt.Errorf("load knowledge: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, doc string
		var src int64
		if err := rows.Scan(&kind, &src, &doc); err != nil {
			return nil, fmt.Errorf("load knowledge: %w", err)
		}
		b := byID[src]
		if b == nil {
			continue
		}
		if err := decodeKnowledge(b, kind, []byte(doc)); err != nil {
			return nil, fmt.Errorf("load knowledge: %s record of source %d: %w", kind, src, err)
		}
	}
	return out, rows.Err()
}

func decodeKnowledge(b *vulndb.Bundle, kind string, doc []byte) error {
	switch kind {
	case kCVE:
		var c vulndb.CVE
		if err := json.Unmarshal(doc, &c); err != nil {
			return err
		}
		b.CVEs = append(b.CVEs, c)
	case kKEV:
		var e vulndb.KEV
		if err := json.Unmarshal(doc, &e); err != nil {
			return err
		}
		b.KEV = append(b.KEV, e)
	case kEPSS:
		var e vulndb.EPSS
		if err := json.Unmarshal(doc, &e); err != nil {
			return err
		}
		b.EPSS = append(b.EPSS, e)
	case kFix:
		var f vulndb.DistroFix
		if err := json.Unmarshal(doc, &f); err != nil {
			return err
		}
		b.Fixes = append(b.Fixes, f)
	case kSignature:
		var sg vulndb.Signature
		if err := json.Unmarshal(doc, &sg); err != nil {
			return err
		}
		b.Signatures = append(b.Signatures, sg)
	}
	return nil
}
