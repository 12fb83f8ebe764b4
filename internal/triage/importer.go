package triage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/vulndb"
)

// ErrBadFile marks an import that failed because of the file's content
// (not the database): its message names the file, record and reason.
var ErrBadFile = errors.New("bad file")

func badFile(name string, err error) error { return fmt.Errorf("%w: %s: %w", ErrBadFile, name, err) }

// AssetImport says what to import and for whom.
type AssetImport struct {
	Tenant     state.Tenant
	File       string // its name, for history and errors
	Data       []byte
	AssetID    string // the host an SBOM describes (required for SBOMs)
	Partial    bool   // the SBOM lists part of the host's software only
	Actor      string
	ReceivedAt time.Time
}

// AssetImportResult reports an import.
type AssetImportResult struct {
	Kind string `json:"kind"` // hosts-csv, cyclonedx, spdx, nmap
	state.ImportResult
	Software int `json:"software,omitempty"` // entries in an SBOM
}

// ImportAssets detects the file's type — a hosts CSV, a CycloneDX or SPDX
// SBOM, an nmap XML scan — parses it and stores it in the tenant's
// inventory. Nothing is stored when the file has an error.
func ImportAssets(ctx context.Context, st *state.Store, in AssetImport) (AssetImportResult, error) {
	meta := state.ImportMeta{Actor: in.Actor, File: in.File}
	data := bytes.TrimPrefix(in.Data, []byte("\xef\xbb\xbf"))
	head := strings.TrimSpace(string(data[:min(len(data), 512)]))
	switch {
	case strings.HasPrefix(head, "{"):
		if in.AssetID == "" {
			return AssetImportResult{}, badFile(in.File, errors.New("an SBOM describes one host: name it with --asset (asset=ID)"))
		}
		sb, err := assets.ParseSBOM(in.Data)
		if err != nil {
			return AssetImportResult{}, badFile(in.File, err)
		}
		collected := sb.Created
		if collected.IsZero() {
			collected = in.ReceivedAt
		}
		inv := state.Inventory{Source: sb.Format, File: in.File, Complete: !in.Partial, CollectedAt: collected, Software: sb.Software}
		changed, err := st.PutInventory(ctx, in.Tenant.ID, in.AssetID, inv, meta)
		if err != nil {
			return AssetImportResult{}, err
		}
		res := AssetImportResult{Kind: sb.Format, Software: len(sb.Software)}
		if changed {
			res.Updated = 1
		} else {
			res.Unchanged = 1
		}
		return res, nil
	case strings.HasPrefix(head, "<"):
		hosts, err := assets.ParseNmapXML(bytes.NewReader(in.Data))
		if err != nil {
			return AssetImportResult{}, badFile(in.File, err)
		}
		hosts, err = matchScanned(ctx, st, in.Tenant.ID, hosts, in.ReceivedAt)
		if err != nil {
			return AssetImportResult{}, err
		}
		r, err := st.PutHosts(ctx, in.Tenant.ID, hosts, "nmap", false, meta)
		return AssetImportResult{Kind: "nmap", ImportResult: r}, err
	default:
		hosts, err := assets.ParseHostsCSV(bytes.NewReader(in.Data), in.Tenant.Name)
		if err != nil {
			return AssetImportResult{}, badFile(in.File, err)
		}
		r, err := st.PutHosts(ctx, in.Tenant.ID, hosts, "", false, meta)
		return AssetImportResult{Kind: "hosts-csv", ImportResult: r}, err
	}
}

// matchScanned gives scanned hosts the asset id of the inventory host that
// has their address; a host the inventory lacks gets its address as id.
func matchScanned(ctx context.Context, st *state.Store, tenant uint32, hosts []assets.Host, at time.Time) ([]assets.Host, error) {
	known, err := st.Assets(ctx, []uint32{tenant}, "")
	if err != nil {
		return nil, err
	}
	byIP := map[string]string{}
	for _, a := range known {
		for _, ip := range a.Host.IPs {
			byIP[ip.String()] = a.Host.AssetID
		}
	}
	for i := range hosts {
		h := &hosts[i]
		if h.InventoryCollectedAt.IsZero() {
			h.InventoryCollectedAt = at
		}
		for _, ip := range h.IPs {
			if id, ok := byIP[ip.String()]; ok {
				h.AssetID = id
				break
			}
		}
		if h.AssetID == "" && len(h.IPs) > 0 {
			h.AssetID = h.IPs[0].String()
		}
		if h.Source == "" {
			h.Source = "nmap"
		}
	}
	return hosts, nil
}

// ImportKnowledge parses a knowledge file (type detected from content) and
// stores it.
func ImportKnowledge(ctx context.Context, st *state.Store, file string, data []byte, actor string) (state.KnowledgeSource, error) {
	b, err := vulndb.Import(file, data)
	if err != nil {
		return state.KnowledgeSource{}, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	return st.ImportKnowledge(ctx, b, actor)
}
