package vulndb

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FIRST's daily EPSS file (https://www.first.org/epss/data_stats):
//
//	#model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000
//	cve,epss,percentile
//	CVE-2021-44228,0.94358,0.99961
//
// Older files lack the comment line or the percentile column. Fields are
// never quoted, so lines are split by hand: the file has ~300,000 rows.

// parseEPSS reads the file; columns are found by name in the header.
func parseEPSS(data []byte, b *Bundle) error {
	data = trimBOM(data)
	cveCol, scoreCol, pctCol := -1, -1, -1
	header := false
	for lineNo := 1; len(data) > 0; lineNo++ {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			if !header {
				if err := epssComment(string(line[1:]), b); err != nil {
					return fmt.Errorf("line %d: %w", lineNo, err)
				}
			}
			continue
		}
		if !header {
			for i, f := range strings.Split(string(line), ",") {
				switch strings.ToLower(strings.TrimSpace(f)) {
				case "cve":
					cveCol = i
				case "epss":
					scoreCol = i
				case "percentile":
					pctCol = i
				}
			}
			if cveCol < 0 || scoreCol < 0 {
				return fmt.Errorf("line %d: header %q lacks cve or epss column", lineNo, line)
			}
			header = true
			continue
		}
		e, err := epssRow(line, cveCol, scoreCol, pctCol)
		if err != nil {
			b.skip("line %d: %v", lineNo, err)
			continue
		}
		b.EPSS = append(b.EPSS, e)
	}
	if !header {
		return errors.New("no header line")
	}
	return nil
}

// epssComment reads "model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000".
func epssComment(s string, b *Bundle) error {
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, ":")
		switch strings.TrimSpace(k) {
		case "model_version":
			b.EPSSModel = strings.TrimSpace(v)
		case "score_date":
			t, err := parseTime(v)
			if err != nil {
				return fmt.Errorf("score_date: %w", err)
			}
			b.EPSSDate = t
			b.Provenance.Date = t
		}
	}
	return nil
}

func epssRow(line []byte, cveCol, scoreCol, pctCol int) (EPSS, error) {
	var f [8][]byte
	n := 0
	for n < len(f) {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			f[n] = line
			n++
			break
		}
		f[n], line = line[:i], line[i+1:]
		n++
	}
	if cveCol >= n || scoreCol >= n || pctCol >= n {
		return EPSS{}, fmt.Errorf("%d fields, too few", n)
	}
	id, err := NormalizeCVE(string(f[cveCol]))
	if err != nil {
		return EPSS{}, err
	}
	e := EPSS{CVE: id}
	if e.Score, err = probability(f[scoreCol]); err != nil {
		return EPSS{}, fmt.Errorf("%s: epss: %w", id, err)
	}
	if pctCol >= 0 {
		if e.Percentile, err = probability(f[pctCol]); err != nil {
			return EPSS{}, fmt.Errorf("%s: percentile: %w", id, err)
		}
	}
	return e, nil
}

func probability(b []byte) (float64, error) {
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", b)
	}
	if !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("%v out of 0..1", v)
	}
	return v, nil
}
