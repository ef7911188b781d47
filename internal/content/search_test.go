package content_test

import (
	"fmt"
	"strings"
	"testing"

	"broadsheet/internal/content"
)

// The query language's hostile corners are clear errors or plain words,
// never syntax for an engine.
func TestParseQuery(t *testing.T) {
	cases := []struct {
		in   string
		want string
		err  error
	}{
		{"monsoon", "monsoon", nil},
		{`  Monsoon   "Interest RATES"  -town infla*`, `monsoon "interest rates" -town infla*`, nil},
		{`"unclosed phrase here`, `"unclosed phrase here"`, nil},
		{`"e-mail"`, `"e mail"`, nil},
		{`e-mail`, `"e mail"`, nil},
		{`"rate fo"*`, `"rate fo"*`, nil},
		{`-`, "", content.ErrSearchEmpty},
		{`*`, "", content.ErrSearchEmpty},
		{`""`, "", content.ErrSearchEmpty},
		{`!!! ??? ;;`, "", content.ErrSearchEmpty},
		{`-monsoon`, "", content.ErrSearchNoWord},
		{`'); DROP TABLE articles; --`, `drop table articles`, nil},
		{`a:* | b & !c <-> d`, `a* b c d`, nil},
		{`NEAR(a b) OR c`, `"near a" b or c`, nil},
		{strings.Repeat("word ", 2000), "", content.ErrSearchTooLong},
		{strings.Repeat("a ", 20), "", content.ErrSearchTooLong},
		{"\xff\xfe", "", content.ErrSearchNotUTF8},
	}
	for _, c := range cases {
		q, err := content.ParseQuery(c.in)
		if err != c.err {
			t.Errorf("%.40q: error %v, want %v", c.in, err, c.err)
			continue
		}
		if err == nil && q.String() != c.want {
			t.Errorf("%.40q parsed as %q, want %q", c.in, q.String(), c.want)
		}
	}
}

func marked(frags []content.Fragment) string {
	var b strings.Builder
	for _, f := range frags {
		if f.Match {
			b.WriteString("[" + f.Text + "]")
		} else {
			b.WriteString(f.Text)
		}
	}
	return b.String()
}

// Highlighting marks whole words of the terms to find, prefixes as
// prefixes, in any script and any case, and never the excluded.
func TestHighlight(t *testing.T) {
	cases := []struct{ query, text, want string }{
		{"monsoon", "The Monsoon's monsoons: monsoon.", "The [Monsoon]'s monsoons: [monsoon]."},
		{"infla*", "Inflation and inflationary infl.", "[Inflation] and [inflationary] infl."},
		{`"interest rates" -bank`, "Bank interest rates", "Bank [interest] [rates]"},
		{"मानसून", "भारत में मानसून की बारिश", "भारत में [मानसून] की बारिश"},
		{"<b>", "a <b> tag", "a <[b]> tag"},
	}
	for _, c := range cases {
		q, err := content.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := marked(content.Highlight(c.text, q)); got != c.want {
			t.Errorf("%q in %q: %q, want %q", c.query, c.text, got, c.want)
		}
	}
}

// A snippet is cut around the first match, or from the start.
func TestSnippet(t *testing.T) {
	var words []string
	for i := range 100 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	text := strings.Join(words, " \n ")
	q, _ := content.ParseQuery("w60")
	got := marked(content.Snippet(text, q))
	if !strings.HasPrefix(got, "… w50 ") || !strings.Contains(got, "[w60]") || !strings.HasSuffix(got, "w79 …") {
		t.Errorf("around w60: %q", got)
	}
	q, _ = content.ParseQuery("nowhere")
	if got := marked(content.Snippet(text, q)); !strings.HasPrefix(got, "w0 w1 ") || !strings.HasSuffix(got, "w29 …") {
		t.Errorf("no match: %q", got)
	}
	if got := content.Snippet("", q); got != nil {
		t.Errorf("empty text: %v", got)
	}
}
