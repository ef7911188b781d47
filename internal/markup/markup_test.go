package markup

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Payloads an attacker with an editor's account (or a wire feed) would
// try. None of the markers may survive into a block.
func TestMarkdownSanitizesHostileInput(t *testing.T) {
	r := New()
	cases := map[string]string{
		"script":             "Hello\n\n<script>alert('x')</script>\n\nBye",
		"inline script":      "Hello <script>alert('x')</script> there",
		"onerror":            `<img src="https://example.com/a.png" onerror="alert('x')">`,
		"javascript link":    "[click](javascript:alert('x'))",
		"javascript html":    `<a href="javascript:alert('x')">click</a>`,
		"entity javascript":  `<a href="jav&#x09;ascript:alert('x')">click</a>`,
		"svg onload":         `<svg onload="alert('x')"><circle r="1"/></svg>`,
		"data url image":     `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
		"data url link":      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"iframe":             `<iframe src="https://evil.example/"></iframe>`,
		"form":               `<form action="https://evil.example/"><input name="password"></form>`,
		"style":              `<p style="background:url(javascript:alert('x'))">styled</p>`,
		"nested malformed":   `<scr<script>ipt>alert('x')</scr</script>ipt>`,
		"unclosed attribute": `<a href="https://ok.example/" onclick="alert('x')`,
		"object":             `<object data="https://evil.example/x.swf"></object><embed src="x.swf">`,
		"meta refresh":       `<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
		"base":               `<base href="https://evil.example/">`,
	}
	for name, src := range cases {
		blocks, err := r.Markdown(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, b := range blocks {
			if bad := activeMarkup(b.HTML); bad != "" {
				t.Errorf("%s: block %q keeps %s", name, b.HTML, bad)
			}
		}
	}
}

// activeMarkup parses s as a browser would and names the first element or
// attribute in it that could run script, load a frame or post a form.
func activeMarkup(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "form", "input", "svg", "object", "embed", "meta", "base", "style", "link":
				return "<" + tok.Data + ">"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" ||
					(a.Key == "href" || a.Key == "src") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
					return a.Key + "=" + a.Val
				}
			}
		}
	}
}

func TestMarkdownBlocks(t *testing.T) {
	src := "# Rates rise\n\nThe bank **raised** rates.\n\n- one\n- two\n\n> A quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" +
		"<figure><img src=\"https://img.example/a.jpg\" alt=\"A chart\"><figcaption>The chart</figcaption></figure>\n\n[Read more](https://example.com/x)"
	blocks, err := New().Markdown(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ prefix, text string }{
		{"<h1", "Rates rise"},
		{"<p>The bank <strong>raised</strong>", "The bank raised rates."},
		{"<ul>", "one two"},
		{"<blockquote>", "A quote"},
		{"<table>", "a b 1 2"},
		{"<figure><img", "The chart"},
		{`<p><a href="https://example.com/x"`, "Read more"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks, want %d: %+v", len(blocks), len(want), blocks)
	}
	for i, w := range want {
		if !strings.HasPrefix(blocks[i].HTML, w.prefix) || blocks[i].Text != w.text {
			t.Errorf("block %d = %q / %q, want prefix %q and text %q", i, blocks[i].HTML, blocks[i].Text, w.prefix, w.text)
		}
	}
}

func TestMarkdownDropsBlocksTheSanitizerEmpties(t *testing.T) {
	blocks, err := New().Markdown("First\n\n<script>alert(1)</script>\n\nSecond")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Text != "First" || blocks[1].Text != "Second" {
		t.Fatalf("blocks = %+v, want First and Second only", blocks)
	}
}

func TestParagraphsEscape(t *testing.T) {
	b := Paragraphs([]string{`a <b> & "c"`})
	if b[0].HTML != "<p>a &lt;b&gt; &amp; &#34;c&#34;</p>" || b[0].Text != `a <b> & "c"` {
		t.Fatalf("got %+v", b[0])
	}
}
