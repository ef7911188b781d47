package web_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// rssFeed is an RSS 2.0 feed read back, namespaces resolved.
type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		// Before Link, which would take Atom's link too.
		Self struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Title         string     `xml:"title"`
		Link          string     `xml:"link"`
		LastBuildDate string     `xml:"lastBuildDate"`
		Items         []rssEntry `xml:"item"`
	} `xml:"channel"`
}

type rssEntry struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	PubDate     string `xml:"pubDate"`
	Description string `xml:"description"`
	GUID        struct {
		IsPermaLink string `xml:"isPermaLink,attr"`
		Value       string `xml:",chardata"`
	} `xml:"guid"`
	Creator string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Content string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
}

// getFeed fetches and parses a feed, checking what every feed must be:
// RSS 2.0 served as such, its own address in it, every date RFC 1123 and
// every GUID its own.
func getFeed(t *testing.T, site *apptest.Site, path string) (rssFeed, apptest.Response) {
	t.Helper()
	resp := site.NewBrowser().Get(path)
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("%s: status %d, type %q", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	var f rssFeed
	if err := xml.Unmarshal([]byte(resp.Body), &f); err != nil {
		t.Fatalf("%s is not XML: %v\n%s", path, err, resp.Body)
	}
	if f.Version != "2.0" || f.Channel.Self.Href != site.URL+path || f.Channel.Self.Rel != "self" || f.Channel.Title == "" {
		t.Errorf("%s: version %q, self %+v, title %q", path, f.Version, f.Channel.Self, f.Channel.Title)
	}
	if _, err := time.Parse(time.RFC1123Z, f.Channel.LastBuildDate); err != nil {
		t.Errorf("%s: lastBuildDate %q: %v", path, f.Channel.LastBuildDate, err)
	}
	guids := map[string]bool{}
	for _, it := range f.Channel.Items {
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("%s: %q: pubDate %q: %v", path, it.Title, it.PubDate, err)
		}
		if it.GUID.Value == "" || guids[it.GUID.Value] || it.GUID.IsPermaLink != "false" {
			t.Errorf("%s: %q: GUID %+v is missing, repeated or said to be a link", path, it.Title, it.GUID)
		}
		guids[it.GUID.Value] = true
		if !strings.HasPrefix(it.Link, site.URL+"/article/") {
			t.Errorf("%s: %q links to %q", path, it.Title, it.Link)
		}
	}
	return f, resp
}

// item returns the feed's item for a story, if it has one.
func (f rssFeed) item(a *content.Article) (rssEntry, bool) {
	for _, it := range f.Channel.Items {
		if it.Link == "" || !strings.HasSuffix(it.Link, "/article/"+a.Slug) {
			continue
		}
		return it, true
	}
	return rssEntry{}, false
}

// A feed reader is an anonymous reader with no meter: a free story comes
// whole, with a wire story's disclaimer; a metered, a premium and a free
// story past the archive cut-off come to their lead and a link, and no
// word past the lead is in any feed's bytes.
func TestFeedsGiveFreeStoriesWholeAndOthersTheirLead(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free := seoStory{slug: "feed-free", access: content.Free, age: time.Hour, author: "Tarini Feedwell", pick: true}.add(t, site)
		wire := seoStory{slug: "feed-wire", access: content.Free, age: 2 * time.Hour, author: "Tarini Feedwell", wire: "Press Trust"}.add(t, site)
		metered := seoStory{slug: "feed-metered", access: content.Metered, age: 3 * time.Hour, author: "Tarini Feedwell", secret: true}.add(t, site)
		premium := seoStory{slug: "feed-premium", access: content.Premium, age: 4 * time.Hour, author: "Zoya Feedwell", pick: true, secret: true}.add(t, site)
		archived := seoStory{slug: "feed-archived", access: content.Free, age: 400 * 24 * time.Hour, author: "Zoya Feedwell", secret: true}.add(t, site)
		refresh(site)

		site1, _ := getFeed(t, site, "/feed.xml")
		section, _ := getFeed(t, site, "/section/"+free.SectionSlug+"/feed.xml")
		tarini, _ := getFeed(t, site, "/author/tarini-feedwell/feed.xml")
		zoya, _ := getFeed(t, site, "/author/zoya-feedwell/feed.xml")
		picks, _ := getFeed(t, site, "/picks/feed.xml")
		feeds := map[string]rssFeed{"site": site1, "section": section, "Tarini's": tarini, "Zoya's": zoya, "picks": picks}

		for name, want := range map[string][]*content.Article{
			"site": {free, wire, metered, premium}, "section": {free, wire, metered, premium},
			"Tarini's": {free, wire, metered}, "Zoya's": {premium, archived}, "picks": {free, premium},
		} {
			for _, a := range want {
				if _, ok := feeds[name].item(a); !ok {
					t.Errorf("the %s feed lacks %s", name, a.Slug)
				}
			}
		}
		if _, ok := picks.item(metered); ok {
			t.Error("the picks' feed has a story no editor picked")
		}
		if len(site1.Channel.Items) > 30 {
			t.Errorf("the site's feed has %d items, want at most 30", len(site1.Channel.Items))
		}

		for name, f := range feeds {
			for _, a := range []*content.Article{free, wire, metered, premium, archived} {
				it, ok := f.item(a)
				if !ok {
					continue
				}
				if it.Title != a.Headline || it.Description != a.Summary || it.Creator != a.Author {
					t.Errorf("%s feed, %s: title %q, description %q, creator %q", name, a.Slug, it.Title, it.Description, it.Creator)
				}
				whole := a == free || a == wire
				last := "The last paragraph of " + a.Slug
				switch {
				case whole && (!strings.Contains(it.Content, last) || strings.Contains(it.Content, "Continue reading")):
					t.Errorf("%s feed, free story %s is not whole:\n%s", name, a.Slug, it.Content)
				case !whole && (!strings.Contains(it.Content, paragraph(a.Slug, 2)) || strings.Contains(it.Content, paragraph(a.Slug, 3)) ||
					strings.Contains(it.Content, last) || !strings.Contains(it.Content, `href="`+site.URL+"/article/"+a.Slug+`"`)):
					t.Errorf("%s feed, gated story %s is not its two-paragraph lead and a link:\n%s", name, a.Slug, it.Content)
				}
				if hasDisclaimer := strings.Contains(it.Content, "Disclaimer: No "); hasDisclaimer != (a == wire) {
					t.Errorf("%s feed, %s: disclaimer shown %v", name, a.Slug, hasDisclaimer)
				}
			}
		}
		for _, path := range []string{"/feed.xml", "/section/" + free.SectionSlug + "/feed.xml", "/author/tarini-feedwell/feed.xml",
			"/author/zoya-feedwell/feed.xml", "/picks/feed.xml"} {
			if body := site.NewBrowser().Get(path).Body; strings.Contains(body, gatedWord) {
				t.Errorf("%s carries text past a gated story's lead", path)
			}
		}
		for _, path := range []string{"/section/no-such-section/feed.xml", "/author/no-such-author/feed.xml"} {
			if resp := site.NewBrowser().Get(path); resp.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, resp.Status)
			}
		}
	})
}

// A feed is kept, answered with 304 to a reader that has it, and follows
// the stories: a story taken down leaves it once the instance reads the
// change log, and a free story passing into the archive is cut to its
// lead at once, with no change to tell of it.
func TestFeedsFollowChangesAndTheArchive(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		const path = "/author/ira-ageing/feed.xml"
		ageing := seoStory{slug: "feed-ageing", access: content.Free, age: 365*24*time.Hour - 5*time.Minute, author: "Ira Ageing", secret: true}.add(t, site)
		refresh(site)
		f, resp := getFeed(t, site, path)
		if it, ok := f.item(ageing); !ok || !strings.Contains(it.Content, gatedWord) {
			t.Fatalf("a free story inside the archive cut-off is not whole in its feed: %+v", it)
		}
		etag := resp.Header.Get("ETag")
		again := site.NewBrowser().Do(http.MethodGet, path, nil, http.Header{"If-None-Match": {etag}})
		if etag == "" || again.Status != http.StatusNotModified || again.Body != "" {
			t.Errorf("asked again with ETag %q: status %d", etag, again.Status)
		}

		// Sooner than a kept feed is built again in any case.
		site.Clock.Advance(6 * time.Minute)
		f, resp = getFeed(t, site, path)
		it, ok := f.item(ageing)
		if !ok || strings.Contains(resp.Body, gatedWord) || !strings.Contains(it.Content, paragraph(ageing.Slug, 2)) {
			t.Errorf("past the archive cut-off the story is not cut to its lead:\n%s", it.Content)
		}
		if resp.Header.Get("ETag") == etag {
			t.Error("the feed changed and kept its ETag")
		}

		gone := seoStory{slug: "feed-taken-down", access: content.Free, age: time.Minute, author: "Ira Ageing"}.add(t, site)
		refresh(site)
		if f, _ := getFeed(t, site, path); !hasItem(f, gone) {
			t.Fatal("a new story is not in its author's feed after the change log is read")
		}
		down := *gone
		down.Status = content.StatusUnpublished
		if err := site.App.Store.SaveStory(context.Background(), &down, 0, nil, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		refresh(site)
		if f, _ := getFeed(t, site, path); hasItem(f, gone) {
			t.Error("an unpublished story is still in the feed")
		}
	})
}

func hasItem(f rssFeed, a *content.Article) bool {
	_, ok := f.item(a)
	return ok
}

// Pages name their feeds in their head, for feed readers to find.
func TestFeedsAreDiscoverable(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		a := seoStory{slug: "feed-discovered", access: content.Metered, age: time.Hour, author: "Tarini Feedwell"}.add(t, site)
		b := site.NewBrowser()
		for path, want := range map[string][]string{
			"/":                         {"/feed.xml", "/picks/feed.xml"},
			"/article/" + a.Slug:        {"/feed.xml", "/section/" + a.SectionSlug + "/feed.xml"},
			"/section/" + a.SectionSlug: {"/feed.xml", "/section/" + a.SectionSlug + "/feed.xml"},
			"/author/tarini-feedwell":   {"/feed.xml", "/author/tarini-feedwell/feed.xml"},
		} {
			body := b.Get(path).Body
			for _, href := range want {
				if !strings.Contains(body, `<link rel="alternate" type="application/rss+xml"`) || !strings.Contains(body, `href="`+href+`"`) {
					t.Errorf("%s does not offer %s in its head", path, href)
				}
			}
		}
	})
}
