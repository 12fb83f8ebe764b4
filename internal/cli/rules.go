package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sekimori/sekimori/internal/sigma"
)

// runRulesCheck validates Sigma rules: files, or directories searched
// recursively for *.yml and *.yaml.
func runRulesCheck(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "rules check")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: sekimori rules check PATH...")
		fmt.Fprintln(env.Stderr, "Validates Sigma rules (files or directories) and prints each refused rule with file:line:column and the reason.")
	}
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: give at least one rule file or directory", ErrUsage)
	}
	set, err := loadRules(paths)
	if err != nil {
		return err
	}
	refused := set.Refused()
	for _, e := range refused {
		fmt.Fprintln(env.Stdout, e)
	}
	fmt.Fprintf(env.Stdout, "%d loaded, %d refused\n", len(set.Rules()), len(refused))
	if len(refused) > 0 {
		return fmt.Errorf("%d rules refused", len(refused))
	}
	return nil
}

func loadRules(paths []string) (*sigma.RuleSet, error) {
	set := sigma.NewRuleSet()
	for _, p := range paths {
		if err := set.AddPath(p); err != nil {
			return nil, fmt.Errorf("load rules: %w", err)
		}
	}
	return set, nil
}

// pathList is a flag that may be repeated.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ",") }
func (p *pathList) Set(s string) error {
	*p = append(*p, s)
	return nil
}

// runRulesMatch evaluates rules over a file of JSON events, one per line,
// and prints one JSON line per detection.
func runRulesMatch(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "rules match")
	var rulePaths pathList
	fs.Var(&rulePaths, "rules", "rule file or directory (repeatable)")
	events := fs.String("events", "", "file of JSON events, one per line (- for standard input)")
	lsFlag := fs.String("logsource", "", "what the events are: product=X,category=Y,service=Z (default: every rule's log source matches)")
	phFile := fs.String("placeholders", "", `JSON file {"name": ["value", ...]} supplying the expand modifier's placeholders`)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: sekimori rules match --rules PATH --events FILE.jsonl [--logsource product=X,category=Y,service=Z] [--placeholders FILE.json]")
		fmt.Fprintln(env.Stderr, `Prints one line per detection: {"rule": "<id>", "events": [<0-based line numbers>]}, with "group" for correlations.`)
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, rest[0])
	}
	if len(rulePaths) == 0 || *events == "" {
		return fmt.Errorf("%w: --rules and --events are required", ErrUsage)
	}
	ls := sigma.AnyLogSource
	if *lsFlag != "" {
		if ls, err = sigma.ParseLogSource(*lsFlag); err != nil {
			return fmt.Errorf("%w: --logsource: %v", ErrUsage, err)
		}
	}
	var opts sigma.Options
	if *phFile != "" {
		b, err := os.ReadFile(*phFile)
		if err != nil {
			return fmt.Errorf("read placeholders: %w", err)
		}
		if opts.Placeholders, err = sigma.ParsePlaceholders(b); err != nil {
			return fmt.Errorf("%s: %w", *phFile, err)
		}
	}

	set, err := loadRules(rulePaths)
	if err != nil {
		return err
	}
	problems := 0
	for _, e := range set.Refused() {
		fmt.Fprintf(env.Stderr, "refused: %v\n", e)
		problems++
	}
	eng, refused := sigma.NewEngine(set, opts)
	for _, e := range refused {
		fmt.Fprintf(env.Stderr, "refused: %v\n", e)
		problems++
	}
	if len(refused) > 0 && *phFile == "" {
		fmt.Fprintln(env.Stderr, `hint: give placeholder values with --placeholders FILE.json ({"name": ["value", ...]})`)
	}

	var in io.Reader = env.Stdin
	if *events != "-" {
		f, err := os.Open(*events)
		if err != nil {
			return fmt.Errorf("open events: %w", err)
		}
		defer f.Close()
		in = f
	}
	evs, err := sigma.ReadJSONLines(in, func(line int, err error) {
		fmt.Fprintf(env.Stderr, "%s:%d: %v\n", *events, line+1, err)
		problems++
	})
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	var buf []byte
	err = sigma.RunEvents(eng, ls, evs, func(d sigma.Detection) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = d.AppendJSON(buf[:0])
		_, err := out.Write(buf)
		return err
	})
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write detections: %w", ferr)
	}
	if err != nil {
		return err
	}
	if problems > 0 {
		return fmt.Errorf("%d problem(s) (refused rules or unreadable events), listed above", problems)
	}
	return nil
}
