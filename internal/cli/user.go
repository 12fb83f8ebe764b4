package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/sekimori/sekimori/internal/api"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/totp"
)

// The user commands work on the data directory, like token create: while
// the server runs too, and before any user exists (the first provider
// admin is made here).

// passwordFlags say where a password comes from: a file, standard input,
// or (when neither is given) a prompt on the terminal.
type passwordFlags struct {
	file  string
	stdin bool
}

func (p *passwordFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.file, "password-file", "", "read the password from this file (its first line)")
	fs.BoolVar(&p.stdin, "password-stdin", false, "read the password from standard input (its first line)")
}

// read returns the password. On a terminal it asks twice, without echo.
func (p *passwordFlags) read(env Env) (string, error) {
	firstLine := func(b []byte) string {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		return strings.TrimSuffix(string(line), "\r")
	}
	switch {
	case p.file != "" && p.stdin:
		return "", fmt.Errorf("%w: give --password-file or --password-stdin, not both", ErrUsage)
	case p.file != "":
		b, err := os.ReadFile(p.file)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return firstLine(b), nil
	case p.stdin:
		b, err := io.ReadAll(io.LimitReader(env.Stdin, 64<<10))
		if err != nil {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return firstLine(b), nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("%w: no password: give --password-file FILE or --password-stdin, or run on a terminal to be asked", ErrUsage)
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(env.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		return string(b), err
	}
	pw, err := ask("Password: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	again, err := ask("Password again: ")
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if pw != again {
		return "", errors.New("the two passwords differ")
	}
	return pw, nil
}

// tenantIDs resolves tenant names.
func tenantIDs(ctx context.Context, st *state.Store, names []string) ([]uint32, error) {
	var ids []uint32
	for _, n := range names {
		t, err := st.TenantByName(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("tenant %q: %w", n, err)
		}
		ids = append(ids, t.ID)
	}
	return ids, nil
}

// parseRole checks --role and the number of --tenant flags before anything
// is opened: one tenant for customer roles, a list (or none: every tenant)
// for a provider analyst, none for a provider admin.
func parseRole(role string, tenants []string) (state.Role, error) {
	r, ok := state.ParseRole(role)
	switch {
	case !ok:
		return "", fmt.Errorf("%w: --role must be provider_admin, provider_analyst, customer_admin or customer_viewer", ErrUsage)
	case r.Customer() && len(tenants) != 1:
		return "", fmt.Errorf("%w: --role %s needs one --tenant NAME", ErrUsage, role)
	case r == state.RoleProviderAdmin && len(tenants) > 0:
		return "", fmt.Errorf("%w: --role %s covers every tenant; drop --tenant", ErrUsage, role)
	}
	return r, nil
}

// scopeOf resolves the tenants of role r: the customer roles' one tenant,
// or a provider analyst's list.
func scopeOf(ctx context.Context, st *state.Store, r state.Role, tenants []string) (uint32, []uint32, error) {
	ids, err := tenantIDs(ctx, st, tenants)
	if err != nil {
		return 0, nil, err
	}
	if r.Customer() {
		return ids[0], nil, nil
	}
	return 0, ids, nil
}

func runUserCreate(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "user create")
	var df dataFlags
	df.register(fs)
	var pf passwordFlags
	pf.register(fs)
	name := fs.String("name", "", "sign-in name (required)")
	role := fs.String("role", "", "provider_admin, provider_analyst, customer_admin or customer_viewer (required)")
	var tenants listFlag
	fs.Var(&tenants, "tenant", "the tenant of a customer role; for provider_analyst, assigned tenants (repeatable; none: every tenant)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *name == "" || *role == "" {
		return fmt.Errorf("%w: want --name NAME --role ROLE [--tenant T]", ErrUsage)
	}
	if *role == "admin" || *role == "tenant" {
		return fmt.Errorf("%w: --role %s is a token role; users have provider_admin, provider_analyst, customer_admin or customer_viewer", ErrUsage, *role)
	}
	r, err := parseRole(*role, tenants)
	if err != nil {
		return err
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
	pw, err := pf.read(env)
	if err != nil {
		return err
	}
	u, err := st.CreateUser(ctx, state.User{Name: *name, Role: r, TenantID: tid, Tenants: tids}, pw)
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "user.create", "user/"+u.Name, map[string]any{"id": u.ID, "name": u.Name, "role": u.Role, "tenant_id": u.TenantID, "tenants": u.Tenants}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "user %s created (id %d, role %s)\n", u.Name, u.ID, u.Role)
	return nil
}

func runUserList(ctx context.Context, env Env, args []string) error {
	return withState(ctx, env, "user list", args, func(st *state.Store) error {
		us, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		names := tenantNames(ctx, st)
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tTENANTS\tTOTP\tSTATE\tLAST_LOGIN")
		for _, u := range us {
			var tn []string
			if u.Role.Customer() {
				tn = append(tn, names[u.TenantID])
			}
			for _, id := range u.Tenants {
				tn = append(tn, names[id])
			}
			scope := strings.Join(tn, ",")
			if scope == "" {
				scope = "*"
			}
			stateText := "enabled"
			if u.Disabled {
				stateText = "disabled"
			}
			last := "-"
			if !u.LastLoginAt.IsZero() {
				last = u.LastLoginAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\t%s\t%s\n", u.ID, u.Name, u.Role, scope, u.TOTP, stateText, last)
		}
		return tw.Flush()
	})
}

// withUser runs a command on the user named by --name, with extra flags
// registered by flags.
func withUser(ctx context.Context, env Env, cmd string, args []string, flags func(fs *flag.FlagSet), fn func(st *state.Store, u state.User) error) error {
	fs := newFlagSet(env, cmd)
	var df dataFlags
	df.register(fs)
	name := fs.String("name", "", "the user's sign-in name (required)")
	if flags != nil {
		flags(fs)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *name == "" {
		return fmt.Errorf("%w: want --name NAME", ErrUsage)
	}
	st, err := openState(ctx, &df)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, *name)
	if err != nil {
		return err
	}
	return fn(st, u)
}

func runUserPasswd(ctx context.Context, env Env, args []string) error {
	var pf passwordFlags
	return withUser(ctx, env, "user passwd", args, pf.register, func(st *state.Store, u state.User) error {
		pw, err := pf.read(env)
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, u.ID, pw, ""); err != nil {
			return err
		}
		if err := auditCLI(ctx, st, "user.password", "user/"+u.Name, map[string]any{"by": "cli", "other_sessions_ended": true}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; its sessions ended\n", u.Name)
		return nil
	})
}

func runUserDisable(ctx context.Context, env Env, args []string) error {
	return setDisabled(ctx, env, "user disable", args, true)
}

func runUserEnable(ctx context.Context, env Env, args []string) error {
	return setDisabled(ctx, env, "user enable", args, false)
}

func setDisabled(ctx context.Context, env Env, cmd string, args []string, disabled bool) error {
	return withUser(ctx, env, cmd, args, nil, func(st *state.Store, u state.User) error {
		_, after, err := st.UpdateUser(ctx, u.ID, state.UserChange{Disabled: &disabled})
		if err != nil {
			return err
		}
		if !disabled {
			if err := st.UnlockUser(ctx, u.ID); err != nil {
				return err
			}
		}
		action := map[bool]string{true: "user.disable", false: "user.enable"}[disabled]
		if err := auditCLI(ctx, st, action, "user/"+u.Name, map[string]any{"disabled": after.Disabled}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s %s\n", u.Name, map[bool]string{true: "disabled; its sessions ended, its tokens suspended", false: "enabled and unlocked"}[disabled])
		return nil
	})
}

func runTOTPEnroll(ctx context.Context, env Env, args []string) error {
	return withUser(ctx, env, "user totp enroll", args, nil, func(st *state.Store, u state.User) error {
		secret, err := st.EnrollTOTP(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := auditCLI(ctx, st, "user.totp_enroll", "user/"+u.Name, nil); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "secret: %s\nuri:    %s\n", secret, totp.URI(api.TOTPIssuer, u.Name, secret))
		fmt.Fprintf(env.Stdout, "Add it to an authenticator app, then: sekimori user totp confirm --name %s --code CODE\n", u.Name)
		return nil
	})
}

func runTOTPConfirm(ctx context.Context, env Env, args []string) error {
	var code string
	return withUser(ctx, env, "user totp confirm", args, func(fs *flag.FlagSet) {
		fs.StringVar(&code, "code", "", "the current code of the authenticator app (required)")
	}, func(st *state.Store, u state.User) error {
		if code == "" {
			return fmt.Errorf("%w: --code is required", ErrUsage)
		}
		if err := st.ConfirmTOTP(ctx, u.ID, code); err != nil {
			return err
		}
		if err := auditCLI(ctx, st, "user.totp_confirm", "user/"+u.Name, map[string]bool{"totp": true}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "second factor of %s on\n", u.Name)
		return nil
	})
}

func runTOTPDisable(ctx context.Context, env Env, args []string) error {
	return withUser(ctx, env, "user totp disable", args, nil, func(st *state.Store, u state.User) error {
		if err := st.DisableTOTP(ctx, u.ID); err != nil {
			return err
		}
		if err := auditCLI(ctx, st, "user.totp_disable", "user/"+u.Name, map[string]bool{"totp": false}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "second factor of %s off\n", u.Name)
		return nil
	})
}
