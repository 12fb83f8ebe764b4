package cli

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
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
		if !res.New {
			fmt.Fprintf(env.Stdout, "%s: unchanged (same as generation %d, secrets masked)\n", name, res.Generation.Gen)
			continue
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
	return nil
}

func runConfigsList(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "configs list")
	var df deviceFlags
	df.register(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
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
}

func runConfigsShow(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "configs show")
	var df deviceFlags
	df.register(fs)
	masked := fs.Bool("masked", false, "replace secrets with a placeholder")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	gen, err := genArg(pos, 0)
	if err != nil {
		return err
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	g, data, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, gen)
	if err != nil {
		return err
	}
	if *masked {
		data = devconfig.Mask(devconfig.Kind(g.Kind), data)
	}
	_, err = env.Stdout.Write(data)
	return err
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
	fs := newFlagSet(env, "configs restore-script")
	var df deviceFlags
	df.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want the GEN to restore", ErrUsage)
	}
	gen, err := genArg(pos, 0)
	if err != nil {
		return err
	}
	st, dev, err := df.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
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
}
