// Package markup turns what an editor writes into the HTML a page may
// carry. A story's body is Markdown (CommonMark with tables); it is
// rendered and then passed through an allow-list sanitizer, so that no
// script, event handler, javascript: URL, foreign frame or form reaches a
// reader, whatever the editor (or a compromised editor's account) typed.
package markup

import (
	"bytes"
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Block is one top-level block of a story's body (a paragraph, heading,
// list, quote, table, figure): the unit the paywall's lead counts.
type Block struct {
	HTML string `json:"html"` // sanitized
	Text string `json:"text"` // the block's words, without markup
}

// Renderer renders Markdown to sanitized blocks. It is safe for concurrent
// use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
	strict *bluemonday.Policy // no element at all: see PlainText
}

// New returns a Renderer.
func New() *Renderer {
	return &Renderer{
		// Raw HTML in the Markdown is let through to the sanitizer rather
		// than dropped, so an editor may write a <figure>; the sanitizer,
		// not the Markdown renderer, is what keeps a page safe.
		md: goldmark.New(
			goldmark.WithExtensions(extension.Table, extension.Strikethrough),
			goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
		),
		policy: storyPolicy(),
		strict: bluemonday.StrictPolicy(),
	}
}

// PlainText is the words of an HTML fragment, such as a feed item's
// title: its elements dropped (a script's or style's content with them),
// its entities read and its white space collapsed. It is text, to be
// escaped where it is shown.
func (r *Renderer) PlainText(fragment string) string {
	return strings.Join(strings.Fields(html.UnescapeString(r.strict.Sanitize(fragment))), " ")
}

// storyPolicy is what a story's body may contain: the usual elements of
// user-written content, figures with captions, and links and images over
// http(s) only. It allows no iframe, form, script, style or event handler.
func storyPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("figure", "figcaption")
	// The newsroom's links are its own editorial choices, not comments.
	p.RequireNoFollowOnLinks(false)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}

// Markdown renders source as the story's blocks, sanitized. A block the
// sanitizer empties (a lone script, say) is dropped.
func (r *Renderer) Markdown(source string) ([]Block, error) {
	src := []byte(source)
	doc := r.md.Parser().Parse(text.NewReader(src))
	var blocks []Block
	var buf bytes.Buffer
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		buf.Reset()
		if err := r.md.Renderer().Render(&buf, src, n); err != nil {
			return nil, err
		}
		if b, ok := r.block(buf.String()); ok {
			blocks = append(blocks, b)
		}
	}
	return blocks, nil
}

// Paragraphs renders plain text, one paragraph per string, as blocks.
func Paragraphs(ps []string) []Block {
	blocks := make([]Block, len(ps))
	for i, p := range ps {
		blocks[i] = Block{HTML: "<p>" + html.EscapeString(p) + "</p>", Text: p}
	}
	return blocks
}

// block sanitizes one rendered block and reads its text.
func (r *Renderer) block(raw string) (Block, bool) {
	clean := strings.TrimSpace(r.policy.Sanitize(raw))
	words := strings.Join(strings.Fields(textOf(clean)), " ")
	if clean == "" || words == "" && !strings.Contains(clean, "<img") && !strings.Contains(clean, "<hr") {
		return Block{}, false
	}
	return Block{HTML: clean, Text: words}, true
}

// HTML sanitizes an HTML body as the story's blocks: each top-level
// element a block, loose text and inline elements between them gathered
// into paragraphs. It goes through the same sanitizer as Markdown.
func (r *Renderer) HTML(source string) ([]Block, error) {
	nodes, err := nethtml.ParseFragment(strings.NewReader(source), &nethtml.Node{
		Type: nethtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return nil, err
	}
	var blocks []Block
	var inline strings.Builder
	var buf bytes.Buffer
	flush := func() {
		if strings.TrimSpace(inline.String()) != "" {
			if b, ok := r.block("<p>" + strings.TrimSpace(inline.String()) + "</p>"); ok {
				blocks = append(blocks, b)
			}
		}
		inline.Reset()
	}
	for _, n := range nodes {
		buf.Reset()
		if err := nethtml.Render(&buf, n); err != nil {
			return nil, err
		}
		if n.Type == nethtml.ElementNode && !inlineElements[n.DataAtom] {
			flush()
			if b, ok := r.block(buf.String()); ok {
				blocks = append(blocks, b)
			}
			continue
		}
		if n.Type == nethtml.TextNode || n.Type == nethtml.ElementNode {
			inline.Write(buf.Bytes())
		}
	}
	flush()
	return blocks, nil
}

// inlineElements are the elements that sit inside a paragraph.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Br: true, atom.Cite: true, atom.Code: true,
	atom.Em: true, atom.I: true, atom.Img: true, atom.Kbd: true, atom.Mark: true, atom.Q: true,
	atom.S: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Del: true, atom.Ins: true,
}

// textOf is the text of sanitized HTML, its tags dropped and its
// entities read: what a strict sanitizer leaves, unescaped, at a fraction
// of the work. It relies on what the sanitizer wrote: no comments, and
// no '>' inside a tag (attribute values have it escaped).
func textOf(clean string) string {
	var b strings.Builder
	b.Grow(len(clean))
	for {
		i := strings.IndexByte(clean, '<')
		if i < 0 {
			b.WriteString(clean)
			break
		}
		b.WriteString(clean[:i])
		j := strings.IndexByte(clean[i:], '>')
		if j < 0 {
			break
		}
		clean = clean[i+j+1:]
	}
	return html.UnescapeString(b.String())
}
