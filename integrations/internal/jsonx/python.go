package jsonx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Scalar is Python's str() of a decoded str, int, float or bool value (bool
// is an int subclass in Python, so upstream's isinstance checks let it
// through). ok is false for null, lists and objects.
func Scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return Number(x), true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

// Number is Python's str() of the int or float json.loads makes of n.
func Number(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(i, 10) // "-0" is 0 in Python
		}
		return s // a big int: Python keeps every digit
	}
	f, err := n.Float64()
	if err != nil && !math.IsInf(f, 0) {
		return s
	}
	return pyFloat(f)
}

// pyFloat is Python's repr() of a float: fixed notation with at least one
// decimal between 1e-4 and 1e16, the shortest scientific form otherwise.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if abs := math.Abs(f); f == 0 || (abs >= 1e-4 && abs < 1e16) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// Str is Python's str() of the value json.loads makes of raw: strings as
// they are, containers in repr form ({'a': [1, True, None]}), keys in
// document order. Invalid JSON gives "".
func Str(raw json.RawMessage) string {
	var b strings.Builder
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	if s, ok := tok.(string); ok {
		return s
	}
	if err := writeRepr(&b, dec, tok); err != nil {
		return ""
	}
	return b.String()
}

func writeRepr(b *strings.Builder, dec *json.Decoder, tok json.Token) error {
	switch x := tok.(type) {
	case json.Delim:
		closer, open := "]", "["
		if x == '{' {
			closer, open = "}", "{"
		}
		b.WriteString(open)
		for first := true; dec.More(); first = false {
			if !first {
				b.WriteString(", ")
			}
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if x == '{' {
				key, _ := t.(string)
				b.WriteString(Repr(key))
				b.WriteString(": ")
				if t, err = dec.Token(); err != nil {
					return err
				}
			}
			if err := writeRepr(b, dec, t); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		b.WriteString(closer)
	case string:
		b.WriteString(Repr(x))
	case nil:
		b.WriteString("None")
	default:
		s, ok := Scalar(x)
		if !ok {
			return fmt.Errorf("unexpected token %v", tok)
		}
		b.WriteString(s)
	}
	return nil
}

// Repr is Python's repr() of a str: single quotes unless the text has a
// single quote and no double one; printable characters kept as they are.
func Repr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && !unicode.IsPrint(r) && r != ' ':
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// PyInt reads s as Python's int() does: surrounding white space, an
// optional sign, ASCII digits with single underscores between them. It
// refuses values past ±max.
func PyInt(s string, max int64) (int64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) })
	if s == "" {
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if n <= max {
				n = n*10 + int64(c-'0')
			}
		case c == '_' && i > 0 && i+1 < len(s) && s[i-1] != '_' && s[i+1] >= '0' && s[i+1] <= '9':
		default:
			return 0, false
		}
	}
	if digits == 0 || n > max {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
