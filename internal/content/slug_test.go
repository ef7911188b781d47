package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlugify(t *testing.T) {
	cases := map[string]string{
		"Monsoon lifts kharif sowing to a record": "monsoon-lifts-kharif-sowing-to-a-record",
		"  RBI's repo rate: 6.5% — unchanged!  ":  "rbi-s-repo-rate-6-5-unchanged",
		"मानसून से खरीफ की बुआई रिकॉर्ड स्तर पर":  "मानसून-से-खरीफ-की-बुआई-रिकॉर्ड-स्तर-पर",
		"<script>alert(1)</script>":               "script-alert-1-script",
		"../../etc/passwd":                        "etc-passwd",
		"!!!":                                     "",
	}
	for in, want := range cases {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	long := Slugify(strings.Repeat("word ", 40))
	if n := utf8.RuneCountInString(long); n > maxSlug || strings.HasSuffix(long, "-") || strings.HasSuffix(long, "wor") {
		t.Errorf("long slug %q (%d characters) is not cut at a word", long, n)
	}
}
