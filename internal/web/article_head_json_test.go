package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The page head's JSON-LD is written by hand; each string must read back
// as encoding/json's own writing of it does and never carry what could end its script element
// or a JavaScript line, as encoding/json's escaping for HTML promises.
func TestJSONStringsInThePageHead(t *testing.T) {
	for _, s := range []string{
		"", "plain headline", `quotes " and \ backslash`, "</script><script>alert(1)</script>", "a & b <!-- c -->",
		"line\nbreak\r\ttab\x00nul\x1funit\x7fdel", "line\u2028separator\u2029paragraph", "हिन्दी समाचार", "bad \xff\xfe utf-8 \xe2\x80",
	} {
		var buf bytes.Buffer
		writeJSONString(&buf, s[:len(s)/2], s[len(s)/2:]) // as parts, split anywhere
		var got string
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Errorf("%q written as %s: %v", s, buf.String(), err)
			continue
		}
		want := readBack(t, s[:len(s)/2]) + readBack(t, s[len(s)/2:])
		if got != want {
			t.Errorf("%q written as %s reads back as %q", s, buf.String(), got)
		}
		if strings.ContainsAny(buf.String(), "<>&\u2028\u2029") {
			t.Errorf("%q written as %s: unescaped", s, buf.String())
		}
	}
}

// readBack is s written by encoding/json and read again: invalid UTF-8
// reads back as replacement characters.
func readBack(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}
