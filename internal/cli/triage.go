package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/triage"
)

// maxImportFile bounds an inventory or knowledge file read into memory.
const maxImportFile = 2 << 30

func readImportFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxImportFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxImportFile)
	}
	return data, nil
}

func runAssetsImport(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "assets import")
	var df dataFlags
	df.register(fs)
	tenant := fs.String("tenant", "", "the tenant whose inventory this is (required)")
	asset := fs.String("asset", "", "the host an SBOM describes (required for SBOMs)")
	partial := fs.Bool("partial", false, "the SBOM lists only part of the host's software")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *tenant == "" || len(pos) == 0 {
		return fmt.Errorf("%w: want --tenant T and FILE... (hosts.csv, an SBOM with --asset ID, or an nmap XML)", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return err
	}
	for _, name := range pos {
		data, err := readImportFile(name)
		if err != nil {
			return err
		}
		res, err := triage.ImportAssets(ctx, st, triage.AssetImport{
			Tenant: t, File: filepath.Base(name), Data: data, AssetID: *asset, Partial: *partial, Actor: "cli", ReceivedAt: time.Now(),
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: %s: %d created, %d updated, %d unchanged", name, res.Kind, res.Created, res.Updated, res.Unchanged)
		if res.Software > 0 {
			fmt.Fprintf(env.Stdout, ", %d software entries", res.Software)
		}
		fmt.Fprintln(env.Stdout)
	}
	return nil
}

func runAssetsList(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "assets list")
	var df dataFlags
	df.register(fs)
	tenant := fs.String("tenant", "", "the tenant (required)")
	out := fs.String("o", "table", "output: table or json")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return fmt.Errorf("%w: --tenant is required", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return err
	}
	list, err := st.Assets(ctx, []uint32{t.ID}, "")
	if err != nil {
		return err
	}
	if *out == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		for _, a := range list {
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSET\tHOSTNAME\tIP\tPUBLIC IP\tOS\tINVENTORY\tSOFTWARE")
	for _, a := range list {
		n := 0
		var invs []string
		for _, inv := range a.Inventories {
			n += len(inv.Software)
			word := "partial"
			if inv.Complete {
				word = "complete"
			}
			invs = append(invs, inv.Source+" "+word+" "+inv.CollectedAt.Format(time.DateOnly))
		}
		if a.Host.InventoryComplete {
			invs = append(invs, "declared complete "+a.Host.InventoryCollectedAt.Format(time.DateOnly))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", a.Host.AssetID, a.Host.Hostname, addrs(a.Host.IPs), addrs(a.Host.PublicIPs),
			strings.TrimSpace(a.Host.OS+" "+a.Host.OSVersion), strings.Join(invs, "; "), n)
	}
	return tw.Flush()
}

func addrs[T fmt.Stringer](as []T) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ";")
}

func runKnowledgeImport(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "knowledge import")
	var df dataFlags
	df.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: want FILE... (NVD CVE 2.0 JSON, CISA KEV JSON, EPSS CSV, Debian tracker JSON, Suricata rules, Sigma YAML, signature CSV)", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, name := range pos {
		data, err := readImportFile(name)
		if err != nil {
			return err
		}
		ks, err := triage.ImportKnowledge(ctx, st, filepath.Base(name), data, "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s: %s, %d records", name, ks.Kind, ks.Records)
		if !ks.FeedDate.IsZero() {
			fmt.Fprintf(env.Stdout, ", feed date %s", ks.FeedDate.Format(time.DateOnly))
		}
		if len(ks.Skipped) > 0 {
			fmt.Fprintf(env.Stdout, ", %d skipped (first: %s)", len(ks.Skipped), ks.Skipped[0])
		}
		fmt.Fprintln(env.Stdout)
	}
	return nil
}

func runKnowledgeList(ctx context.Context, env Env, args []string) error {
	return withState(ctx, env, "knowledge list", args, func(st *state.Store) error {
		list, err := st.KnowledgeSources(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tFILE\tFEED DATE\tRECORDS\tIMPORTED")
		for _, k := range list {
			feed := "-"
			if !k.FeedDate.IsZero() {
				feed = k.FeedDate.Format(time.DateOnly)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", k.ID, k.Kind, k.Source, feed, k.Records, k.ImportedAt.Local().Format(time.DateTime))
		}
		return tw.Flush()
	})
}

func runTriageSettings(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "triage settings")
	var df dataFlags
	df.register(fs)
	tenant := fs.String("tenant", "", "the tenant (required)")
	policy := fs.String("policy", "relevant", "relevant (report what can hurt) or all (report every attempt)")
	fresh := fs.Int("fresh-days", 30, "an inventory older than this many days cannot hide an alert")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tenant == "" {
		return fmt.Errorf("%w: --tenant is required", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return err
	}
	ts, err := st.SetTriageSetting(ctx, state.TriageSetting{TenantID: t.ID, Policy: *policy, FreshDays: *fresh, UpdatedBy: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "tenant %s: policy %s, inventory fresh for %d days\n", t.Name, ts.Policy, ts.FreshDays)
	return nil
}

// runTriageExplain prints an alert's verdict and its evidence chain.
func runTriageExplain(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "triage explain")
	var cf clientFlags
	cf.register(fs, env)
	out := fs.String("o", "text", "output: text or json")
	lang := fs.String("lang", "en", "language of the reason: en or ja")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want exactly one ALERT_ID", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	resp, err := cf.do(ctx, http.MethodGet, "/api/v1/alerts/"+url.PathEscape(pos[0]), nil, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var res struct{ Alert state.Alert }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("read alert: %w", err)
	}
	if len(res.Alert.Triage) == 0 {
		return fmt.Errorf("alert %s has not been triaged yet", pos[0])
	}
	if *out == "json" {
		_, err := env.Stdout.Write(append(res.Alert.Triage, '\n'))
		return err
	}
	var r triage.Result
	if err := json.Unmarshal(res.Alert.Triage, &r); err != nil {
		return fmt.Errorf("read verdict: %w", err)
	}
	return triage.Explain(env.Stdout, res.Alert.ID, r, *lang)
}
