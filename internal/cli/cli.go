// Package cli implements the sekimori command line: serve, config check,
// tenant, device, token, user, import and search.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/sekimori/sekimori/internal/config"
)

// Env is what commands read and write besides files.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run everything on this machine (embedded stores)", runServe},
		{"config check", "validate a config file", runConfigCheck},
		{"tenant create", "create a tenant", runTenantCreate},
		{"tenant list", "list tenants", runTenantList},
		{"device add", "register a device", runDeviceAdd},
		{"device list", "list devices", runDeviceList},
		{"token create", "create an API token (works offline and while serving)", runTokenCreate},
		{"user create", "create a user who signs in to the web UI and API (works offline and while serving)", runUserCreate},
		{"user list", "list users", runUserList},
		{"user passwd", "set a user's password (ends the user's sessions)", runUserPasswd},
		{"user disable", "disable a user (ends its sessions, suspends its tokens)", runUserDisable},
		{"user enable", "enable a user again and lift a lockout", runUserEnable},
		{"user totp enroll", "start a user's second factor: prints the secret and otpauth:// URI", runTOTPEnroll},
		{"user totp confirm", "turn a user's second factor on with a code", runTOTPConfirm},
		{"user totp disable", "remove a user's second factor", runTOTPDisable},
		{"import", "backfill plain or .gz log files for a device", runImport},
		{"parse", "parse log lines with a format (built-in or --formats-dir) and print JSON lines", runParse},
		{"search", "search stored events", runSearch},
		{"alerts show", "show one alert with its events and history", runAlertShow},
		{"alerts ack", "acknowledge an alert", runAlertAck},
		{"alerts close", "close an alert with a reason", runAlertClose},
		{"alerts", "list alerts", runAlerts},
		{"audit ruleset", "audit a device's firewall ruleset from a stored configuration generation", runAuditRuleset},
		{"audit verify", "check the audit trail's hash chain for edits and deletions", runAuditVerify},
		{"hunt", "run a Sigma rule over stored logs", runHunt},
		{"logs verify", "check that a sealed day of a tenant's logs is intact", runLogsVerify},
		{"assets import", "import a tenant's inventory: hosts CSV, CycloneDX/SPDX SBOM (--asset ID), nmap XML", runAssetsImport},
		{"assets list", "list a tenant's hosts and inventories", runAssetsList},
		{"knowledge import", "import vulnerability and signature knowledge (NVD, KEV, EPSS, Debian, Suricata, Sigma, CSV)", runKnowledgeImport},
		{"knowledge list", "list imported knowledge files", runKnowledgeList},
		{"triage explain", "print an alert's relevance verdict and its evidence chain", runTriageExplain},
		{"triage settings", "set a tenant's reporting policy and inventory freshness", runTriageSettings},
		{"configs import", "store device configuration files as generations (--device N)", runConfigsImport},
		{"configs list", "list a device's configuration generations", runConfigsList},
		{"configs show", "print a generation (default the latest)", runConfigsShow},
		{"configs diff", "semantic and unified diff of two generations (default the latest two)", runConfigsDiff},
		{"configs source", "set how to pull a device's configuration (REST API or SSH; credentials sealed)", runConfigsSource},
		{"configs pull", "pull a device's configuration now", runConfigsPull},
		{"configs restore-script", "FortiOS CLI that brings the latest configuration back to a generation", runConfigsRestoreScript},
		{"bench ingest", "measure end-to-end ingest and query speed", runBenchIngest},
		{"rules check", "validate Sigma rules (files or directories)", runRulesCheck},
		{"rules match", "evaluate Sigma rules over JSON events, one detection per line", runRulesMatch},
	}
}

// ErrUsage marks errors that should print usage; the exit code is 2.
var ErrUsage = errors.New("usage")

// Main runs the command named by args (without the program name) and
// returns the process exit code.
func Main(ctx context.Context, env Env, args []string) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cmds := commands()
	for _, c := range cmds {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && equalWords(args[:len(words)], words) {
			err := c.run(ctx, env, args[len(words):])
			if err == nil {
				return 0
			}
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(env.Stderr, "sekimori %s: %v\n", c.name, err)
			if errors.Is(err, ErrUsage) {
				return 2
			}
			return 1
		}
	}
	usage(env.Stderr, cmds)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return 0
	}
	return 2
}

func equalWords(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "usage: sekimori COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'sekimori COMMAND -h' for a command's flags.")
}

// parseFlags parses fs allowing flags and positional arguments in any
// order ("search 'query' --since 24h"), returning the positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(env Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("sekimori "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// dataFlags are the flags that locate the data directory for commands that
// work on it directly (tenant, device, token).
type dataFlags struct {
	data, configFile string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", "", "data directory (default ./sekimori-data, or the config's)")
	fs.StringVar(&d.configFile, "config", "", "config file")
}

func (d *dataFlags) load() (*config.Config, error) {
	cfg := &config.Config{}
	if d.configFile != "" {
		c, err := config.Load(d.configFile)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if d.data != "" {
		cfg.Data = d.data
	}
	cfg.Defaults()
	return cfg, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: want debug, info, warn or error", ErrUsage, level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
