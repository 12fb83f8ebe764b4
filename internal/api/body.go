package api

import (
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// DefaultBodyReadTimeout is Deps.BodyReadTimeout unless set.
const DefaultBodyReadTimeout = 5 * time.Minute

// deadlineBody bounds reading a request body: the connection's read
// deadline is set when the handler starts and lifted once the whole body
// has been read, so that it never cuts a long response. Otherwise it stays
// set: nothing reads the connection until the response is written, then
// the server, wanting the unread rest of the body before it answers, gets
// the timeout at once, answers and closes the connection (lifting it after
// a timeout would leave the server waiting for that rest for ever). Not
// safe for concurrent reads, like any request body.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

// limitBody sets the read deadline for r's body, if it has one. Requests
// without a body (every GET, streamed search included) are left alone.
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(s.d.BodyReadTimeout)); err != nil {
		return // a ResponseWriter without deadlines (tests' recorders)
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		// At EOF net/http starts reading the connection in the background
		// to notice a client going away; without a deadline now.
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// isTimeout reports whether err is a read deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bodyTimeout answers 408 for a body not read within BodyReadTimeout.
func (s *Server) bodyTimeout(w http.ResponseWriter) {
	writeError(w, http.StatusRequestTimeout, "request_timeout", "the request body was not received within "+s.d.BodyReadTimeout.String())
}
