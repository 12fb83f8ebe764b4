package sigma

import (
	"fmt"
	"strings"
)

// Error is one reason a rule was refused, located in its file. Line and Col
// start at 1; they are 0 when the problem has no single place (a missing key
// is reported at the start of the enclosing map).
type Error struct {
	File      string
	Line, Col int
	// Rule is the id (or title) of the refused rule when it is known.
	Rule string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// errAt builds an Error at p; the file is filled in by the caller that
// knows it (see docParser.fail).
func errAt(p Pos, format string, args ...any) *Error {
	return &Error{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}
