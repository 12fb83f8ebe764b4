package cli

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sekimori/sekimori/internal/api"
	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/secret"
	"github.com/sekimori/sekimori/internal/state"
)

func openState(ctx context.Context, df *dataFlags) (*state.Store, error) {
	cfg, err := df.load()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	box, err := secret.LoadOrCreate(app.SecretKeyPath(cfg))
	if err != nil {
		return nil, err
	}
	st, err := state.Open(ctx, app.StateDSN(cfg))
	if err != nil {
		return nil, err
	}
	st.Secrets = box // users' TOTP keys are sealed, as by the server
	return st, nil
}

func runTenantCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "tenant create")
	var df dataFlags
	df.register(fs)
	retention := fs.Int("retention-days", 0, "days to keep this tenant's logs (default 90)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want exactly one NAME", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.CreateTenant(ctx, pos[0])
	if err != nil {
		return err
	}
	if *retention != 0 {
		if err := st.SetRetention(ctx, t.ID, *retention); err != nil {
			return err
		}
		t.RetentionDays = *retention
	}
	if err := auditCLI(ctx, st, "tenant.create", "tenant/"+t.Name, map[string]any{"id": t.ID, "name": t.Name, "retention_days": t.RetentionDays}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "tenant %s created (id %d, retention %d days)\n", t.Name, t.ID, t.RetentionDays)
	return nil
}

// withState runs a command that takes only the data-directory flags and
// works on the state database.
func withState(ctx context.Context, env Env, name string, args []string, fn func(st *state.Store) error) error {
	fs := newFlagSet(env, name)
	var df dataFlags
	df.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, pos[0])
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func runTenantList(ctx context.Context, env Env, args []string) error {
	return withState(ctx, env, "tenant list", args, func(st *state.Store) error { return listTenants(ctx, env, st) })
}

func listTenants(ctx context.Context, env Env, st *state.Store) error {
	ts, err := st.ListTenants(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tRETENTION_DAYS")
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%d\n", t.ID, t.Name, t.RetentionDays)
	}
	return tw.Flush()
}

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func runDeviceAdd(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "device add")
	var df dataFlags
	df.register(fs)
	tenant := fs.String("tenant", "", "tenant name (required)")
	name := fs.String("name", "", "device name, unique in the tenant (required)")
	var sources listFlag
	fs.Var(&sources, "source", "sender IP address, syslog hostname, or TLS client certificate: cert:sha256:HEX (SHA-256 of its DER) or cert:cn:NAME (repeatable or comma-separated)")
	devid := fs.String("devid", "", "FortiGate serial number (devid) to recognise it by")
	format := fs.String("format", "syslog", "log format: syslog, fortigate, kv, json, cef")
	tz := fs.String("time-zone", "", "zone for timestamps without one (default: the listener's, Asia/Tokyo unless configured)")
	cs := fs.String("charset", "utf-8", "character set: utf-8, shift_jis, euc-jp")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, pos[0])
	}
	if *tenant == "" || *name == "" {
		return fmt.Errorf("%w: --tenant and --name are required", ErrUsage)
	}
	if len(sources) == 0 && *devid == "" {
		return fmt.Errorf("%w: give --source IP|HOSTNAME|cert:sha256:HEX or --devid SERIAL so its lines can be recognised", ErrUsage)
	}
	cfg, err := df.load()
	if err != nil {
		return err
	}
	formats := parse.NewRegistry(cfg.Formats.Dir, parse.RegistryOptions{})
	_ = formats.Load() // a refused file is reported by the server; its format is then unknown here
	if err := api.CheckDevice(formats, *format, *cs); err != nil {
		return err
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.TenantByName(ctx, *tenant)
	if err != nil {
		return fmt.Errorf("tenant %q: %w", *tenant, err)
	}
	d, err := st.AddDevice(ctx, state.Device{TenantID: t.ID, Name: *name, Sources: sources, DevID: *devid, Format: *format, TimeZone: *tz, Charset: *cs})
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "device.add", "device/"+t.Name+"/"+d.Name, d); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "device %s added to tenant %s (id %d, format %s, sources %s)\n", d.Name, t.Name, d.ID, d.Format, strings.Join(d.Sources, ","))
	return nil
}

func runDeviceList(ctx context.Context, env Env, args []string) error {
	return withState(ctx, env, "device list", args, func(st *state.Store) error { return listDevices(ctx, env, st) })
}

func listDevices(ctx context.Context, env Env, st *state.Store) error {
	ds, err := st.ListDevices(ctx, 0)
	if err != nil {
		return err
	}
	names := tenantNames(ctx, st)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tNAME\tFORMAT\tSOURCES\tDEVID\tTIME_ZONE\tCHARSET")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", names[d.TenantID], d.Name, d.Format, strings.Join(d.Sources, ","), d.DevID, d.TimeZone, d.Charset)
	}
	return tw.Flush()
}

func runTokenCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "token create")
	var df dataFlags
	df.register(fs)
	role := fs.String("role", "", "provider_admin (or admin: all tenants), provider_analyst, customer_admin (or tenant) or customer_viewer")
	var tenants listFlag
	fs.Var(&tenants, "tenant", "the tenant of a customer role; for provider_analyst, its tenants (repeatable; none: every tenant)")
	user := fs.String("user", "", "the user the token belongs to: it stops working while the user is disabled, and is revoked when the user's role changes")
	name := fs.String("name", "", "a label for the token")
	expires := fs.String("expires", "", "lifetime, e.g. 90d or 720h (default: no expiry)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, pos[0])
	}
	r, err := parseRole(*role, tenants)
	if err != nil {
		return err
	}
	var exp time.Time
	if *expires != "" {
		d, err := api.ParseDuration(*expires)
		if err != nil {
			return fmt.Errorf("%w: --expires: %v", ErrUsage, err)
		}
		exp = time.Now().Add(d)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	tid, tids, err := scopeOf(ctx, st, r, tenants)
	if err != nil {
		return err
	}
	var owner int64
	if *user != "" {
		u, err := st.UserByName(ctx, *user)
		if err != nil {
			return err
		}
		owner = u.ID
	}
	if *name == "" {
		*name = *role
		if len(tenants) > 0 {
			*name += "-" + strings.Join(tenants, ",")
		}
	}
	secret, tok, err := st.IssueToken(ctx, state.Token{Name: *name, Role: r, TenantID: tid, Tenants: tids, UserID: owner, ExpiresAt: exp})
	if err != nil {
		return err
	}
	// The secret is shown once and never recorded.
	if err := auditCLI(ctx, st, "token.create", fmt.Sprintf("token/%d", tok.ID), map[string]any{"name": tok.Name, "role": tok.Role, "tenant_id": tok.TenantID, "tenants": tok.Tenants, "user_id": tok.UserID, "expires_at": tok.ExpiresAt}); err != nil {
		return err
	}
	// Only the secret on stdout, so scripts can capture it.
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

// auditCLI records a change made from the command line, as the local user.
func auditCLI(ctx context.Context, st *state.Store, action, target string, after any) error {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	if err := st.Audit(ctx, state.AuditEntry{Actor: "cli:" + who + "@" + host, Action: action, Target: target, After: state.JSON(after)}); err != nil {
		return fmt.Errorf("record the change in the audit trail: %w", err)
	}
	return nil
}

func runAuditVerify(ctx context.Context, env Env, args []string) error {
	return withState(ctx, env, "audit verify", args, func(st *state.Store) error { return verifyAudit(ctx, env, st) })
}

func verifyAudit(ctx context.Context, env Env, st *state.Store) error {
	c, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !c.OK {
		fmt.Fprintf(env.Stdout, "audit trail NOT intact at entry %d: %s (%d entries read)\n", c.Seq, c.Problem, c.Entries)
		return fmt.Errorf("audit trail tampered with")
	}
	fmt.Fprintf(env.Stdout, "audit trail intact: %d entries, chain and head verified\n", c.Entries)
	return nil
}

// tenantNames maps tenant ids to names for listings; a failed read leaves
// names empty (the listing shows ids' names blank rather than failing).
func tenantNames(ctx context.Context, st *state.Store) map[uint32]string {
	ts, _ := st.ListTenants(ctx)
	names := make(map[uint32]string, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names
}
