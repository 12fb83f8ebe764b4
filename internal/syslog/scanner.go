package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the frame size limit NewScanner uses when given none.
// RFC 5425 §4.3.1 asks receivers to take at least 2048 octets and says they
// should take 8192; real senders go well beyond that with long firewall logs.
const DefaultMaxFrame = 64 << 10

// maxLenDigits bounds the MSG-LEN field of octet counting, leading zeros
// included, so that garbage cannot make the Scanner buffer without limit.
const maxLenDigits = 20

// maxOctetCount is the largest MSG-LEN accepted (64 MiB). Frames longer
// than the maximum frame size but within it are cut and the rest
// discarded; a larger count is garbage or hostile ("99999999999 "), so it
// ends the stream with ErrFraming rather than hours of discarding. Counts
// are never allocated: memory stays bounded by the maximum frame size.
const maxOctetCount = 64 << 20

// ErrFraming is matched (errors.Is) by the errors that end a stream on
// bad framing: a bad or too large octet count, or a frame cut by the end
// of the stream. The receiver counts them and closes the connection.
var ErrFraming = errors.New("syslog framing error")

// framingError is a framing error whose message stays as written.
type framingError struct{ msg string }

func (e *framingError) Error() string        { return e.msg }
func (e *framingError) Is(target error) bool { return target == ErrFraming }

func framingErrorf(format string, args ...any) error {
	return &framingError{msg: fmt.Sprintf(format, args...)}
}

// maxEmptyReads is how many times in a row a Reader may return 0, nil
// before the Scanner gives up with io.ErrNoProgress.
const maxEmptyReads = 100

// framing is the RFC 6587 §3.4 method a connection uses.
type framing uint8

const (
	framingUnknown framing = iota
	framingOctet           // §3.4.1 octet counting: "MSG-LEN SP SYSLOG-MSG"
	framingLF              // §3.4.2 non-transparent framing: a trailer after each message
)

// Scanner reads syslog frames from a TCP or TLS stream (RFC 6587).
//
// The framing is detected once per connection from its first bytes: a run
// of digits followed by SP means octet counting (§3.4.1, "MSG-LEN SP MSG"),
// anything else means non-transparent framing (§3.4.2) with LF as the
// trailer; NUL is accepted as a trailer too and a CR before the trailer is
// removed. Looking past the first digit keeps a stream of lines that start
// with a digit (relayed "2026-04-03T00:31:09Z host ..." without PRI) from
// being taken for octet counting.
//
// Frames longer than the maximum are cut to it: the rest of that frame is
// read and thrown away, and Truncated reports it. An octet count over 64
// MiB is not a frame to cut but an error (ErrFraming). The Scanner's memory is
// bounded by the maximum frame size. Empty frames are skipped. Between
// octet-counted frames, stray LF, CR and NUL bytes (sent by some senders
// after each frame) are skipped.
//
// Use it like bufio.Scanner: call Scan until it returns false, then Err.
// A Scanner is used by one goroutine at a time.
type Scanner struct {
	r   io.Reader
	max int

	buf        []byte
	start, end int // buf[start:end] has been read and not yet consumed
	// seen counts the bytes from start that LF framing has already searched
	// for a trailer, so that a line arriving a byte at a time is searched
	// once, not once per byte.
	seen int

	mode      framing
	frame     []byte
	truncated bool

	// After a truncated frame: octet counting has skip bytes of a frame of
	// want bytes still to discard; LF framing discards through the next
	// trailer.
	skip, want int64
	skipLine   bool

	eof     bool  // the Reader returned io.EOF
	readErr error // the Reader's error, other than io.EOF
	done    bool  // Scan will return false from now on
	err     error // what Err returns
}

// NewScanner returns a Scanner reading from r that cuts frames longer than
// maxFrame bytes; maxFrame < 1 means DefaultMaxFrame. It allocates a
// buffer of about maxFrame bytes.
func NewScanner(r io.Reader, maxFrame int) *Scanner {
	if maxFrame < 1 {
		maxFrame = DefaultMaxFrame
	}
	// Room for a whole frame plus its MSG-LEN and SP, or plus CR and LF.
	return &Scanner{r: r, max: maxFrame, buf: make([]byte, maxFrame+maxLenDigits+2)}
}

// Scan advances to the next frame, which Bytes then returns. It returns
// false at the end of the stream or on an error; Err tells which.
func (s *Scanner) Scan() bool {
	s.frame, s.truncated = nil, false
	for !s.done {
		switch {
		case s.skip > 0:
			s.discardCount()
		case s.skipLine:
			s.discardLine()
		case s.mode == framingUnknown:
			s.detect()
		case s.mode == framingOctet:
			if s.nextCounted() {
				return true
			}
		default:
			if s.nextLine() {
				return true
			}
		}
	}
	return false
}

// Bytes returns the current frame without its framing. It is valid until
// the next call to Scan, which may overwrite it.
func (s *Scanner) Bytes() []byte { return s.frame }

// Truncated reports whether the current frame was longer than the maximum
// and has been cut.
func (s *Scanner) Truncated() bool { return s.truncated }

// Err returns the error that ended Scan: nil at a clean end of the stream,
// the Reader's error, or a framing error (matching ErrFraming). For octet counting a frame cut
// short by the end of the stream is an error; for LF framing the partial
// last line is returned as a frame, even when the Reader failed.
func (s *Scanner) Err() error { return s.err }

// fill reads more bytes into buf. It reports whether any bytes were added;
// false means the stream has ended (or failed) and nothing more will come.
//
// The unconsumed bytes are moved to the start of buf only when buf is full
// up to its end, so that each byte is copied a bounded number of times
// however small the reads are. Callers never ask for more than
// len(buf) unconsumed bytes.
func (s *Scanner) fill() bool {
	if s.eof || s.readErr != nil {
		return false
	}
	if s.start == s.end {
		s.start, s.end = 0, 0
	} else if s.end == len(s.buf) {
		if s.start == 0 {
			panic("syslog: Scanner.fill with a full buffer") // a bug in the caller
		}
		s.end = copy(s.buf, s.buf[s.start:s.end])
		s.start = 0
	}
	for range maxEmptyReads {
		n, err := s.r.Read(s.buf[s.end:])
		if n < 0 || n > len(s.buf)-s.end {
			s.readErr = fmt.Errorf("read syslog stream: reader returned count %d", n)
			return false
		}
		s.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else {
				s.readErr = fmt.Errorf("read syslog stream: %w", err)
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.readErr = fmt.Errorf("read syslog stream: %w", io.ErrNoProgress)
	return false
}

// stop ends scanning once the stream has ended or failed: a read error
// wins over cut, the framing error the end of the stream caused, if any.
func (s *Scanner) stop(cut error) {
	s.done = true
	switch {
	case s.readErr != nil:
		s.err = s.readErr
	default:
		s.err = cut
	}
}

// fail ends scanning with a framing error.
func (s *Scanner) fail(err error) {
	s.done = true
	s.err = err
}

// detect chooses the framing from the first bytes of the stream: octet
// counting when they are 1 to maxLenDigits digits and a SP.
func (s *Scanner) detect() {
	for i := 0; i <= maxLenDigits; i++ {
		if s.start+i == s.end && !s.fill() {
			if s.start == s.end {
				s.stop(nil)
				return
			}
			s.mode = framingLF
			return
		}
		if c := s.buf[s.start+i]; !isDigit(c) {
			if c == ' ' && i > 0 {
				s.mode = framingOctet
			} else {
				s.mode = framingLF
			}
			return
		}
	}
	s.mode = framingLF
}

// nextCounted reads one octet-counted frame (RFC 6587 §3.4.1). It reports
// false when it produced no frame: an empty frame, or the end.
func (s *Scanner) nextCounted() bool {
	// Stray trailers between frames.
	for {
		for s.start < s.end && (s.buf[s.start] == '\n' || s.buf[s.start] == '\r' || s.buf[s.start] == 0) {
			s.start++
		}
		if s.start < s.end {
			break
		}
		if !s.fill() {
			s.stop(nil)
			return false
		}
	}

	// MSG-LEN SP, where MSG-LEN = NONZERO-DIGIT *DIGIT; leading zeros are
	// accepted all the same.
	var n int64
	for i := 0; ; i++ {
		if s.start+i == s.end && !s.fill() {
			s.stop(framingErrorf("frame cut at EOF: octet count %q without a message", s.buf[s.start:s.end]))
			return false
		}
		switch c := s.buf[s.start+i]; {
		case isDigit(c):
			if i == maxLenDigits {
				s.fail(framingErrorf("octet count %q: too long", s.peekToken(maxLenDigits+1)))
				return false
			}
			if n > maxOctetCount {
				s.fail(framingErrorf("octet count %q: too large", s.peekToken(maxLenDigits+1)))
				return false
			}
			n = n*10 + int64(c-'0')
		case c == ' ' && i > 0:
			if n > maxOctetCount {
				s.fail(framingErrorf("octet count %q: too large", s.buf[s.start:s.start+i]))
				return false
			}
			s.start += i + 1
			return s.counted(n)
		default:
			s.fail(framingErrorf("octet count %q: not a number", s.peekToken(maxLenDigits+1)))
			return false
		}
	}
}

// peekToken returns the unconsumed bytes up to the first SP, at most limit
// of them, reading more if needed; it is for error messages, and gives the
// same answer however the stream was split into reads.
func (s *Scanner) peekToken(limit int) []byte {
	for i := 0; i < limit; i++ {
		if s.start+i == s.end && !s.fill() {
			return s.buf[s.start:s.end]
		}
		if s.buf[s.start+i] == ' ' {
			return s.buf[s.start : s.start+i]
		}
	}
	return s.buf[s.start : s.start+limit]
}

// counted reads the n-byte frame whose MSG-LEN has been consumed.
func (s *Scanner) counted(n int64) bool {
	if n == 0 {
		return false
	}
	need := int(min(n, int64(s.max)))
	for s.end-s.start < need {
		if !s.fill() {
			s.stop(framingErrorf("frame cut at EOF: have %d of %d bytes", s.end-s.start, n))
			return false
		}
	}
	s.frame = s.buf[s.start : s.start+need]
	s.start += need
	if n > int64(need) {
		s.truncated = true
		s.skip, s.want = n-int64(need), n
	}
	return true
}

// discardCount throws away the rest of a truncated octet-counted frame.
func (s *Scanner) discardCount() {
	for s.skip > 0 {
		if s.start == s.end && !s.fill() {
			s.stop(framingErrorf("frame cut at EOF: have %d of %d bytes", s.want-s.skip, s.want))
			s.skip = 0
			return
		}
		k := int(min(s.skip, int64(s.end-s.start)))
		s.start += k
		s.skip -= int64(k)
	}
}

// nextLine reads one frame of non-transparent framing (RFC 6587 §3.4.2).
// It reports false when it produced no frame: an empty line, or the end.
func (s *Scanner) nextLine() bool {
	// A line of max bytes may come with CR and LF after it.
	window := s.max + 2
	for {
		avail := s.buf[s.start:min(s.end, s.start+window)]
		if i := indexTrailer(avail[s.seen:]); i >= 0 {
			i += s.seen
			s.start += i + 1
			s.seen = 0
			return s.setLine(avail[:i])
		}
		s.seen = len(avail)
		if len(avail) == window {
			s.frame = avail[:s.max]
			s.truncated = true
			s.start += len(avail)
			s.seen = 0
			s.skipLine = true
			return true
		}
		if !s.fill() {
			s.stop(nil)
			line := s.buf[s.start:s.end] // fill may have moved it
			s.start = s.end
			s.seen = 0
			return s.setLine(line)
		}
	}
}

// setLine makes line, without its trailer, the current frame unless it is
// empty.
func (s *Scanner) setLine(line []byte) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return false
	}
	if len(line) > s.max {
		line, s.truncated = line[:s.max], true
	}
	s.frame = line
	return true
}

// discardLine throws away the rest of a truncated line, its trailer
// included.
func (s *Scanner) discardLine() {
	for {
		if i := indexTrailer(s.buf[s.start:s.end]); i >= 0 {
			s.start += i + 1
			s.skipLine = false
			return
		}
		s.start = s.end
		if !s.fill() {
			s.skipLine = false
			s.stop(nil)
			return
		}
	}
}

// indexTrailer returns the index of the first LF or NUL in b, or -1.
func indexTrailer(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		i = len(b)
	}
	if j := bytes.IndexByte(b[:i], 0); j >= 0 {
		return j
	}
	if i == len(b) {
		return -1
	}
	return i
}

// TrimTrailer removes the LF, CRLF or NUL that many senders put at the end
// of a UDP datagram (RFC 5426 §3.1 carries one message per datagram, no
// trailer), so that the datagram can be given to Parse.
func TrimTrailer(datagram []byte) []byte {
	for n := len(datagram); n > 0; n-- {
		switch datagram[n-1] {
		case '\n', '\r', 0:
			continue
		}
		return datagram[:n]
	}
	return datagram[:0]
}
