package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
)

// call sends one API request and decodes its JSON answer. It fails the
// test unless every answer, error or not, is JSON.
func call(t *testing.T, b *apptest.Browser, method, path string, body any, header http.Header) (apptest.Response, map[string]any) {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	var rd *strings.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(data))
	}
	var resp apptest.Response
	if rd != nil {
		header.Set("Content-Type", "application/json")
		resp = b.Do(method, path, rd, header)
	} else {
		resp = b.Do(method, path, nil, header)
	}
	if resp.Status == http.StatusNoContent {
		return resp, nil
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %.200s", method, path, ct, resp.Body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatalf("%s %s: not JSON: %v: %.200s", method, path, err, resp.Body)
	}
	return resp, out
}

// wantError checks the one error shape and its status.
func wantError(t *testing.T, resp apptest.Response, out map[string]any, status int) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	e, ok := out["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", resp.Body)
	}
	if int(e["status"].(float64)) != status {
		t.Errorf("error.status %v, want %d", e["status"], status)
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("error without a message: %s", resp.Body)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without a Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
	}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func reader(id string) http.Header {
	return http.Header{"X-Reader-Id": {id}}
}

// stories returns the demo's published metered and premium stories.
func stories(t *testing.T, site *apptest.Site) (metered, premium []*content.Article) {
	t.Helper()
	all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Vertical {
			continue // gated by the market-insights benefit (see the web tests)
		}
		switch a.Access {
		case content.Premium:
			premium = append(premium, a)
		case content.Metered:
			metered = append(metered, a)
		}
	}
	if len(metered) < 4 || len(premium) < 1 {
		t.Fatalf("demo has %d metered and %d premium stories", len(metered), len(premium))
	}
	return metered, premium
}

func slugsOf(out map[string]any) []string {
	var slugs []string
	list, _ := out["articles"].([]any)
	for _, item := range list {
		slugs = append(slugs, item.(map[string]any)["slug"].(string))
	}
	return slugs
}

func TestAPIListArticles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		all, err := site.App.Store.LatestArticles(context.Background(), site.Clock.Now(), "", nil, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 11 {
			t.Fatalf("demo has only %d stories", len(all))
		}

		resp, out := call(t, b, "GET", "/api/v1/articles", nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		list := out["articles"].([]any)
		var prev time.Time
		for i, item := range list {
			m := item.(map[string]any)
			at, err := time.Parse(time.RFC3339, m["published_at"].(string))
			if err != nil {
				t.Fatalf("published_at %v: %v", m["published_at"], err)
			}
			if i > 0 && at.After(prev) {
				t.Errorf("story %d (%v) is newer than the one before it (%v)", i, at, prev)
			}
			prev = at
			if m["url"] != site.URL+"/article/"+m["slug"].(string) {
				t.Errorf("url %v", m["url"])
			}
			for _, key := range []string{"body", "paragraphs"} {
				if _, ok := m[key]; ok {
					t.Errorf("list item carries %q", key)
				}
			}
		}
		if list[0].(map[string]any)["slug"] != all[0].Slug {
			t.Errorf("first story %v, want the newest %s", list[0].(map[string]any)["slug"], all[0].Slug)
		}
		first := list[0].(map[string]any)
		if first["headline"] != all[0].Headline || first["summary"] != all[0].Summary ||
			first["section"] != all[0].SectionSlug || first["premium"] != all[0].Premium() {
			t.Errorf("first story fields %v, want those of %+v", first, all[0])
		}

		_, page1 := call(t, b, "GET", "/api/v1/articles?limit=5", nil, nil)
		got1 := slugsOf(page1)
		cursor, _ := page1["next_cursor"].(string)
		if len(got1) != 5 || cursor == "" {
			t.Fatalf("limit=5 gave %d stories and cursor %q", len(got1), cursor)
		}
		resp, page2 := call(t, b, "GET", "/api/v1/articles?limit=5&cursor="+url.QueryEscape(cursor), nil, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("next page: status %d: %s", resp.Status, resp.Body)
		}
		got2 := slugsOf(page2)
		if len(got2) != 5 {
			t.Fatalf("next page has %d stories", len(got2))
		}
		for i, slug := range append(got1, got2...) {
			if slug != all[i].Slug {
				t.Errorf("position %d: %s, want %s", i, slug, all[i].Slug)
			}
		}
		seen := map[string]bool{}
		for _, slug := range got1 {
			seen[slug] = true
		}
		for _, slug := range got2 {
			if seen[slug] {
				t.Errorf("%s is on both pages", slug)
			}
		}

		// The last page has no cursor.
		_, rest := call(t, b, "GET", "/api/v1/articles?limit=100", nil, nil)
		if len(slugsOf(rest)) != len(all) {
			t.Errorf("limit=100 gave %d of %d stories", len(slugsOf(rest)), len(all))
		}
		if _, ok := rest["next_cursor"]; ok {
			t.Errorf("next_cursor on the last page: %v", rest["next_cursor"])
		}

		// A page that ends exactly at the last story has no cursor either.
		_, exact := call(t, b, "GET", "/api/v1/articles?limit="+strconv.Itoa(len(all)), nil, nil)
		if len(slugsOf(exact)) != len(all) {
			t.Errorf("limit=%d gave %d stories", len(all), len(slugsOf(exact)))
		}
		if _, ok := exact["next_cursor"]; ok {
			t.Errorf("next_cursor to an empty page: %v", exact["next_cursor"])
		}

		// One section only.
		sec := all[0].SectionSlug
		_, bySection := call(t, b, "GET", "/api/v1/articles?section="+sec, nil, nil)
		if len(slugsOf(bySection)) == 0 {
			t.Errorf("section %s is empty", sec)
		}
		for _, item := range bySection["articles"].([]any) {
			if s := item.(map[string]any)["section"]; s != sec {
				t.Errorf("section=%s listed a story of %v", sec, s)
			}
		}

		for _, q := range []string{"limit=0", "limit=abc", "limit=101", "limit=-1", "cursor=%21%21", "cursor=bm90LWEtY3Vyc29y"} {
			resp, out := call(t, b, "GET", "/api/v1/articles?"+q, nil, nil)
			wantError(t, resp, out, http.StatusBadRequest)
		}
	})
}

// assertNoGatedText checks the raw response bytes for every paragraph
// past the lead, plain and as JSON escapes it, and for its opening words.
func assertNoGatedText(t *testing.T, body string, a *content.Article, lead int) {
	t.Helper()
	for i, p := range a.Paragraphs() {
		if i < lead {
			continue
		}
		enc, _ := json.Marshal(p)
		words := strings.Fields(p)
		if len(words) > 8 {
			words = words[:8]
		}
		start := strings.Join(words, " ")
		encStart, _ := json.Marshal(start)
		if strings.Contains(body, p) || strings.Contains(body, strings.Trim(string(enc), `"`)) ||
			strings.Contains(body, start) || strings.Contains(body, strings.Trim(string(encStart), `"`)) {
			t.Errorf("gated paragraph %d of %s is in the response", i, a.Slug)
		}
	}
}

type articleOut struct {
	Article struct {
		Slug        string   `json:"slug"`
		URL         string   `json:"url"`
		Headline    string   `json:"headline"`
		Summary     string   `json:"summary"`
		Section     string   `json:"section"`
		SectionName string   `json:"section_name"`
		Author      string   `json:"author"`
		Premium     bool     `json:"premium"`
		PublishedAt string   `json:"published_at"`
		Paragraphs  []string `json:"paragraphs"`
	} `json:"article"`
	Access struct {
		Granted   bool   `json:"granted"`
		Reason    string `json:"reason"`
		FreeLimit int    `json:"free_limit"`
		Remaining int    `json:"remaining"`
	} `json:"access"`
}

func getArticle(t *testing.T, b *apptest.Browser, slug string, header http.Header) (apptest.Response, articleOut, map[string]any) {
	t.Helper()
	resp, raw := call(t, b, "GET", "/api/v1/articles/"+slug, nil, header)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", slug, resp.Status, resp.Body)
	}
	var out articleOut
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
		t.Fatal(err)
	}
	return resp, out, raw["article"].(map[string]any)
}

func assertGranted(t *testing.T, a *content.Article, out articleOut, article map[string]any, reason string) {
	t.Helper()
	if !out.Access.Granted || out.Access.Reason != reason {
		t.Fatalf("%s: access %+v, want granted (%s)", a.Slug, out.Access, reason)
	}
	if len(out.Article.Paragraphs) != len(a.Paragraphs()) {
		t.Errorf("%s: %d paragraphs, want all %d", a.Slug, len(out.Article.Paragraphs), len(a.Paragraphs()))
	}
	if article["body"] != a.Body {
		t.Errorf("%s: body %.80q, want the whole story", a.Slug, article["body"])
	}
}

func assertDenied(t *testing.T, resp apptest.Response, a *content.Article, out articleOut, article map[string]any, reason string, lead int) {
	t.Helper()
	if out.Access.Granted || out.Access.Reason != reason {
		t.Fatalf("%s: access %+v, want refused (%s)", a.Slug, out.Access, reason)
	}
	if _, ok := article["body"]; ok {
		t.Errorf("%s: refused story has a body key", a.Slug)
	}
	ps := a.Paragraphs()
	if len(out.Article.Paragraphs) != lead {
		t.Fatalf("%s: %d paragraphs shown, want the %d of the lead", a.Slug, len(out.Article.Paragraphs), lead)
	}
	for i := range lead {
		if out.Article.Paragraphs[i] != ps[i] {
			t.Errorf("%s: lead paragraph %d is %q", a.Slug, i, out.Article.Paragraphs[i])
		}
	}
	assertNoGatedText(t, resp.Body, a, lead)
}

func TestAPIArticleMeter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, premium := stories(t, site)
		cfg := site.App.Settings.Get()
		lead := cfg.LeadParagraphs
		if cfg.FreeLimit != 3 {
			t.Fatalf("demo free limit is %d", cfg.FreeLimit)
		}
		for _, a := range append(metered[:4], premium[0]) {
			if len(a.Paragraphs()) <= lead {
				t.Fatalf("%s has no paragraphs past the lead", a.Slug)
			}
		}
		app := &appDevice{}

		for i, a := range metered[:3] {
			resp, out, article := app.get(t, b, a.Slug)
			assertGranted(t, a, out, article, "metered")
			if out.Access.Remaining != 2-i || out.Access.FreeLimit != 3 {
				t.Errorf("read %d: remaining %d of %d, want %d of 3", i+1, out.Access.Remaining, out.Access.FreeLimit, 2-i)
			}
			if out.Article.Slug != a.Slug || out.Article.Headline != a.Headline || out.Article.Summary != a.Summary ||
				out.Article.Section != a.SectionSlug || out.Article.SectionName != a.SectionName ||
				out.Article.Author != a.Author || out.Article.URL != site.URL+"/article/"+a.Slug {
				t.Errorf("article fields %+v, want those of %s", out.Article, a.Slug)
			}
			// A new reader is handed an id carrying their first story; it
			// is handed again without it once that story is counted, on
			// the reader's second story; then the id stands.
			if h := resp.Header.Get("X-Reader-Id"); (h != "") != (i < 2) {
				t.Errorf("read %d: handed the id %q", i+1, h)
			}
		}

		resp, out, article := app.get(t, b, metered[3].Slug)
		assertDenied(t, resp, metered[3], out, article, "meter_exhausted", lead)
		if out.Access.Remaining != 0 {
			t.Errorf("remaining %d after the limit", out.Access.Remaining)
		}

		resp, out, article = app.get(t, b, premium[0].Slug)
		assertDenied(t, resp, premium[0], out, article, "premium", lead)
		if !out.Article.Premium {
			t.Error("premium story not marked premium")
		}

		_, out, article = app.get(t, b, metered[0].Slug)
		assertGranted(t, metered[0], out, article, "metered")

		// Another app reader has its own meter.
		_, out, article = (&appDevice{}).get(t, b, metered[3].Slug)
		assertGranted(t, metered[3], out, article, "metered")
		if out.Access.Remaining != 2 {
			t.Errorf("second reader: remaining %d, want 2", out.Access.Remaining)
		}

		resp, raw := call(t, b, "GET", "/api/v1/articles/no-such-story", nil, reader(app.id))
		wantError(t, resp, raw, http.StatusNotFound)
		for _, bad := range []string{"short", "has spaces in it", "semi;colon-id", strings.Repeat("x", 129), "app-reader-0001"} {
			resp, raw := call(t, b, "GET", "/api/v1/articles/"+metered[0].Slug, nil, reader(bad))
			wantError(t, resp, raw, http.StatusBadRequest)
		}
	})
}

func TestAPINewReaderID(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		metered, _ := stories(t, site)
		resp, out, article := getArticle(t, b, metered[0].Slug, nil)
		assertGranted(t, metered[0], out, article, "metered")
		id := resp.Header.Get("X-Reader-Id")
		if len(id) < 8 || len(id) > 128 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != "" {
			t.Fatalf("new reader id %q", id)
		}
		if out.Access.Remaining != 2 {
			t.Errorf("first read: remaining %d, want 2", out.Access.Remaining)
		}
		// The issued id carries the meter on.
		_, out, _ = getArticle(t, b, metered[1].Slug, reader(id))
		if out.Access.Remaining != 1 {
			t.Errorf("second read with the issued id: remaining %d, want 1", out.Access.Remaining)
		}
		resp, _, _ = getArticle(t, b, metered[1].Slug, nil)
		if other := resp.Header.Get("X-Reader-Id"); other == "" || other == id {
			t.Errorf("a request without an id got %q, want a new id", other)
		}
	})
}

// appDevice is an app reading anonymously that keeps the X-Reader-Id it
// is handed and sends it back, as the README asks.
type appDevice struct{ id string }

func (d *appDevice) header() http.Header {
	if d.id == "" {
		return nil
	}
	return reader(d.id)
}

func (d *appDevice) get(t *testing.T, b *apptest.Browser, slug string) (apptest.Response, articleOut, map[string]any) {
	t.Helper()
	resp, out, article := getArticle(t, b, slug, d.header())
	if id := resp.Header.Get("X-Reader-Id"); id != "" {
		d.id = id
	}
	return resp, out, article
}

func signIn(t *testing.T, b *apptest.Browser, email, password string) string {
	t.Helper()
	resp, out := call(t, b, "POST", "/api/v1/sessions", map[string]string{"email": email, "password": password},
		http.Header{"User-Agent": {"BroadsheetApp/1.0 (test)"}})
	if resp.Status != http.StatusCreated {
		t.Fatalf("sign in %s: status %d: %s", email, resp.Status, resp.Body)
	}
	token, _ := out["token"].(string)
	if token == "" {
		t.Fatalf("no token: %s", resp.Body)
	}
	if acc, _ := out["account"].(map[string]any); acc["email"] != email {
		t.Errorf("account %v, want %s", out["account"], email)
	}
	return token
}

func demoAccount(t *testing.T, prefix string) demo.Account {
	for _, a := range demo.Accounts {
		if strings.HasPrefix(a.Role, prefix) {
			return a
		}
	}
	t.Fatalf("no demo %s", prefix)
	return demo.Account{}
}

func accountID(t *testing.T, site *apptest.Site, email string) int64 {
	t.Helper()
	a, err := site.App.Store.AccountByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}
