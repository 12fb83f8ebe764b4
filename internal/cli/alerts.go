package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

func runAlerts(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "alerts")
	var cf clientFlags
	cf.register(fs, env)
	status := fs.String("status", "open", "new, acknowledged, closed, open (new or acknowledged) or all")
	severity := fs.String("severity", "", "minimum severity: informational, low, medium, high, critical")
	since := fs.String("since", "", "last seen within this long (24h, 7d) or since an RFC 3339 time")
	tenant := fs.String("tenant", "", "narrow an admin token to one tenant")
	limit := fs.Int("limit", 100, "alerts to list (at most 1000)")
	out := fs.String("o", "table", "output: table or json")
	verdict := fs.String("verdict", "", "only this relevance verdict (RELEVANT_VULNERABLE, NOT_APPLICABLE, ...)")
	report := fs.String("report", "", "reported (shown to the customer) or hidden; default both")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q (see: alerts show|ack|close ID)", ErrUsage, pos[0])
	}
	if *out != "table" && *out != "json" {
		return fmt.Errorf("%w: -o must be table or json", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	q := url.Values{"limit": {fmt.Sprint(*limit)}}
	if *status != "all" {
		q.Set("status", *status)
	}
	switch *report {
	case "", "reported", "hidden":
	default:
		return fmt.Errorf("%w: --report must be reported or hidden", ErrUsage)
	}
	for k, v := range map[string]string{"severity": *severity, "since": *since, "tenant": *tenant, "verdict": *verdict, "report": *report} {
		if v != "" {
			q.Set(k, v)
		}
	}
	resp, err := cf.do(ctx, http.MethodGet, "/api/v1/alerts", q, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if *out == "json" {
		_, err := io.Copy(env.Stdout, resp.Body)
		return err
	}
	var res struct{ Alerts []state.Alert }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("read alerts: %w", err)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tVERDICT\tREPORT\tCOUNT\tLAST SEEN\tDEVICE\tTARGET\tRULE")
	for _, a := range res.Alerts {
		verdict, report := a.Verdict, "yes"
		if verdict == "" {
			verdict = "-"
		}
		if !a.Report {
			report = "hidden"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", a.ID, a.Status, a.Severity, verdict, report, a.EventCount,
			a.LastSeen.Local().Format(time.DateTime), a.Device, a.TargetIP, a.RuleName)
	}
	return tw.Flush()
}

func runAlertShow(ctx context.Context, env Env, args []string) error {
	return alertCommand(ctx, env, "alerts show", args, func(cf *clientFlags, id string) error {
		resp, err := cf.do(ctx, http.MethodGet, "/api/v1/alerts/"+url.PathEscape(id), nil, nil, nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(env.Stdout, resp.Body)
		return err
	})
}

func runAlertAck(ctx context.Context, env Env, args []string) error {
	return alertCommand(ctx, env, "alerts ack", args, func(cf *clientFlags, id string) error {
		return setStatus(ctx, env, cf, id, "acknowledged", "")
	})
}

func runAlertClose(ctx context.Context, env Env, args []string) error {
	var reason string
	return alertCommand(ctx, env, "alerts close", args, func(cf *clientFlags, id string) error {
		if strings.TrimSpace(reason) == "" {
			return fmt.Errorf("%w: closing needs --reason", ErrUsage)
		}
		return setStatus(ctx, env, cf, id, "closed", reason)
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&reason, "reason", "", "why the alert is closed (required)")
	})
}

func alertCommand(ctx context.Context, env Env, name string, args []string, do func(cf *clientFlags, id string) error, extra ...func(fs *flag.FlagSet)) error {
	fs := newFlagSet(env, name)
	var cf clientFlags
	cf.register(fs, env)
	for _, e := range extra {
		e(fs)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: sekimori %s ALERT_ID", ErrUsage, name)
	}
	if err := cf.check(); err != nil {
		return err
	}
	return do(&cf, pos[0])
}

func setStatus(ctx context.Context, env Env, cf *clientFlags, id, status, reason string) error {
	body, _ := json.Marshal(map[string]string{"status": status, "reason": reason})
	resp, err := cf.do(ctx, http.MethodPost, "/api/v1/alerts/"+url.PathEscape(id)+"/status", nil, strings.NewReader(string(body)), map[string]string{"Content-Type": "application/json"})
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Fprintf(env.Stdout, "alert %s: %s\n", id, status)
	return nil
}

func runLogsVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "logs verify")
	var cf clientFlags
	cf.register(fs, env)
	tenant := fs.String("tenant", "", "tenant name (required for admin tokens)")
	day := fs.String("day", "", "day to verify, YYYY-MM-DD (Asia/Tokyo arrival day)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *day == "" {
		return fmt.Errorf("%w: sekimori logs verify --tenant T --day YYYY-MM-DD", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	q := url.Values{"day": {*day}}
	if *tenant != "" {
		q.Set("tenant", *tenant)
	}
	resp, err := cf.do(ctx, http.MethodGet, "/api/v1/logs/verify", q, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Tenant, Day, Reason string
		Intact              bool
		Sealed              struct{ Digest string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("read result: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%s %s: %s\n", r.Tenant, r.Day, r.Reason)
	if r.Sealed.Digest != "" {
		fmt.Fprintf(env.Stdout, "digest %s\n", r.Sealed.Digest)
	}
	if !r.Intact {
		return fmt.Errorf("not verified intact")
	}
	return nil
}

func runHunt(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "hunt")
	var cf clientFlags
	cf.register(fs, env)
	rule := fs.String("rule", "", "Sigma detection rule file (required)")
	since := fs.String("since", "24h", "how far back: a duration (24h, 30d) or an RFC 3339 time")
	until := fs.String("until", "", "end of the range; default now")
	tenant := fs.String("tenant", "", "narrow an admin token to one tenant")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *rule == "" {
		return fmt.Errorf("%w: sekimori hunt --rule FILE [--since 30d] [--tenant T]", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	body, err := os.ReadFile(*rule)
	if err != nil {
		return fmt.Errorf("read rule: %w", err)
	}
	q := url.Values{"start": {*since}}
	if *until != "" {
		q.Set("end", *until)
	}
	if *tenant != "" {
		q.Set("tenant", *tenant)
	}
	resp, err := cf.do(ctx, http.MethodPost, "/api/v1/hunt", q, strings.NewReader(string(body)), map[string]string{"Content-Type": "application/yaml"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(env.Stdout, resp.Body)
	return err
}
