package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes r for a person: ingest figures side by side (Sekimori,
// and VictoriaLogs when measured), then query latencies.
func WriteTable(w io.Writer, r *Result) error {
	avg := 0.0
	if r.Lines > 0 {
		avg = float64(r.Bytes) / float64(r.Lines)
	}
	fmt.Fprintf(w, "sekimori bench ingest: %s FortiGate lines, %.0f bytes average (%.1f MB), %s hosts, %s .. %s,\n",
		group(uint64(r.Lines)), avg, float64(r.Bytes)/1e6, group(uint64(r.Hosts)),
		r.Start.Format("2006-01-02 15:04"), r.End.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "%d TCP connection(s) with octet-counting framing; %d CPUs\n\n", r.Conns, r.NumCPU)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	ins := []*Ingest{&r.Sekimori}
	head := "INGEST (first byte sent -> all lines stored)\tsekimori\t"
	if r.VictoriaLogs != nil {
		ins = append(ins, r.VictoriaLogs)
		head += "victorialogs\t"
	}
	if r.SekimoriAgain != nil {
		ins = append(ins, r.SekimoriAgain)
		head += "sekimori again\t"
	}
	fmt.Fprintln(tw, head)
	row := func(name string, f func(in *Ingest) string) {
		fmt.Fprint(tw, name+"\t")
		for _, in := range ins {
			fmt.Fprint(tw, f(in)+"\t")
		}
		fmt.Fprintln(tw)
	}
	row("lines/s", func(in *Ingest) string { return group(uint64(in.LinesPerSecond + 0.5)) })
	row("MB/s (raw lines)", func(in *Ingest) string { return fmt.Sprintf("%.1f", in.MBPerSecond) })
	row("seconds", func(in *Ingest) string { return fmt.Sprintf("%.2f", in.Seconds) })
	row("  of which sending (s)", func(in *Ingest) string { return fmt.Sprintf("%.2f", in.SendSeconds) })
	row("all searchable after (s)", func(in *Ingest) string { return fmt.Sprintf("%.2f", in.SearchableSeconds) })
	row("server CPU-seconds", func(in *Ingest) string { return fmt.Sprintf("%.1f", in.CPUSeconds) })
	row("lines per CPU-second", func(in *Ingest) string { return group(uint64(in.LinesPerCPUSecond + 0.5)) })
	row("load generator CPU-seconds", func(in *Ingest) string { return fmt.Sprintf("%.1f", in.SenderCPUSeconds) })
	row("other processes' CPU-seconds", func(in *Ingest) string { return fmt.Sprintf("%.1f", in.OtherCPUSeconds) })
	row("peak RSS (MB)", func(in *Ingest) string { return fmt.Sprintf("%.0f", float64(in.PeakRSSBytes)/1e6) })
	row("sent over the wire (MB)", func(in *Ingest) string { return fmt.Sprintf("%.1f", float64(in.SentBytes)/1e6) })
	row("log store on disk (MB)", func(in *Ingest) string { return fmt.Sprintf("%.1f", float64(in.StoreBytes)/1e6) })
	row("log store bytes/line", func(in *Ingest) string { return fmt.Sprintf("%.1f", in.StoreBytesPerLine) })
	row("spool on disk after stop (MB)", func(in *Ingest) string {
		if in == r.VictoriaLogs {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(in.SpoolBytes)/1e6)
	})
	row("stored", func(in *Ingest) string { return group(in.Stored) })
	row("searchable", func(in *Ingest) string { return group(in.Searchable) })
	row("graceful stop (s)", func(in *Ingest) string { return fmt.Sprintf("%.2f", in.StopSeconds) })
	if err := tw.Flush(); err != nil {
		return err
	}
	names := []string{"sekimori", "sekimori again"}
	for i, s := range []*Ingest{&r.Sekimori, r.SekimoriAgain} {
		if s != nil {
			fmt.Fprintf(w, "%s counters: received %s, parse failed %s, dropped %s, truncated %s\n",
				names[i], group(s.Received), group(s.ParseFailed), group(s.Dropped), group(s.Truncated))
		}
	}
	if ratio, how := r.CPURatio(); ratio > 0 {
		fmt.Fprintf(w, "lines per CPU-second, sekimori / victorialogs: %.2fx (%s)\n", ratio, how)
	}

	if len(r.Queries) > 0 {
		fmt.Fprintf(w, "\nQUERIES (sekimori HTTP API, restarted and idle after %.0fs; median and max of %d runs after 1 warm-up)\n", r.QuerySettleSeconds, len(r.Queries[0].Runs))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		vl := slices.ContainsFunc(r.Queries, func(q Query) bool { return q.VictoriaLogs != nil })
		head := "query\tmedian\tmax\ttarget\t\trows\tevents"
		if vl {
			head += "\tvictorialogs median\tmax\tevents"
		}
		if vl {
			fmt.Fprintln(w, "(victorialogs: the same questions in LogsQL to its own server over its copy of the lines, restarted, idle and timed the same way;\n the one-IP query is a phrase search of the line there, as it has no typed search over every IP field)")
		}
		fmt.Fprintln(tw, head)
		for _, q := range r.Queries {
			verdict, target := "ok", secs(q.Target)
			switch {
			case q.Target == 0:
				verdict, target = "", "-"
			case q.Max > q.Target:
				verdict = "MISSED"
				if q.Median <= q.Target {
					verdict = "max missed"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s", q.Name, secs(q.Median), secs(q.Max), target, verdict, group(uint64(q.Rows)), group(q.Events))
			if v := q.VictoriaLogs; v != nil {
				fmt.Fprintf(tw, "\t%s\t%s\t%s", secs(v.Median), secs(v.Max), group(v.Events))
			} else if vl {
				fmt.Fprint(tw, "\t-\t-\t-")
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "\nwork dir kept: %s\n", r.Dir)
	}
	return nil
}

// CPURatio is sekimori's lines per CPU-second over VictoriaLogs', with
// what sekimori's figure is: its one run, or the mean of its runs before
// and after VictoriaLogs'. It is 0 without VictoriaLogs.
func (r *Result) CPURatio() (float64, string) {
	if r.VictoriaLogs == nil || r.VictoriaLogs.LinesPerCPUSecond <= 0 {
		return 0, ""
	}
	s, how := r.Sekimori.LinesPerCPUSecond, "one run each"
	if a := r.SekimoriAgain; a != nil {
		s = (s + a.LinesPerCPUSecond) / 2
		how = fmt.Sprintf("sekimori: mean of %s before and %s after victorialogs' %s",
			group(uint64(r.Sekimori.LinesPerCPUSecond+0.5)), group(uint64(a.LinesPerCPUSecond+0.5)), group(uint64(r.VictoriaLogs.LinesPerCPUSecond+0.5)))
	}
	return s / r.VictoriaLogs.LinesPerCPUSecond, how
}

func secs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", s)
	default:
		return fmt.Sprintf("%.1fms", s*1000)
	}
}

// group writes n with thousands separators: 1234567 -> "1,234,567".
func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
