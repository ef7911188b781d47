package web_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// gatedWord stands past the lead of every gated story the search-engine
// tests add: it must never leave the server but to a reader entitled to
// the whole story.
const gatedWord = "zymurgicalsecret"

// seoStory is a story the feed, sitemap and crawler tests add.
type seoStory struct {
	slug   string
	access content.Access
	age    time.Duration // published this long before now
	author string
	wire   string
	pick   bool
	image  string
	// secret puts gatedWord in the last paragraph: set it on every
	// story some reader may not read whole.
	secret     bool
	paragraphs int  // 6 unless set
	noSummary  bool // no standfirst
}

// add stores the story, its last paragraph holding gatedWord if secret,
// and returns it as stored.
func (s seoStory) add(t testing.TB, site *apptest.Site) *content.Article {
	t.Helper()
	ctx := context.Background()
	secs, err := site.App.Store.Sections(ctx)
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v %v", secs, err)
	}
	n := s.paragraphs
	if n == 0 {
		n = 6
	}
	var body []string
	for i := range n - 1 {
		body = append(body, paragraph(s.slug, i+1))
	}
	last := "The last paragraph of " + s.slug + " ends openly."
	if s.secret {
		last = "The last paragraph of " + s.slug + " says " + gatedWord + "."
	}
	body = append(body, last)
	author := s.author
	if author == "" {
		author = "Meera Iyer"
	}
	summary := "The standfirst of " + s.slug + "."
	if s.noSummary {
		summary = ""
	}
	at := site.Clock.Now().Add(-s.age)
	a := &content.Article{
		Slug: s.slug, Headline: "Rates & <bonds>: " + s.slug, Summary: summary, Body: content.JoinParagraphs(body),
		SectionID: secs[0].ID, Author: author, Access: s.access, EditorsPick: s.pick, WireSource: s.wire,
		PublishedAt: at, UpdatedAt: at, Image: content.Image{Name: s.image, Width: 800, Height: 450},
	}
	if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.SectionSlug, a.SectionName = secs[0].Slug, secs[0].Name
	return a
}

// paragraph is the n-th paragraph (from 1) of a story add stored, but
// the last.
func paragraph(slug string, n int) string {
	return "Paragraph " + strconv.Itoa(n) + " of " + slug + ", plainly written."
}

// storyElement is the <article> element of a story page: the story as
// the reader got it, without the page around it.
func storyElement(t testing.TB, body string) string {
	t.Helper()
	start := strings.Index(body, `<article class="story">`)
	end := strings.Index(body, "</article>")
	if start < 0 || end < start {
		t.Fatalf("no story element in the page:\n%s", body)
	}
	// The inline ad slot is the page's, not the story's: readers with
	// ad-free reading see the same story without it.
	return adSlots.ReplaceAllString(body[start:end+len("</article>")], "")
}

var adSlots = regexp.MustCompile(`<aside class="ad-slot" data-ad-slot="[a-z-]+" aria-label="Advertisement">.*?</aside>`)

// jsonLD reads a page's schema.org markup.
func jsonLD(t testing.TB, body string) map[string]any {
	t.Helper()
	const open = `<script type="application/ld+json">`
	start := strings.Index(body, open)
	if start < 0 {
		t.Fatal("the page has no JSON-LD")
	}
	rest := body[start+len(open):]
	end := strings.Index(rest, "</script>")
	var ld map[string]any
	if err := json.Unmarshal([]byte(rest[:end]), &ld); err != nil {
		t.Fatalf("JSON-LD: %v\n%s", err, rest[:end])
	}
	return ld
}

// refresh runs the site's periodic work once, as its timers would: the
// caches follow the content change log.
func refresh(site *apptest.Site) { site.RunJobs() }
