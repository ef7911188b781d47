package search

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
)

type fakeStore []content.SearchResult

// plansIncluding is a catalog of one plan, id 0, that includes a benefit
// of each kind given.
type plansIncluding []offer.Kind

func (p plansIncluding) Benefits(context.Context) ([]offer.Benefit, error) {
	var out []offer.Benefit
	for i, k := range p {
		out = append(out, offer.Benefit{ID: int64(i + 1), Kind: k})
	}
	return out, nil
}

func (p plansIncluding) PlanBenefits(context.Context) ([]offer.Plan, error) {
	plan := offer.Plan{Active: true}
	for i := range p {
		plan.Benefits = append(plan.Benefits, int64(i+1))
	}
	return []offer.Plan{plan}, nil
}

func (f fakeStore) SearchArticles(_ context.Context, p content.SearchParams) ([]content.SearchResult, error) {
	return f[:min(len(f), p.Limit)], nil
}

// Each result's snippet comes from what the searcher may read: a gated
// story's standfirst and lead, whatever the meter has left; a free story,
// or any story for a subscriber, whole.
func TestSnippetsFollowTheProjection(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	body := "Lead one.\n\nLead two.\n\nThree.\n\nFour.\n\nThe secret is here.\n\nSix."
	found := fakeStore{}
	for _, acc := range []content.Access{content.Premium, content.Metered, content.Free} {
		found = append(found, content.SearchResult{Article: &content.Article{ID: int64(len(found) + 1), Slug: string(acc),
			Headline: "Secret story", Summary: "Standfirst.", Body: body, Access: acc, PublishedAt: now}})
	}
	// A free story two years old is in the archive: its lead only,
	// but for a subscriber.
	found = append(found, content.SearchResult{Article: &content.Article{ID: 9, Slug: "archive",
		Headline: "Secret story", Summary: "Standfirst.", Body: body, Access: content.Free, PublishedAt: now.AddDate(-2, 0, 0)}})
	cfg, err := settings.Parse(map[string]string{settings.KeyLeadParagraphs: "2"})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := offer.NewCatalog(context.Background(), plansIncluding{offer.Premium, offer.Archive})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	s := &Service{Store: found, Now: clock, Access: &access.Service{Now: clock, Catalog: catalog}}
	r, err := ParseRequest(url.Values{"q": {"secret"}}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	text := func(h Hit) string {
		var b strings.Builder
		for _, f := range h.Snippet {
			b.WriteString(f.Text)
		}
		return b.String()
	}
	sub := &billing.Subscription{Status: billing.Active, PaidUntil: now.Add(24 * time.Hour)}
	for _, c := range []struct {
		name string
		v    access.Viewer
		want map[string]bool // slug: the secret shown
	}{
		{"visitor", access.Viewer{AnonID: "x"}, map[string]bool{"premium": false, "metered": false, "free": true, "archive": false}},
		{"subscriber", access.Viewer{AccountID: 1, Subscription: sub}, map[string]bool{"premium": true, "metered": true, "free": true, "archive": true}},
		{"staff", access.Viewer{AccountID: 2, Staff: true}, map[string]bool{"premium": true, "metered": true, "free": true, "archive": true}},
	} {
		page, err := s.Search(context.Background(), c.v, r, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.Hits {
			got := text(h)
			if shown := strings.Contains(got, "secret is here"); shown != c.want[h.Article.Slug] {
				t.Errorf("%s, %s story: snippet %q", c.name, h.Article.Slug, got)
			}
			if !strings.HasPrefix(got, "Standfirst. Lead one.") {
				t.Errorf("%s, %s story: snippet %q", c.name, h.Article.Slug, got)
			}
		}
	}
}

// Cursors come back as given, for their own sort only, whatever the
// year; a date cursor of the release before is still read.
func TestCursors(t *testing.T) {
	for _, at := range []time.Time{time.Date(1998, 3, 4, 5, 6, 7, 8, time.UTC), time.Date(998, 3, 12, 0, 0, 0, 5, time.UTC)} {
		for _, sort := range []content.SearchSort{content.ByRelevance, content.ByDate} {
			c := content.SearchCursor{Score: 0.1 + 0.2, PublishedAt: at, ID: 42}
			got, err := decodeCursor(encodeCursor(c, sort), sort)
			if err != nil || got.ID != 42 || !got.PublishedAt.Equal(at) || sort == content.ByRelevance && got.Score != c.Score {
				t.Errorf("%s, %v: %+v %v", sort, at, got, err)
			}
		}
	}
	old := base64.RawURLEncoding.EncodeToString([]byte("d:883634400000000000:42"))
	if got, err := decodeCursor(old, content.ByDate); err != nil || got.ID != 42 || got.PublishedAt.Year() != 1998 {
		t.Errorf("the release before's date cursor: %+v %v", got, err)
	}
	if _, err := decodeCursor(encodeCursor(content.SearchCursor{ID: 1}, content.ByDate), content.ByRelevance); err == nil {
		t.Error("a date cursor taken for relevance")
	}
	for _, bad := range []string{"", "!!", "cjpOYU46MQ", "cjox", "cjoxOjM", "cjoxOng6Mzo0", "cjoxOjI6Mw", "cjoxOjI6MTAwMDAwMDAwMDo0", "cjoxOjI6LTE6NA"} {
		if _, err := decodeCursor(bad, content.ByRelevance); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
