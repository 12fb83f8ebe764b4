package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/assets"
)

// Asset is a host of a tenant's inventory with its software lists.
type Asset struct {
	TenantID    uint32        `json:"tenant_id"`
	Host        assets.Host   `json:"host"`
	Inventories []Inventory   `json:"inventories"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Source      string        `json:"source"`
	Changes     []AssetChange `json:"changes,omitempty"`
}

// Inventory is a host's software list from one source.
type Inventory struct {
	Source      string            `json:"source"` // cyclonedx, spdx, nmap
	File        string            `json:"file"`
	Complete    bool              `json:"complete"`
	CollectedAt time.Time         `json:"collected_at"`
	ImportedAt  time.Time         `json:"imported_at"`
	Software    []assets.Software `json:"software"`
	Ports       []assets.Port     `json:"ports,omitempty"`
}

// AssetChange is one entry of a host's history.
type AssetChange struct {
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Source string          `json:"source"`
	File   string          `json:"file"`
	Change json.RawMessage `json:"change"`
}

// ImportMeta says who imported what.
type ImportMeta struct {
	Actor string // who: "token:ops" or "cli"
	File  string // the file's name
}

// ImportResult counts what an import changed.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// hostDoc is the stored form of a host record: everything but software
// and ports, which live in inventories.
func hostDoc(h assets.Host) string {
	h.Software, h.Ports = nil, nil
	b, _ := json.Marshal(h)
	return string(b)
}

// PutHosts creates or updates host records of a tenant (a hosts file, or
// hosts a scan discovered). Each change is recorded in the history. An
// inventory (software and ports) attached to a host is stored with
// PutInventory semantics under source inv, unless inv is "".
func (s *Store) PutHosts(ctx context.Context, tenant uint32, hosts []assets.Host, inv string, complete bool, meta ImportMeta) (ImportResult, error) {
	var res ImportResult
	if meta.Actor == "" {
		return res, fmt.Errorf("put hosts: %w", invalid("actor", "who made the change is required"))
	}
	seen := map[string]bool{}
	for i, h := range hosts {
		if strings.TrimSpace(h.AssetID) == "" || len(h.AssetID) > 256 {
			return res, fmt.Errorf("put hosts: host %d: %w", i+1, invalid("asset_id", "must be 1-256 characters"))
		}
		if seen[h.AssetID] {
			return res, fmt.Errorf("put hosts: %w", invalid("asset_id", "%q appears twice in one import", h.AssetID))
		}
		seen[h.AssetID] = true
	}
	err := s.write(ctx, false, func(q querier) error {
		if err := requireTenant(ctx, q, tenant); err != nil {
			return err
		}
		now := s.now()
		for _, h := range hosts {
			old, err := loadHost(ctx, q, tenant, h.AssetID)
			created := errors.Is(err, sql.ErrNoRows)
			if err != nil && !created {
				return err
			}
			if !created && inv != "" {
				// A scan only adds what it saw; the record's own fields stay.
				h = mergeScanned(old, h)
			}
			change := assets.DiffHost(old, h)
			if created {
				_, err = q.exec(ctx, `INSERT INTO assets (tenant_id, asset_id, hostname, doc, source, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
					int64(tenant), h.AssetID, h.Hostname, hostDoc(h), h.Source, toNanos(now))
			} else if !change.Empty() {
				_, err = q.exec(ctx, `UPDATE assets SET hostname = ?, doc = ?, source = ?, updated_at = ? WHERE tenant_id = ? AND asset_id = ?`,
					h.Hostname, hostDoc(h), h.Source, toNanos(now), int64(tenant), h.AssetID)
			}
			if err != nil {
				return err
			}
			invChange := assets.Change{}
			if inv != "" {
				if invChange, err = putInventory(ctx, q, tenant, h.AssetID, Inventory{Source: inv, File: meta.File, Complete: complete,
					CollectedAt: h.InventoryCollectedAt, ImportedAt: now, Software: h.Software, Ports: h.Ports}); err != nil {
					return err
				}
			}
			change = change.Merge(invChange)
			switch {
			case created:
				res.Created++
			case change.Empty():
				res.Unchanged++
				continue
			default:
				res.Updated++
			}
			if err := addHistory(ctx, q, tenant, h.AssetID, now, h.Source, meta, change); err != nil {
				return err
			}
		}
		return bumpTriage(ctx, q)
	})
	if err != nil {
		return res, fmt.Errorf("put hosts of tenant %d: %w", tenant, err)
	}
	return res, nil
}

// mergeScanned keeps a host record's own fields and adds what a scan found.
func mergeScanned(old, scanned assets.Host) assets.Host {
	h := old
	h.Software, h.Ports = scanned.Software, scanned.Ports
	h.InventoryCollectedAt = scanned.InventoryCollectedAt
	for _, ip := range scanned.IPs {
		if !slices.Contains(h.IPs, ip) {
			h.IPs = append(h.IPs, ip)
		}
	}
	if h.Hostname == "" {
		h.Hostname = scanned.Hostname
	}
	if h.OS == "" {
		h.OS, h.OSVersion = scanned.OS, scanned.OSVersion
	}
	h.Source = old.Source
	return h
}

// PutInventory stores a host's software list from one source (an SBOM),
// replacing that source's previous list and recording what changed.
func (s *Store) PutInventory(ctx context.Context, tenant uint32, assetID string, inv Inventory, meta ImportMeta) (bool, error) {
	if meta.Actor == "" {
		return false, fmt.Errorf("put inventory: %w", invalid("actor", "who made the change is required"))
	}
	changed := false
	err := s.write(ctx, false, func(q querier) error {
		if _, err := loadHost(ctx, q, tenant, assetID); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("asset %q: %w", assetID, ErrNotFound)
		} else if err != nil {
			return err
		}
		now := s.now()
		inv.ImportedAt = now
		if inv.File == "" {
			inv.File = meta.File
		}
		change, err := putInventory(ctx, q, tenant, assetID, inv)
		if err != nil {
			return err
		}
		if change.Empty() {
			return nil
		}
		changed = true
		if _, err := q.exec(ctx, `UPDATE assets SET updated_at = ? WHERE tenant_id = ? AND asset_id = ?`, toNanos(now), int64(tenant), assetID); err != nil {
			return err
		}
		if err := addHistory(ctx, q, tenant, assetID, now, inv.Source, meta, change); err != nil {
			return err
		}
		return bumpTriage(ctx, q)
	})
	if err != nil {
		return false, fmt.Errorf("put inventory of %s: %w", assetID, err)
	}
	return changed, nil
}

func putInventory(ctx context.Context, q querier, tenant uint32, assetID string, inv Inventory) (assets.Change, error) {
	var oldSoftware string
	var oldComplete int
	err := q.queryRow(ctx, `SELECT software, complete FROM asset_inventories WHERE tenant_id = ? AND asset_id = ? AND source = ?`,
		int64(tenant), assetID, inv.Source).Scan(&oldSoftware, &oldComplete)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return assets.Change{}, err
	}
	var old []assets.Software
	if oldSoftware != "" {
		_ = json.Unmarshal([]byte(oldSoftware), &old)
	}
	change := assets.DiffSoftware(old, inv.Software)
	if errors.Is(err, sql.ErrNoRows) || (oldComplete == 1) != inv.Complete {
		change.Fields = map[string][2]string{"inventory_complete:" + inv.Source: {boolWord(oldComplete == 1 && err == nil), boolWord(inv.Complete)}}
	}
	sw, _ := json.Marshal(nonNil(inv.Software))
	ports, _ := json.Marshal(nonNil(inv.Ports))
	complete := boolInt(inv.Complete)
	_, err = q.exec(ctx, `INSERT INTO asset_inventories (tenant_id, asset_id, source, file, complete, collected_at, imported_at, software, ports)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, asset_id, source) DO UPDATE SET file = excluded.file, complete = excluded.complete,
		collected_at = excluded.collected_at, imported_at = excluded.imported_at, software = excluded.software, ports = excluded.ports`,
		int64(tenant), assetID, inv.Source, inv.File, complete, toNanos(inv.CollectedAt), toNanos(inv.ImportedAt), string(sw), string(ports))
	return change, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func boolWord(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func addHistory(ctx context.Context, q querier, tenant uint32, assetID string, at time.Time, source string, meta ImportMeta, change assets.Change) error {
	id, err := nextID(ctx, q, "asset_change")
	if err != nil {
		return err
	}
	b, _ := json.Marshal(change)
	_, err = q.exec(ctx, `INSERT INTO asset_history (id, tenant_id, asset_id, at, actor, source, file, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, int64(tenant), assetID, toNanos(at), meta.Actor, source, meta.File, string(b))
	return err
}

func loadHost(ctx context.Context, q querier, tenant uint32, assetID string) (assets.Host, error) {
	var doc string
	var h assets.Host
	if err := q.queryRow(ctx, `SELECT doc FROM assets WHERE tenant_id = ? AND asset_id = ?`, int64(tenant), assetID).Scan(&doc); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(doc), &h); err != nil {
		return h, fmt.Errorf("decode asset %s: %w", assetID, err)
	}
	return h, nil
}

// requireTenant returns ErrNotFound (wrapped) unless tenant has a row.
func requireTenant(ctx context.Context, q querier, tenant uint32) error {
	ok, err := tenantExists(ctx, q, tenant)
	if err == nil && !ok {
		err = fmt.Errorf("tenant %d: %w", tenant, ErrNotFound)
	}
	return err
}

// bumpTriage tells running servers that inventory, knowledge or triage
// settings changed, so verdicts must be recomputed.
func bumpTriage(ctx context.Context, q querier) error {
	_, err := q.exec(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'triage_revision'`)
	return err
}

// TriageRevision grows with every change to inventories, knowledge or
// triage settings.
func (s *Store) TriageRevision(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.q().queryRow(ctx, `SELECT value FROM counters WHERE name = 'triage_revision'`).Scan(&rev); err != nil {
		return 0, fmt.Errorf("read triage revision: %w", err)
	}
	return rev, nil
}

// Assets returns the hosts of the given tenants with their inventories,
// ordered by tenant and asset id. ip, when set, keeps the hosts that have it
// as an internal or public address.
func (s *Store) Assets(ctx context.Context, tenants []uint32, ip string) ([]Asset, error) {
	return s.assets(ctx, tenants, ip, "")
}

// assets lists hosts as Assets does; assetID, when set, keeps that one.
func (s *Store) assets(ctx context.Context, tenants []uint32, ip, assetID string) ([]Asset, error) {
	if len(tenants) == 0 {
		return nil, fmt.Errorf("list assets: %w", invalid("tenants", "no tenant in scope"))
	}
	var out []Asset
	err := s.read(ctx, func(q querier) error {
		where, args := tenantIn(tenants)
		if assetID != "" {
			where += " AND asset_id = ?"
			args = append(args, assetID)
		}
		rows, err := q.query(ctx, `SELECT tenant_id, asset_id, doc, source, updated_at FROM assets WHERE `+where+` ORDER BY tenant_id, asset_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		index := map[[2]string]int{}
		for rows.Next() {
			var a Asset
			var tenant, at int64
			var id, doc string
			if err := rows.Scan(&tenant, &id, &doc, &a.Source, &at); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(doc), &a.Host); err != nil {
				return fmt.Errorf("decode asset %s: %w", id, err)
			}
			if ip != "" && !hasIP(a.Host, ip) {
				continue
			}
			a.TenantID, a.UpdatedAt = uint32(tenant), fromNanos(at)
			index[[2]string{fmt.Sprint(tenant), id}] = len(out)
			out = append(out, a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		irows, err := q.query(ctx, `SELECT tenant_id, asset_id, source, file, complete, collected_at, imported_at, software, ports
			FROM asset_inventories WHERE `+where+` ORDER BY source`, args...)
		if err != nil {
			return err
		}
		defer irows.Close()
		for irows.Next() {
			var inv Inventory
			var tenant, complete, collected, imported int64
			var id, sw, ports string
			if err := irows.Scan(&tenant, &id, &inv.Source, &inv.File, &complete, &collected, &imported, &sw, &ports); err != nil {
				return err
			}
			i, ok := index[[2]string{fmt.Sprint(tenant), id}]
			if !ok {
				continue
			}
			inv.Complete, inv.CollectedAt, inv.ImportedAt = complete == 1, fromNanos(collected), fromNanos(imported)
			_ = json.Unmarshal([]byte(sw), &inv.Software)
			_ = json.Unmarshal([]byte(ports), &inv.Ports)
			out[i].Inventories = append(out[i].Inventories, inv)
		}
		return irows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list assets: %w", err)
	}
	return out, nil
}

func hasIP(h assets.Host, ip string) bool {
	for _, a := range slices.Concat(h.IPs, h.PublicIPs) {
		if a.String() == ip {
			return true
		}
	}
	return false
}

// Asset returns one host of the caller's tenants with its history;
// ErrNotFound when it does not exist or belongs to another tenant.
func (s *Store) Asset(ctx context.Context, tenants []uint32, assetID string) (Asset, error) {
	all, err := s.assets(ctx, tenants, "", assetID)
	if err != nil {
		return Asset{}, err
	}
	for _, a := range all {
		rows, err := s.q().query(ctx, `SELECT at, actor, source, file, change FROM asset_history WHERE tenant_id = ? AND asset_id = ? ORDER BY at, id`,
			int64(a.TenantID), assetID)
		if err != nil {
			return Asset{}, fmt.Errorf("asset %s history: %w", assetID, err)
		}
		defer rows.Close()
		for rows.Next() {
			var c AssetChange
			var at int64
			var change string
			if err := rows.Scan(&at, &c.Actor, &c.Source, &c.File, &change); err != nil {
				return Asset{}, err
			}
			c.At, c.Change = fromNanos(at), json.RawMessage(change)
			a.Changes = append(a.Changes, c)
		}
		return a, rows.Err()
	}
	return Asset{}, fmt.Errorf("asset %q: %w", assetID, ErrNotFound)
}
