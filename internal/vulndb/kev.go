package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The CISA KEV catalog
// (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json).

type kevCatalog struct {
	Title           string            `json:"title"`
	CatalogVersion  string            `json:"catalogVersion"`
	DateReleased    string            `json:"dateReleased"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
}

type kevEntry struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// parseKEV reads the catalog. Its entries are decoded one by one (the
// catalog is small), so one malformed entry costs only itself.
func parseKEV(data []byte, b *Bundle) error {
	var cat kevCatalog
	if err := json.Unmarshal(trimBOM(data), &cat); err != nil {
		return errJSON(data, err)
	}
	if cat.Vulnerabilities == nil {
		return errors.New("no vulnerabilities array")
	}
	t, err := parseTime(cat.DateReleased)
	if err != nil {
		return fmt.Errorf("dateReleased: %w", err)
	}
	b.Provenance.Date = t
	for i, raw := range cat.Vulnerabilities {
		var e kevEntry
		err := json.Unmarshal(raw, &e)
		name := e.CVEID
		if name == "" {
			name = fmt.Sprintf("vulnerabilities[%d]", i)
		}
		if err != nil {
			b.skip("%s: %v", name, err)
			continue
		}
		k, err := kevRecord(&e)
		if err != nil {
			b.skip("%s: %v", name, err)
			continue
		}
		b.KEV = append(b.KEV, k)
	}
	return nil
}

func kevRecord(e *kevEntry) (KEV, error) {
	id, err := NormalizeCVE(e.CVEID)
	if err != nil {
		return KEV{}, fmt.Errorf("cveID: %w", err)
	}
	added, err := parseTime(e.DateAdded)
	if err != nil {
		return KEV{}, fmt.Errorf("dateAdded: %w", err)
	}
	due, err := parseTime(e.DueDate)
	if err != nil {
		return KEV{}, fmt.Errorf("dueDate: %w", err)
	}
	return KEV{
		CVE:            id,
		VendorProject:  e.VendorProject,
		Product:        e.Product,
		Name:           e.VulnerabilityName,
		DateAdded:      added,
		DueDate:        due,
		Ransomware:     strings.EqualFold(e.KnownRansomwareCampaignUse, "Known"),
		Description:    e.ShortDescription,
		RequiredAction: e.RequiredAction,
		Notes:          e.Notes,
		CWEs:           e.CWEs,
	}, nil
}
