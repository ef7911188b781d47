package web_test

import (
	"html/template"
	"net/http"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// metaContent returns the content of the page's meta tag with attr=name,
// and whether there is one.
func metaContent(body, attr, name string) (string, bool) {
	tag := `<meta ` + attr + `="` + name + `" content="`
	i := strings.Index(body, tag)
	if i < 0 {
		return "", false
	}
	rest := body[i+len(tag):]
	return rest[:strings.IndexByte(rest, '"')], true
}

// A gated story's page tells search engines what it is (headline, dates,
// authors, section, image, publisher, canonical address) and that it is
// cut, naming the element cut, which is on the page; its Open Graph and
// Twitter tags are the standfirst; nothing past the lead is in the page.
func TestStoryStructuredData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		premium := seoStory{slug: "ld-premium", access: content.Premium, age: time.Hour, author: "Asha Menon, Ravi Kulkarni",
			image: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.jpg", secret: true}.add(t, site)
		page := site.NewBrowser().Get("/article/" + premium.Slug)
		if page.Status != http.StatusOK {
			t.Fatalf("status %d", page.Status)
		}
		ld := jsonLD(t, page.Body)
		url := site.URL + "/article/" + premium.Slug
		for key, want := range map[string]any{
			"@type": "NewsArticle", "headline": premium.Headline, "description": premium.Summary, "articleSection": premium.SectionName,
			"mainEntityOfPage": url, "isAccessibleForFree": false,
			"datePublished": premium.PublishedAt.UTC().Format(time.RFC3339), "dateModified": premium.UpdatedAt.UTC().Format(time.RFC3339),
		} {
			if ld[key] != want {
				t.Errorf("JSON-LD %s = %v, want %v", key, ld[key], want)
			}
		}
		authors, _ := ld["author"].([]any)
		if len(authors) != 2 || authors[0].(map[string]any)["name"] != "Asha Menon" || authors[1].(map[string]any)["url"] != site.URL+"/author/ravi-kulkarni" {
			t.Errorf("JSON-LD author = %v", ld["author"])
		}
		if images, _ := ld["image"].([]any); len(images) != 1 || images[0] != site.URL+"/media/"+premium.Image.Name {
			t.Errorf("JSON-LD image = %v", ld["image"])
		}
		if pub, _ := ld["publisher"].(map[string]any); pub["name"] != site.App.Settings.Get().Publication {
			t.Errorf("JSON-LD publisher = %v", ld["publisher"])
		}
		part, _ := ld["hasPart"].(map[string]any)
		if part["isAccessibleForFree"] != false || part["cssSelector"] != ".story-body" || !strings.Contains(page.Body, `<div class="story-body">`) {
			t.Errorf("JSON-LD hasPart = %v, or the page has no element it names", ld["hasPart"])
		}
		summary := template.HTMLEscapeString(premium.Summary)
		for _, tag := range [][2]string{{"property", "og:description"}, {"name", "twitter:description"}, {"name", "description"}} {
			if got, _ := metaContent(page.Body, tag[0], tag[1]); got != summary {
				t.Errorf("%s = %q, want the standfirst", tag[1], got)
			}
		}
		if got, _ := metaContent(page.Body, "name", "twitter:card"); got != "summary_large_image" {
			t.Errorf("twitter:card = %q", got)
		}
		if !strings.Contains(page.Body, `<link rel="canonical" href="`+url+`">`) {
			t.Error("no canonical address")
		}
		if strings.Contains(page.Body, gatedWord) || strings.Contains(page.Body, paragraph(premium.Slug, 3)) {
			t.Error("the page carries text past the lead")
		}

		free := seoStory{slug: "ld-free", access: content.Free, age: time.Hour}.add(t, site)
		ld = jsonLD(t, site.NewBrowser().Get("/article/"+free.Slug).Body)
		if ld["isAccessibleForFree"] != true || ld["hasPart"] != nil {
			t.Errorf("a free story: isAccessibleForFree %v, hasPart %v", ld["isAccessibleForFree"], ld["hasPart"])
		}
	})
}

// Without a standfirst, the description is the first paragraph only where
// a visitor may read it: a gated story's lead, never a paragraph a
// visitor does not get, as in a one-paragraph premium story.
func TestStoryDescriptionWithoutStandfirst(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		long := seoStory{slug: "desc-long", access: content.Premium, age: time.Hour, noSummary: true, secret: true}.add(t, site)
		body := site.NewBrowser().Get("/article/" + long.Slug).Body
		if got, _ := metaContent(body, "property", "og:description"); got != paragraph(long.Slug, 1) {
			t.Errorf("og:description of a story without standfirst = %q, want its first paragraph", got)
		}
		brief := seoStory{slug: "desc-brief", access: content.Premium, age: time.Hour, noSummary: true, secret: true, paragraphs: 1}.add(t, site)
		body = site.NewBrowser().Get("/article/" + brief.Slug).Body
		if strings.Contains(body, gatedWord) {
			t.Error("a one-paragraph premium story's only paragraph is in its page's head")
		}
		if got, ok := metaContent(body, "property", "og:description"); got != "" || jsonLD(t, body)["description"] != nil {
			t.Errorf("og:description %q (%v), JSON-LD description %v; want none", got, ok, jsonLD(t, body)["description"])
		}
	})
}

// A free story that passes into the archive is no longer free to a
// visitor, and its page's markup says so from that moment, though the page
// is kept in memory from before.
func TestArchivedFreeStoryIsMarkedGated(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		a := seoStory{slug: "ld-ageing", access: content.Free, age: 365*24*time.Hour - time.Minute, secret: true}.add(t, site)
		page := site.NewBrowser().Get("/article/" + a.Slug)
		if ld := jsonLD(t, page.Body); ld["isAccessibleForFree"] != true || !strings.Contains(page.Body, gatedWord) {
			t.Fatalf("inside the cut-off: isAccessibleForFree %v", ld["isAccessibleForFree"])
		}
		site.Clock.Advance(2 * time.Minute)
		page = site.NewBrowser().Get("/article/" + a.Slug)
		ld := jsonLD(t, page.Body)
		part, _ := ld["hasPart"].(map[string]any)
		if ld["isAccessibleForFree"] != false || part["cssSelector"] != ".story-body" {
			t.Errorf("past the cut-off: isAccessibleForFree %v, hasPart %v", ld["isAccessibleForFree"], ld["hasPart"])
		}
		if strings.Contains(page.Body, gatedWord) {
			t.Error("past the cut-off a visitor gets the whole story")
		}
	})
}

// No output a visitor, a feed reader or a search engine may fetch carries
// a word past the lead of a premium, a metered or an archive story: the
// page and its head, the API, every feed, every sitemap and robots.txt.
func TestGatedTextLeavesByNoOutput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		stories := []*content.Article{
			seoStory{slug: "leak-premium", access: content.Premium, age: time.Hour, author: "Kavya Leakless", pick: true, secret: true}.add(t, site),
			seoStory{slug: "leak-metered", access: content.Metered, age: 2 * time.Hour, author: "Kavya Leakless", pick: true, secret: true}.add(t, site),
			seoStory{slug: "leak-archive", access: content.Free, age: 500 * 24 * time.Hour, author: "Kavya Leakless", pick: true, secret: true}.add(t, site),
		}
		refresh(site)
		sec := stories[0].SectionSlug
		paths := []string{"/", "/section/" + sec, "/author/kavya-leakless", "/feed.xml", "/picks/feed.xml", "/section/" + sec + "/feed.xml",
			"/author/kavya-leakless/feed.xml", "/robots.txt", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/news.xml", "/sitemaps/stories/1.xml"}
		for _, a := range stories {
			if a.Access != content.Metered { // a visitor's first metered story is theirs to read
				paths = append(paths, "/article/"+a.Slug, "/api/v1/articles/"+a.Slug)
			}
		}
		for _, path := range paths {
			resp := site.NewBrowser().Get(path)
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d", path, resp.Status)
			}
			if strings.Contains(resp.Body, gatedWord) {
				t.Errorf("%s carries a word past a gated story's lead", path)
			}
		}
		// Past the meter, the metered story's page is cut as well.
		b := site.NewBrowser()
		for _, slug := range []string{"leak-filler-1", "leak-filler-2", "leak-filler-3"} {
			a := seoStory{slug: slug, access: content.Metered, age: time.Hour}.add(t, site)
			b.Get("/article/" + a.Slug)
		}
		if body := b.Get("/article/" + stories[1].Slug).Body; strings.Contains(body, gatedWord) {
			t.Error("a reader past the meter gets the metered story whole")
		}
	})
}
