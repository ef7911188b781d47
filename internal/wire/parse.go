package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"broadsheet/internal/content"
	"broadsheet/internal/markup"
)

// item is one item of a feed, read and checked, as the story it makes.
type item struct {
	Key       string // its GUID, or its link when it has none: what it is known by
	Headline  string
	Summary   string // the standfirst: the item's summary when it also has content
	BodyHTML  string // the item's HTML, unsanitized
	Authors   []string
	Published *time.Time
	Updated   *time.Time
	// Image is its own picture (an enclosure, media:content), made the
	// story's lead image; nil for none.
	Image *imageRef
	// Hash is of what the item says, so a change is a new version.
	Hash string
}

// Limits on what a feed's items may be.
const (
	maxItems    = 500
	maxKey      = 1000
	maxHeadline = 200 // the newsroom's
	maxSummary  = 600 // the newsroom's standfirst
	maxBodyHTML = 1 << 20
)

// parsedFeed is a feed's title and its items: those read, and those
// refused with why.
type parsedFeed struct {
	Title   string
	Items   []item
	Refused []Refusal
}

// parseFeed reads an RSS, Atom or JSON feed. A feed that cannot be read
// at all is an error; an item that is not a story is refused, the others
// kept. The items come oldest first, so that stories made of them are
// numbered in the order the agency sent them.
func parseFeed(body []byte, m *markup.Renderer) (*parsedFeed, error) {
	if !utf8.Valid(body) && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("<?xml")) {
		return nil, errors.New("the feed is not text")
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, errors.New("this is not an RSS, Atom or JSON feed")
	}
	if err != nil {
		return nil, fmt.Errorf("the feed cannot be read: %v", err)
	}
	p := &parsedFeed{Title: m.PlainText(feed.Title)}
	seen := map[string]bool{}
	for i, fi := range feed.Items {
		if i == maxItems {
			p.Refused = append(p.Refused, Refusal{Key: fmt.Sprintf("items %d to %d", i+1, len(feed.Items)),
				Reason: fmt.Sprintf("a poll reads the first %d items of a feed", maxItems)})
			break
		}
		it, err := readItem(fi, m)
		if err == nil && seen[it.Key] {
			err = errors.New("another item of the feed has the same GUID")
		}
		if err != nil {
			key := strings.TrimSpace(fi.GUID)
			if key == "" {
				key = strings.TrimSpace(fi.Link)
			}
			if key == "" || len(key) > maxKey {
				key = "item " + strconv.Itoa(i+1)
			}
			p.Refused = append(p.Refused, Refusal{Key: key, Title: clip(m.PlainText(fi.Title), maxHeadline), Reason: err.Error()})
			continue
		}
		seen[it.Key] = true
		p.Items = append(p.Items, it)
	}
	// Feeds list their newest item first, as a rule; the dates, when
	// every item has one, say for sure.
	slices.Reverse(p.Items)
	if !slices.ContainsFunc(p.Items, func(it item) bool { return it.Published == nil }) {
		slices.SortStableFunc(p.Items, func(a, b item) int { return a.Published.Compare(*b.Published) })
	}
	return p, nil
}

// readItem checks one item and reads the story it makes.
func readItem(fi *gofeed.Item, m *markup.Renderer) (item, error) {
	it := item{Key: strings.TrimSpace(fi.GUID), Published: fi.PublishedParsed, Updated: fi.UpdatedParsed}
	if it.Key == "" {
		it.Key = strings.TrimSpace(fi.Link)
	}
	switch {
	case it.Key == "":
		return it, errors.New("it has neither a GUID nor a link to know it by")
	case len(it.Key) > maxKey:
		return it, fmt.Errorf("its GUID is longer than %d bytes", maxKey)
	}
	it.Headline = m.PlainText(fi.Title)
	switch n := utf8.RuneCountInString(it.Headline); {
	case n == 0:
		return it, errors.New("it has no title")
	case n > maxHeadline:
		return it, fmt.Errorf("its title is longer than %d characters", maxHeadline)
	}
	body, summary := fi.Content, fi.Description
	if strings.TrimSpace(body) == "" {
		body, summary = summary, ""
	}
	if len(body) > maxBodyHTML {
		return it, fmt.Errorf("its text is longer than %d bytes", maxBodyHTML)
	}
	it.BodyHTML = asHTML(body)
	if s := m.PlainText(summary); s != "" && !strings.HasPrefix(m.PlainText(body), s) {
		it.Summary = clip(s, maxSummary)
	}
	for _, p := range fi.Authors {
		if p == nil {
			continue
		}
		if name := m.PlainText(p.Name); name != "" && !strings.Contains(name, "@") {
			it.Authors = append(it.Authors, name)
		}
	}
	it.Image = pictureOf(fi, m)
	h := sha256.New()
	for _, part := range append([]string{fi.Title, fi.Description, fi.Content}, it.Authors...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	it.Hash = hex.EncodeToString(h.Sum(nil))
	return it, nil
}

// asHTML is an item's text as HTML: HTML as it came, or plain text (a
// JSON Feed's content_text, a summary without markup) made paragraphs.
// Text with a tag or an entity is HTML.
func asHTML(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if looksLikeHTML.MatchString(s) {
		return s
	}
	var b strings.Builder
	for _, p := range content.SplitParagraphs(s) {
		b.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
	}
	return b.String()
}

// storyBody is an item's HTML as the newsroom's Markdown body: sanitized
// into blocks, one after another with blank lines between, which render
// to the same blocks when an editor opens and saves the story (as an
// archive's HTML bodies are). A blank line inside a block would end it
// there, so one is closed up, but in preformatted text.
func storyBody(bodyHTML string, m *markup.Renderer) (string, error) {
	blocks, err := m.HTML(bodyHTML)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(blocks))
	for _, b := range blocks {
		h := b.HTML
		if !strings.HasPrefix(h, "<pre") {
			h = blankLines.ReplaceAllString(h, "\n")
		}
		parts = append(parts, h)
	}
	if len(parts) == 0 {
		return "", errors.New("it has no text once its HTML is made safe")
	}
	return strings.Join(parts, "\n\n"), nil
}

var looksLikeHTML = regexp.MustCompile(`<[a-zA-Z/!]|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);`)

// blankLines are a line break and the lines of nothing but white space
// after it.
var blankLines = regexp.MustCompile(`\n(?:[ \t]*\n)+`)

// clip shortens s to at most n characters, at a word where it can.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// pictureOf is an item's own picture: its media:content or enclosure of
// an image type, else its media:thumbnail, else the picture the feed
// names for it (a JSON Feed's image) unless that is only an image of its
// text, which stays where it is in the text.
func pictureOf(fi *gofeed.Item, m *markup.Renderer) *imageRef {
	media := fi.Extensions["media"]
	var found []*imageRef
	for _, c := range media["content"] {
		if strings.HasPrefix(c.Attrs["type"], "image/") || c.Attrs["medium"] == "image" {
			found = append(found, &imageRef{URL: c.Attrs["url"], Caption: mediaText(c, "title", "description", m),
				Credit: mediaText(c, "credit", "", m)})
		}
	}
	for _, e := range fi.Enclosures {
		if e != nil && strings.HasPrefix(strings.ToLower(e.Type), "image/") {
			found = append(found, &imageRef{URL: e.URL})
		}
	}
	for _, c := range media["thumbnail"] {
		found = append(found, &imageRef{URL: c.Attrs["url"]})
	}
	if fi.Image != nil && !strings.Contains(fi.Content+fi.Description, fi.Image.URL) {
		found = append(found, &imageRef{URL: fi.Image.URL, Caption: m.PlainText(fi.Image.Title)})
	}
	for _, ref := range found {
		if u := strings.TrimSpace(ref.URL); (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && len(u) <= maxURL {
			ref.URL = u
			return ref
		}
	}
	return nil
}

// mediaText is the text of a media:content's first child named one of
// the names, or of the media group's.
func mediaText(c ext.Extension, name, alt string, m *markup.Renderer) string {
	for _, n := range []string{name, alt} {
		if n == "" {
			continue
		}
		for _, v := range c.Children[n] {
			if t := m.PlainText(v.Value); t != "" {
				return t
			}
		}
	}
	return ""
}
