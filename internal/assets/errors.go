package assets

import (
	"errors"
	"fmt"
	"strings"
)

// MaxErrors is how many problems an import lists.
const MaxErrors = 50

// ErrTenantMismatch is wrapped by the error for a hosts sheet row whose
// tenant is not the one being imported: usually another customer's file.
var ErrTenantMismatch = errors.New("row belongs to another tenant")

// RowError is a problem in one row of a sheet.
type RowError struct {
	// Row is the line the row starts on, counting the header as 1: the
	// spreadsheet row number unless a cell holds a line break.
	Row int
	// Column is the header name of the cell at fault, or "" for the row
	// as a whole.
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("row %d, column %q: %v", e.Row, e.Column, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// ErrorList is every problem an import found, in input order.
type ErrorList struct {
	Errs []*RowError
	// Truncated says that there were more than MaxErrors problems; only
	// the first MaxErrors are listed.
	Truncated bool
}

func (l *ErrorList) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems", len(l.Errs))
	if len(l.Errs) == 1 {
		b.Reset()
		b.WriteString("1 problem")
	}
	if l.Truncated {
		fmt.Fprintf(&b, " (more not listed)")
	}
	for _, e := range l.Errs {
		b.WriteString("\n")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As look at every problem.
func (l *ErrorList) Unwrap() []error {
	errs := make([]error, len(l.Errs))
	for i, e := range l.Errs {
		errs[i] = e
	}
	return errs
}

// add records a problem, or past MaxErrors only that there were more.
func (l *ErrorList) add(row int, column string, err error) {
	if len(l.Errs) >= MaxErrors {
		l.Truncated = true
		return
	}
	l.Errs = append(l.Errs, &RowError{Row: row, Column: column, Err: err})
}
