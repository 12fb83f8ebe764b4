package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/devconfig"
	"github.com/sekimori/sekimori/internal/ruleaudit"
	"github.com/sekimori/sekimori/internal/state"
)

// deviceFlags name one device: --device N, with --tenant T when the name
// is used in several tenants.
type deviceFlags struct {
	dataFlags
	device, tenant string
}

func (d *deviceFlags) register(fs *flag.FlagSet) {
	d.dataFlags.register(fs)
	fs.StringVar(&d.device, "device", "", "the device's name (required)")
	fs.StringVar(&d.tenant, "tenant", "", "the device's tenant (needed when several tenants have a device of that name)")
}

// open opens the state database and finds the device.
func (d *deviceFlags) open(ctx context.Context) (*state.Store, state.Device, error) {
	if d.device == "" {
		return nil, state.Device{}, fmt.Errorf("%w: --device is required", ErrUsage)
	}
	st, err := openState(ctx, &d.dataFlags)
	if err != nil {
		return nil, state.Device{}, err
	}
	dev, err := findDevice(ctx, st, d.tenant, d.device)
	if err != nil {
		st.Close()
		return nil, state.Device{}, err
	}
	return st, dev, nil
}

// withDevice runs a command on one device: it parses the command's flags
// (extra registers any besides --device/--tenant/--data/--config), opens
// the state database, finds the device and calls fn with the positional
// arguments.
func withDevice(ctx context.Context, env Env, name string, args []string, extra func(fs *flag.FlagSet),
	fn func(st *state.Store, dev state.Device, pos []string) error) error {
	fs := newFlagSet(env, name)
	var df deviceFlags
	df.register(fs)
	if extra != nil {
		extra(fs)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, dev, pos)
}

func findDevice(ctx context.Context, st *state.Store, tenant, name string) (state.Device, error) {
	if tenant != "" {
		t, err := st.TenantByName(ctx, tenant)
		if err != nil {
			return state.Device{}, err
		}
		return st.Device(ctx, t.ID, name)
	}
	ts, err := st.ListTenants(ctx)
	if err != nil {
		return state.Device{}, err
	}
	var found []state.Device
	for _, t := range ts {
		if d, err := st.Device(ctx, t.ID, name); err == nil {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return state.Device{}, fmt.Errorf("device %q: %w", name, state.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return state.Device{}, fmt.Errorf("%w: %d tenants have a device %q: name one with --tenant", ErrUsage, len(found), name)
}

func runConfigsImport(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "configs import")
	var df deviceFlags
	df.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: want FILE... (FortiOS backup, RTX show config, IOS/ASA show running-config)", ErrUsage)
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, name := range pos {
		data, err := readImportFile(name)
		if err != nil {
			return err
		}
		res, err := devconfig.Keep(ctx, st, dev, data, "upload", "cli:"+filepath.Base(name))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		printKept(env, name, res)
	}
	return nil
}

func runConfigsList(ctx context.Context, env Env, args []string) error {
	return withDevice(ctx, env, "configs list", args, nil, func(st *state.Store, dev state.Device, _ []string) error {
		gens, err := st.ConfigGenerations(ctx, []uint32{dev.TenantID}, dev.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "GEN\tPULLED\tMETHOD\tFIRMWARE\tSIZE\tCHANGE\tSHA256")
		for _, g := range gens {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%.12s\n", g.Gen, g.PulledAt.Local().Format(time.DateTime), g.Method, g.Firmware, g.Size, g.Severity, g.SHA256)
		}
		return tw.Flush()
	})
}

func runConfigsShow(ctx context.Context, env Env, args []string) error {
	var masked *bool
	return withDevice(ctx, env, "configs show", args, func(fs *flag.FlagSet) {
		masked = fs.Bool("masked", false, "replace secrets with a placeholder")
	}, func(st *state.Store, dev state.Device, pos []string) error {
		gen, err := genArg(pos, 0)
		if err != nil {
			return err
		}
		g, data, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, gen)
		if err != nil {
			return err
		}
		if *masked {
			data = devconfig.Mask(devconfig.Kind(g.Kind), data)
		}
		_, err = env.Stdout.Write(data)
		return err
	})
}

func genArg(pos []string, i int) (int, error) {
	if len(pos) <= i {
		return 0, nil
	}
	n, err := strconv.Atoi(pos[i])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: generation %q: want a positive number", ErrUsage, pos[i])
	}
	return n, nil
}

// runConfigsDiff prints the semantic diff then the unified diff (secrets
// masked) between two generations: by default the latest and the one
// before it.
func runConfigsDiff(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "configs diff")
	var df deviceFlags
	df.register(fs)
	contextLines := fs.Int("context", 3, "lines of context in the unified diff")
	only := fs.String("only", "", "semantic or unified (default both)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 || len(pos) > 2 {
		return fmt.Errorf("%w: want no generation (latest two) or GEN_A GEN_B", ErrUsage)
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	a, b := 0, 0
	if len(pos) == 2 {
		if a, err = genArg(pos, 0); err != nil {
			return err
		}
		if b, err = genArg(pos, 1); err != nil {
			return err
		}
	} else {
		gens, err := st.ConfigGenerations(ctx, []uint32{dev.TenantID}, dev.ID)
		if err != nil {
			return err
		}
		if len(gens) < 2 {
			return fmt.Errorf("device %s has %d generation(s): nothing to compare", dev.Name, len(gens))
		}
		a, b = gens[1].Gen, gens[0].Gen
	}
	ga, da, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, a)
	if err != nil {
		return err
	}
	gb, db, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, b)
	if err != nil {
		return err
	}
	d := devconfig.Compare(devconfig.Kind(gb.Kind), da, db)
	if *only != "unified" {
		fmt.Fprintf(env.Stdout, "# %s: generation %d → %d\n", dev.Name, ga.Gen, gb.Gen)
		for _, c := range d.Semantic {
			fmt.Fprintf(env.Stdout, "# %s\n", c)
		}
	}
	if *only != "semantic" {
		fmt.Fprint(env.Stdout, devconfig.UnifiedDiff(fmt.Sprintf("%s@%d", dev.Name, ga.Gen), fmt.Sprintf("%s@%d", dev.Name, gb.Gen),
			devconfig.Mask(devconfig.Kind(ga.Kind), da), devconfig.Mask(devconfig.Kind(gb.Kind), db), *contextLines))
	}
	return nil
}

// runConfigsRestoreScript prints the CLI that brings the device's latest
// configuration back to generation GEN (FortiOS).
func runConfigsRestoreScript(ctx context.Context, env Env, args []string) error {
	return withDevice(ctx, env, "configs restore-script", args, nil, func(st *state.Store, dev state.Device, pos []string) error {
		if len(pos) != 1 {
			return fmt.Errorf("%w: want the GEN to restore", ErrUsage)
		}
		gen, err := genArg(pos, 0)
		if err != nil {
			return err
		}
		_, cur, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, 0)
		if err != nil {
			return err
		}
		_, target, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, gen)
		if err != nil {
			return err
		}
		script, err := devconfig.RestoreDelta(cur, target)
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(env.Stdout, script)
		return err
	})
}

func readSecretFile(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// runConfigsSource stores how to pull a device's configuration. Secrets
// come from files (or the environment), never from the command line, where
// other users could read them; they are sealed before they are stored.
func runConfigsSource(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "configs source")
	var df deviceFlags
	df.register(fs)
	method := fs.String("method", "api", "api (FortiOS REST) or ssh")
	address := fs.String("address", "", "host or host:port of the device's management interface (required)")
	kind := fs.String("kind", "fortios", "fortios, yamaha_rtx, cisco_ios or cisco_asa")
	tokenFile := fs.String("token-file", "", "file holding the FortiOS REST API token (or set SEKIMORI_DEVICE_TOKEN)")
	user := fs.String("user", "", "SSH user")
	passwordFile := fs.String("password-file", "", "file holding the SSH password (or set SEKIMORI_DEVICE_PASSWORD)")
	keyFile := fs.String("key-file", "", "SSH private key (PEM, unencrypted)")
	enableFile := fs.String("enable-password-file", "", "file holding the Cisco enable password")
	vdom := fs.String("vdom", "", "FortiOS VDOM (default: global scope)")
	every := fs.Duration("every", 24*time.Hour, "pull interval (whole hours)")
	tlsPin := fs.String("tls-fingerprint", "", "SHA-256 of the device's certificate (hex), pinned instead of CA verification")
	insecure := fs.Bool("insecure", false, "accept any certificate (labs only)")
	hostKey := fs.String("host-key", "", "SSH host key to pin (SHA256:...); default: trust the first one seen and pin it")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *address == "" {
		return fmt.Errorf("%w: --address is required", ErrUsage)
	}
	var c collect.Credentials
	var err error
	if c.Token, err = readSecretFile(*tokenFile); err != nil {
		return err
	}
	if c.Token == "" {
		c.Token = env.Getenv("SEKIMORI_DEVICE_TOKEN")
	}
	if c.Password, err = readSecretFile(*passwordFile); err != nil {
		return err
	}
	if c.Password == "" {
		c.Password = env.Getenv("SEKIMORI_DEVICE_PASSWORD")
	}
	if c.EnablePassword, err = readSecretFile(*enableFile); err != nil {
		return err
	}
	if *keyFile != "" {
		if c.PrivateKey, err = os.ReadFile(*keyFile); err != nil {
			return err
		}
	}
	c.User = *user
	if *method == "api" && c.Token == "" {
		return fmt.Errorf("%w: --method api needs --token-file (or SEKIMORI_DEVICE_TOKEN)", ErrUsage)
	}
	if *method == "ssh" && (c.User == "" || c.Password == "" && len(c.PrivateKey) == 0) {
		return fmt.Errorf("%w: --method ssh needs --user and --password-file or --key-file", ErrUsage)
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	src := state.CollectSource{DeviceID: dev.ID, Kind: *kind, Method: *method, Address: *address, VDOM: *vdom,
		EveryHours: max(1, int(every.Hours())), Credentials: collect.SealCredentials(st.Secrets, dev.ID, c), HostKey: *hostKey,
		TLSSHA256: *tlsPin, Insecure: *insecure, UpdatedBy: "cli"}
	if err := st.SetCollectSource(ctx, src); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "device %s: pull %s config over %s from %s every %dh (credentials sealed)\n", dev.Name, *kind, *method, *address, src.EveryHours)
	return nil
}

// runConfigsPull pulls a device's configuration now.
func runConfigsPull(ctx context.Context, env Env, args []string) error {
	return withDevice(ctx, env, "configs pull", args, nil, func(st *state.Store, dev state.Device, _ []string) error {
		res, err := collect.NewScheduler(st, st.Secrets, nil).Pull(ctx, dev.ID, cliActor(env))
		if err != nil {
			return err
		}
		printKept(env, dev.Name, res)
		return nil
	})
}

func printKept(env Env, name string, res devconfig.Result) {
	if !res.New {
		fmt.Fprintf(env.Stdout, "%s: unchanged (same as generation %d, secrets masked)\n", name, res.Generation.Gen)
		return
	}
	fmt.Fprintf(env.Stdout, "%s: generation %d (%s, firmware %s), change %s", name, res.Generation.Gen, res.Generation.Kind, res.Generation.Firmware, res.Severity)
	if r := res.Reason["en"]; r != "" {
		fmt.Fprintf(env.Stdout, ": %s", r)
	}
	fmt.Fprintln(env.Stdout)
	for _, c := range res.Changes {
		fmt.Fprintf(env.Stdout, "  %s\n", c)
	}
}

// runAuditRuleset audits a device's ruleset from a stored generation.
func runAuditRuleset(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "audit ruleset")
	var df deviceFlags
	df.register(fs)
	gen := fs.Int("generation", 0, "the generation to audit (default the latest)")
	out := fs.String("o", "text", "output: text or json")
	lang := fs.String("lang", "en", "language of the explanations: en or ja")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out != "text" && *out != "json" {
		return fmt.Errorf("%w: -o must be text or json", ErrUsage)
	}
	if df.device == "" && df.tenant != "" {
		return auditTenant(ctx, env, &df, *out)
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	da, err := ruleaudit.AuditDevice(ctx, st, dev, *gen, time.Now(), nil)
	if err != nil {
		return err
	}
	if *out == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(da)
	}
	fmt.Fprintf(env.Stdout, "%s generation %d (%s): score %d/100\n", da.Device, da.Generation, da.Firmware, da.Score)
	for _, r := range da.Reports {
		if len(da.Reports) > 1 {
			fmt.Fprintf(env.Stdout, "vdom %s: score %d, %d rules\n", r.Device, r.Score, r.Rules)
		}
		for _, f := range r.Findings {
			msg := f.Message[*lang]
			if msg == "" {
				msg = f.Message["en"]
			}
			fmt.Fprintf(env.Stdout, "  %-8s %-16s rules %-12s %s\n", f.Severity, f.Kind, strings.Join(f.Rules, ","), msg)
		}
	}
	for _, p := range da.Problems {
		fmt.Fprintf(env.Stdout, "  note: line %d: %s\n", p.Line, p.Msg)
	}
	if len(da.Trend) > 1 {
		fmt.Fprint(env.Stdout, "trend:")
		for _, p := range da.Trend {
			fmt.Fprintf(env.Stdout, " gen %d=%d", p.Generation, p.Score)
		}
		fmt.Fprintln(env.Stdout)
	}
	return nil
}

// cliActor names the person at the terminal in records that need one.
func cliActor(env Env) string {
	if u := env.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func runRestoreRequest(ctx context.Context, env Env, args []string) error {
	var reason *string
	return withDevice(ctx, env, "configs restore request", args, func(fs *flag.FlagSet) {
		reason = fs.String("reason", "", "why (kept with the request)")
	}, func(st *state.Store, dev state.Device, pos []string) error {
		if len(pos) != 1 {
			return fmt.Errorf("%w: want the GEN to restore", ErrUsage)
		}
		gen, err := genArg(pos, 0)
		if err != nil {
			return err
		}
		req, err := st.RequestRestore(ctx, []uint32{dev.TenantID}, dev.ID, gen, *reason, cliActor(env))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "restore %d of %s to generation %d requested by %s; another person approves it with: sekimori configs restore approve --device %s %d\n",
			req.ID, dev.Name, gen, req.RequestedBy, dev.Name, req.ID)
		return nil
	})
}

func runRestoreApprove(ctx context.Context, env Env, args []string) error {
	return withDevice(ctx, env, "configs restore approve", args, nil, func(st *state.Store, dev state.Device, pos []string) error {
		if len(pos) != 1 {
			return fmt.Errorf("%w: want the restore ID", ErrUsage)
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("%w: restore id %q", ErrUsage, pos[0])
		}
		res, err := collect.NewScheduler(st, st.Secrets, nil).Approve(ctx, []uint32{dev.TenantID}, id, cliActor(env))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "restore %d: %s (verified: %v)\n", id, res.Restore.Result, res.Restore.Verified)
		for _, d := range res.Differences {
			fmt.Fprintf(env.Stdout, "  %s\n", d)
		}
		return nil
	})
}

func runRestoreList(ctx context.Context, env Env, args []string) error {
	return withDevice(ctx, env, "configs restore list", args, nil, func(st *state.Store, dev state.Device, _ []string) error {
		list, err := st.Restores(ctx, []uint32{dev.TenantID}, dev.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tGEN\tSTATUS\tREQUESTED BY\tDECIDED BY\tVERIFIED\tRESULT")
		for _, r := range list {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%v\t%s\n", r.ID, r.Generation, r.Status, r.RequestedBy, r.DecidedBy, r.Verified, r.Result)
		}
		return tw.Flush()
	})
}

// auditTenant prints the ruleset score of each of a tenant's devices and
// the tenant's score.
func auditTenant(ctx context.Context, env Env, df *deviceFlags, out string) error {
	st, err := openState(ctx, &df.dataFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.TenantByName(ctx, df.tenant)
	if err != nil {
		return err
	}
	ta, err := ruleaudit.AuditTenant(ctx, st, t.ID, time.Now(), nil)
	if err != nil {
		return err
	}
	if out == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(ta)
	}
	fmt.Fprintf(env.Stdout, "tenant %s: score %d/100 over %d devices\n", t.Name, ta.Score, len(ta.Devices))
	for _, d := range ta.Devices {
		n := 0
		for _, r := range d.Reports {
			n += len(r.Findings)
		}
		fmt.Fprintf(env.Stdout, "  %-20s generation %-4d score %3d  %d findings\n", d.Device, d.Generation, d.Score, n)
	}
	for name, why := range ta.Skipped {
		fmt.Fprintf(env.Stdout, "  %-20s not audited: %s\n", name, why)
	}
	return nil
}
