package markup

import (
	"html"
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
)

// A block's text is what a strict sanitizer leaves of its HTML, unescaped:
// textOf reads it with a tokenizer, for less work, and must agree.
func TestTextOfAgreesWithStrictSanitizer(t *testing.T) {
	strict := bluemonday.StrictPolicy()
	r := New()
	sources := []string{
		"Plain *emphasis* and **strong** and `code`, a [link](https://example.com) & an ampersand.",
		"# Heading with <b>raw</b> HTML\n\n> A quote\n> over lines",
		"- one\n- two &amp; three\n- <span>four</span>\n\n1. first\n2. second",
		"| a | b |\n|---|---|\n| 1 < 2 | \"q\" 's |",
		"```\na < b\n\nc > d\n```",
		"<figure><img src=\"https://example.com/x.png\" alt=\"x\"><figcaption>Cap &nbsp; tion</figcaption></figure>",
		"Line one  \nline two<br>line three &#x263A; &copy; ~~gone~~",
		"दिल्ली में बारिश हुई। <em>आज</em>",
		"<p onclick=\"x()\">Kept</p><script>alert(1)</script><style>p{}</style><!-- a comment -->",
	}
	for _, src := range sources {
		var raws []string
		blocks, err := r.Markdown(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks {
			raws = append(raws, b.HTML)
		}
		hb, err := r.HTML(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range hb {
			raws = append(raws, b.HTML)
		}
		for _, clean := range raws {
			want := strings.Join(strings.Fields(html.UnescapeString(strict.Sanitize(clean))), " ")
			if got := strings.Join(strings.Fields(textOf(clean)), " "); got != want {
				t.Errorf("%q:\n got %q\nwant %q", clean, got, want)
			}
		}
	}
}
