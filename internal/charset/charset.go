// Package charset converts the character set a device writes its logs in to
// UTF-8, the only encoding Sekimori stores. Japanese devices still send
// Shift_JIS (in its Windows form, CP932) or EUC-JP.
package charset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// ErrUnknown is wrapped by the error New returns for a name it does not
// know.
var ErrUnknown = errors.New("unknown charset")

// accepted lists the names New takes, for error messages.
const accepted = `"utf-8", "utf8", "" (UTF-8); "shift_jis", "sjis", "cp932", "windows-31j" (Shift_JIS); "euc-jp", "eucjp" (EUC-JP)`

// Canonical names, as Name returns them.
const (
	UTF8     = "utf-8"
	ShiftJIS = "shift_jis"
	EUCJP    = "euc-jp"
)

// Decoder converts one character set to UTF-8.
//
// A Decoder is used by one goroutine at a time; it is cheap enough to create
// one per connection.
type Decoder struct {
	name string
	// t decodes to UTF-8; nil for UTF-8 itself.
	t transform.Transformer
}

// New returns a Decoder for the named character set. Names are matched
// without regard to case:
//
//   - "utf-8", "utf8" or "": UTF-8, passed through, invalid sequences
//     replaced by U+FFFD;
//   - "shift_jis", "sjis", "cp932" or "windows-31j": Shift_JIS with the
//     Windows (CP932) extensions, as the WHATWG Encoding Standard defines
//     it: NEC and IBM extension characters are decoded;
//   - "euc-jp" or "eucjp": EUC-JP, JIS X 0212 included.
//
// Any other name is an error wrapping ErrUnknown.
func New(name string) (*Decoder, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "utf-8", "utf8":
		return &Decoder{name: UTF8}, nil
	case "shift_jis", "sjis", "cp932", "windows-31j":
		return &Decoder{name: ShiftJIS, t: japanese.ShiftJIS.NewDecoder()}, nil
	case "euc-jp", "eucjp":
		return &Decoder{name: EUCJP, t: japanese.EUCJP.NewDecoder()}, nil
	}
	return nil, fmt.Errorf("charset %q: %w; accepted: %s", name, ErrUnknown, accepted)
}

// Name returns the canonical name of the character set: "utf-8",
// "shift_jis" or "euc-jp".
func (d *Decoder) Name() string { return d.name }

// Decode appends the UTF-8 form of src to dst and returns the extended
// slice. Bytes that are invalid in the character set become U+FFFD; Decode
// never fails and never drops the rest of the input. The result is always
// valid UTF-8. src is one whole line: a multi-byte character cut at its end
// becomes U+FFFD rather than being kept for the next call.
//
// Pure ASCII (and the ASCII start of src) is copied as is. Decode allocates
// only when dst lacks room.
func (d *Decoder) Decode(dst, src []byte) []byte {
	n := asciiPrefix(src)
	dst = append(dst, src[:n]...)
	src = src[n:]
	if len(src) == 0 {
		return dst
	}
	if d.t == nil {
		return appendValidUTF8(dst, src)
	}
	return d.transform(dst, src)
}

// transform runs the x/text decoder over src, growing dst as needed.
func (d *Decoder) transform(dst, src []byte) []byte {
	d.t.Reset()
	// Japanese encodings decode to the Basic Multilingual Plane: at most
	// three bytes of UTF-8 for each byte of src.
	dst = grow(dst, 3*len(src))
	for len(src) > 0 {
		nDst, nSrc, err := d.t.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		switch {
		case err == nil:
			return dst
		case errors.Is(err, transform.ErrShortDst):
			dst = grow(dst, max(3*len(src), utf8.UTFMax))
		case nSrc == 0:
			// The decoders report no other errors with atEOF set; should
			// one appear, replace a byte and go on rather than lose the
			// rest of the line.
			dst = utf8.AppendRune(dst, utf8.RuneError)
			src = src[1:]
		}
	}
	return dst
}

// appendValidUTF8 appends src to dst, replacing each byte that does not
// start a valid UTF-8 sequence by U+FFFD.
func appendValidUTF8(dst, src []byte) []byte {
	if utf8.Valid(src) {
		return append(dst, src...)
	}
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, src[:size]...)
		}
		src = src[size:]
	}
	return dst
}

// asciiPrefix returns the length of the longest prefix of b made only of
// ASCII bytes, looking at eight bytes at a time.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// grow returns dst with room for at least n more bytes.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	grown := make([]byte, len(dst), 2*cap(dst)+n)
	copy(grown, dst)
	return grown
}
