package triage

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Explain writes a verdict's evidence chain for people: the verdict and
// whether it is reported, the reason (in lang, "en" or "ja"), the
// signature and where its knowledge came from, the target host and its
// inventory, and each check.
func Explain(w io.Writer, alertID int64, r Result, lang string) error {
	reason := r.Reason[lang]
	if reason == "" {
		reason = r.Reason["en"]
	}
	report := "reported to the customer"
	if !r.Report {
		report = "hidden from the customer (one click away)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "alert %d: %s — %s\n", alertID, r.Verdict, report)
	fmt.Fprintf(&b, "  reason:     %s\n", reason)
	fmt.Fprintf(&b, "  confidence: %s, urgency: %s, policy: %s\n", r.Confidence, r.Urgency, r.Evidence.Policy)
	if s := r.Evidence.Signature; s != nil {
		fmt.Fprintf(&b, "signature %s %s", s.Vendor, s.ID)
		if s.Name != "" {
			fmt.Fprintf(&b, " %q", s.Name)
		}
		b.WriteByte('\n')
		if len(s.CVEs) > 0 {
			fmt.Fprintf(&b, "  CVEs:       %s\n", strings.Join(s.CVEs, ", "))
		}
		if len(s.Products) > 0 {
			fmt.Fprintf(&b, "  products:   %s\n", strings.Join(s.Products, ", "))
		}
		if s.Target != "" {
			fmt.Fprintf(&b, "  targets:    %s side\n", s.Target)
		}
		if s.Source.Kind != "" {
			fmt.Fprintf(&b, "  known from: %s\n", sourceText(s.Source))
		}
	}
	if a := r.Evidence.Asset; a != nil {
		fmt.Fprintf(&b, "host %s", a.AssetID)
		if a.Hostname != "" {
			fmt.Fprintf(&b, " (%s)", a.Hostname)
		}
		fmt.Fprintf(&b, ", matched by %s", a.MatchedBy)
		if a.Role != "" {
			fmt.Fprintf(&b, ", role %s", a.Role)
		}
		if a.Criticality != "" {
			fmt.Fprintf(&b, ", criticality %s", a.Criticality)
		}
		b.WriteByte('\n')
		if a.Complete {
			fresh := "fresh"
			if !a.Fresh {
				fresh = "stale"
			}
			fmt.Fprintf(&b, "  inventory:  complete, collected %s (%d days before the alert: %s)\n", a.CollectedAt.Format(time.DateOnly), a.AgeDays, fresh)
		} else {
			fmt.Fprintf(&b, "  inventory:  partial (cannot prove a product absent)\n")
		}
		for _, s := range a.Sources {
			fmt.Fprintf(&b, "  source:     %s\n", sourceText(s))
		}
	}
	for _, c := range r.Evidence.Checks {
		label := c.CVE
		if label == "" {
			label = "product"
		}
		fmt.Fprintf(&b, "check %s on %s: %s\n", label, c.Product, c.Outcome)
		if c.Software != "" {
			fmt.Fprintf(&b, "  installed:  %s %s\n", c.Software, c.Installed)
		}
		if c.Rule != "" {
			fmt.Fprintf(&b, "  rule:       %s", c.Rule)
			if c.RuleSource.Kind != "" {
				fmt.Fprintf(&b, " (from %s)", sourceText(c.RuleSource))
			}
			b.WriteByte('\n')
		}
		if c.Comparison != "" {
			fmt.Fprintf(&b, "  comparison: %s\n", c.Comparison)
		}
		if c.Platform != "" {
			fmt.Fprintf(&b, "  platform:   %s\n", c.Platform)
		}
		if c.KEV || c.EPSS != nil {
			var x []string
			if c.KEV {
				x = append(x, "in CISA KEV (known exploited)")
			}
			if c.EPSS != nil {
				x = append(x, fmt.Sprintf("EPSS %.3f", *c.EPSS))
			}
			fmt.Fprintf(&b, "  exploited:  %s\n", strings.Join(x, ", "))
		}
	}
	if r.Task != nil {
		fmt.Fprintf(&b, "data-quality task: %s %s\n", r.Task.Kind, r.Task.Subject)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sourceText(s Source) string {
	t := s.Kind
	if s.Name != "" {
		t += " " + s.Name
	}
	if !s.Date.IsZero() {
		t += " of " + s.Date.Format(time.DateOnly)
	}
	return t
}
