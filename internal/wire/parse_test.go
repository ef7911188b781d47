package wire

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"broadsheet/internal/markup"
)

func rss(items string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>` + items + `</channel></rss>`)
}

// What a feed's items are read as, and which are refused with why.
func TestParseFeedItems(t *testing.T) {
	m := markup.New()
	long := strings.Repeat("word ", 41)
	p, err := parseFeed(rss(`
		<item><title>One</title><guid>a</guid><description>first</description></item>
		<item><title>Two</title><guid>a</guid><description>the same GUID again</description></item>
		<item><title>`+long+`</title><guid>b</guid><description>x</description></item>
		<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; plain</title><guid>c</guid><description>y</description></item>`), m)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.Items[1].Key != "a" || p.Items[0].Headline != "Bold & plain" {
		t.Errorf("items: %+v", p.Items)
	}
	if len(p.Refused) != 2 || !strings.Contains(p.Refused[0].Reason, "same GUID") ||
		!strings.Contains(p.Refused[1].Reason, "longer than 200 characters") {
		t.Errorf("refused: %+v", p.Refused)
	}

	// A feed in another encoding is read as it says.
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title>" +
		"<item><title>Caf\xe9 chains expand</title><guid>l1</guid><description>Cr\xe8me</description></item></channel></rss>")
	if p, err := parseFeed(latin1, m); err != nil || len(p.Items) != 1 || p.Items[0].Headline != "Café chains expand" {
		t.Errorf("a Latin-1 feed: %+v %v", p, err)
	}

	var many strings.Builder
	for i := range maxItems + 3 {
		fmt.Fprintf(&many, `<item><title>Item %d</title><guid>g%d</guid><description>x</description></item>`, i, i)
	}
	if p, err := parseFeed(rss(many.String()), m); err != nil || len(p.Items) != maxItems || len(p.Refused) != 1 ||
		p.Refused[0].Key != "items 501 to 503" {
		t.Errorf("a feed of %d items: %d read, refused %+v, %v", maxItems+3, len(p.Items), p.Refused, err)
	}
	for _, bad := range [][]byte{[]byte(`{"version": "https://jsonfeed.org/version/1.1", "items": [`), []byte("\xff\xfe\x00<"), []byte("")} {
		if _, err := parseFeed(bad, m); err == nil {
			t.Errorf("%q was read as a feed", bad)
		}
	}
}

// An item's HTML is the story's blocks one after another: a blank line
// inside a block, which would end it as Markdown, is closed up, but in
// preformatted text.
func TestStoryBodyKeepsBlocksWhole(t *testing.T) {
	m := markup.New()
	body, err := storyBody("<div>One\n\n  \nTwo</div><pre>a\n\nb</pre>plain <b>text</b>", m)
	if err != nil {
		t.Fatal(err)
	}
	want := "<div>One\nTwo</div>\n\n<pre>a\n\nb</pre>\n\n<p>plain <b>text</b></p>"
	if body != want {
		t.Errorf("body %q, want %q", body, want)
	}
	blocks, err := m.Markdown(body)
	if err != nil || len(blocks) != 3 || !strings.Contains(blocks[0].HTML, "One\nTwo") {
		t.Errorf("rendered again: %+v %v", blocks, err)
	}
	if _, err := storyBody("<script>x()</script><style>p{}</style>", m); err == nil {
		t.Error("a body of nothing but a script made a story")
	}
	for in, want := range map[string]string{
		"Line one & two\n\nLine 3 < 4": "<p>Line one &amp; two</p>\n<p>Line 3 &lt; 4</p>\n",
		"Sunday&#8217;s session":       "Sunday&#8217;s session",
		"AT&amp;T rises":               "AT&amp;T rises",
		"One <b>bold</b> word":         "One <b>bold</b> word",
	} {
		if got := asHTML(in); got != want {
			t.Errorf("asHTML(%q) = %q, want %q", in, got, want)
		}
	}
	if got := asHTML("Para one\n\nPara two"); got != "<p>Para one</p>\n<p>Para two</p>\n" {
		t.Errorf("plain text made %q", got)
	}
	if got := clip("a b c d e f", 6); got != "a b…" {
		t.Errorf("clip: %q", got)
	}
}

// Each format's picture of an item: RSS's media:content (before its
// enclosure, with its title and credit), a JSON Feed's image attachment;
// an Atom enclosure that is a PDF is no picture, nor is an image of the
// text alone, nor an address that is not http(s).
func TestPictureOfEachFormat(t *testing.T) {
	m := markup.New()
	want := map[string]map[string]imageRef{
		"agency_rss.xml": {"GWS-20261115-0912": {URL: "https://wire.example/img/rupee.jpg",
			Caption: "Rupee notes", Credit: "GWS Photo"}},
		"agency_json.json": {"dac-2026-11-15-0007": {URL: "https://deccan.example/img/port.jpg"}},
		"agency_atom.xml":  {},
	}
	for name, pictures := range want {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseFeed(body, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			got, ok := pictures[it.Key]
			switch {
			case !ok && it.Image != nil:
				t.Errorf("%s: %s has picture %+v", name, it.Key, *it.Image)
			case ok && (it.Image == nil || *it.Image != got):
				t.Errorf("%s: %s has picture %+v, want %+v", name, it.Key, it.Image, got)
			}
			delete(pictures, it.Key)
		}
		for key := range pictures {
			t.Errorf("%s: no item %s", name, key)
		}
	}
	p, err := parseFeed(rss(`<item><guid>a</guid><title>A</title><description><![CDATA[<p>Text <img src="https://x.example/in-text.png"></p>]]></description>`+
		`<enclosure url="javascript:alert(1)" type="image/png"/></item>`), m)
	if err != nil || len(p.Items) != 1 || p.Items[0].Image != nil {
		t.Errorf("an image of the text, or a script address, taken as the picture: %+v %v", p.Items, err)
	}
}
