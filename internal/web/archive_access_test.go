package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/settings"
)

// archiveWord appears only past the lead of addArchiveStory's story.
const archiveWord = "quillwortite"

// addArchiveStory stores a metered story published age ago, its fifth
// paragraph holding archiveWord.
func addArchiveStory(t *testing.T, site *apptest.Site, slug string, age time.Duration) *content.Article {
	t.Helper()
	ctx := context.Background()
	secs, err := site.App.Store.Sections(ctx)
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v %v", secs, err)
	}
	at := site.Clock.Now().Add(-age)
	a := &content.Article{Slug: slug, Headline: "The old mill's ledger " + slug, Summary: "What the miller wrote.",
		Body: "The miller kept a ledger of every sack.\n\nHe wrote in the evenings.\n\nThird paragraph of the ledger.\n\nFourth paragraph of the ledger.\n\n" +
			"The grain was " + archiveWord + ", he found.\n\nSixth paragraph of the ledger.",
		SectionID: secs[0].ID, Access: content.Metered, PublishedAt: at, UpdatedAt: at}
	if _, err := site.App.Store.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	day         = 24 * time.Hour
	archiveCopy = "This story is from our archive, open to subscribers."
)

// A story past the archive cut-off is read in full by subscribers and
// staff only: a visitor or a registered reader with free stories left gets
// its lead and a paywall naming the archive, and it spends none of their
// free stories; a story inside the cut-off is metered as before.
func TestArchiveStoriesAreForSubscribers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		if got := site.App.Settings.Get().ArchiveDays; got != 365 {
			t.Fatalf("archive cut-off %d days, want the default 365", got)
		}
		setCopy(t, site, meterCopy)
		old := addArchiveStory(t, site, "old-mill", 2*365*day)
		recent := addArchiveStory(t, site, "recent-mill", 100*day)

		registered := site.NewBrowser()
		logIn(t, registered, demoAccount(t, "registered"), "/")
		for _, c := range []struct {
			name string
			b    *apptest.Browser
		}{{"visitor", site.NewBrowser()}, {"registered reader", registered}} {
			for range 2 {
				resp := c.b.Get("/article/" + old.Slug)
				assertGated(t, resp, old, 2)
				if !strings.Contains(resp.Body, archiveCopy) {
					t.Errorf("%s: the paywall does not name the archive", c.name)
				}
				if strings.Contains(resp.Body, "Meter") {
					t.Errorf("%s: an archive story speaks of the meter, which does not open it", c.name)
				}
			}
			// The archive story spent nothing: the recent one is the
			// first of the month's free stories.
			resp := c.b.Get("/article/" + recent.Slug)
			assertFull(t, resp, recent)
			if !strings.Contains(resp.Body, "Meter: 2 left of 3, 1 used.") {
				t.Errorf("%s: reading a story of 100 days ago after an archive story, the meter does not say 1 used", c.name)
			}
			if strings.Contains(resp.Body, archiveCopy) {
				t.Errorf("%s: a story of 100 days ago speaks of the archive", c.name)
			}
			assertGated(t, c.b.Get("/article/"+old.Slug), old, 2)
		}

		for _, role := range []string{"subscriber", "admin"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, role), "/")
			resp := b.Get("/article/" + old.Slug)
			assertFull(t, resp, old)
			if strings.Contains(resp.Body, archiveCopy) {
				t.Errorf("%s: shown the archive paywall", role)
			}
		}

		// Search: a word past the lead of an archive story finds it, but a
		// visitor is not shown the word; a subscriber is.
		got := results(t, site.NewBrowser().Get("/search?q="+archiveWord).Body)
		if !strings.Contains(got, `href="/article/`+old.Slug+`"`) {
			t.Errorf("the archive story is not found: %s", got)
		}
		if strings.Contains(strings.ToLower(got), archiveWord) {
			t.Errorf("a visitor's results show the word past an archive story's lead: %s", got)
		}
		sub := site.NewBrowser()
		logIn(t, sub, demoAccount(t, "subscriber"), "/")
		if got := results(t, sub.Get("/search?q="+archiveWord).Body); !strings.Contains(got, "<mark>"+archiveWord+"</mark>") {
			t.Errorf("a subscriber's snippet of an archive story should show the word: %s", got)
		}
	})
}

// The cut-off is edited at /admin: whole days from 0 to 36500, 0 turning
// the archive rule off; a bad value is refused with a message and changes
// nothing. The archive paywall's copy is edited there too.
func TestAdminEditsTheArchiveCutOff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		old := addArchiveStory(t, site, "old-mill", 2*365*day)
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		page := admin.Get("/admin")
		for _, s := range []string{`name="archive_after_days"`, `value="365"`, `name="paywall_archive_heading"`, `name="paywall_archive_body"`, archiveCopy} {
			if !strings.Contains(page.Body, s) {
				t.Errorf("/admin lacks %q", s)
			}
		}

		for _, bad := range []string{"-1", "1.5", "two", "", "36501"} {
			resp := admin.Post("/admin/settings", url.Values{settings.KeyArchiveDays: {bad}, settings.KeyFreeLimit: {"9"}})
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s=%q: status %d, want 422", settings.KeyArchiveDays, bad, resp.Status)
				continue
			}
			if !strings.Contains(resp.Body, `id="settings-error"`) || !strings.Contains(resp.Body, "archive_after_days must be a whole number from 0 to 36500") {
				t.Errorf("%s=%q: the error does not say what is allowed", settings.KeyArchiveDays, bad)
			}
		}
		stored, err := site.App.Store.Settings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := stored[settings.KeyArchiveDays]; ok && v != "365" || stored[settings.KeyFreeLimit] == "9" {
			t.Errorf("stored after refused edits: %s %q, free_limit %q", settings.KeyArchiveDays, v, stored[settings.KeyFreeLimit])
		}
		if cfg := site.App.Settings.Get(); cfg.ArchiveDays != 365 || cfg.FreeLimit == 9 {
			t.Errorf("in use after refused edits: cut-off %d, free limit %d", cfg.ArchiveDays, cfg.FreeLimit)
		}
		assertGated(t, site.NewBrowser().Get("/article/"+old.Slug), old, 2)

		saved := admin.Post("/admin/settings", url.Values{settings.KeyArchiveHeading: {"From the vaults: for subscribers."}})
		if saved.Status != http.StatusOK || !strings.Contains(saved.Body, "Settings saved.") {
			t.Fatalf("save archive heading: status %d", saved.Status)
		}
		if resp := site.NewBrowser().Get("/article/" + old.Slug); !strings.Contains(resp.Body, "From the vaults: for subscribers.") {
			t.Error("the edited archive heading is not shown")
		}

		// 0: no archive rule, the story is metered like any other.
		saved = admin.Post("/admin/settings", url.Values{settings.KeyArchiveDays: {"0"}})
		if saved.Status != http.StatusOK || site.App.Settings.Get().ArchiveDays != 0 {
			t.Fatalf("set the cut-off to 0: status %d, cut-off %d", saved.Status, site.App.Settings.Get().ArchiveDays)
		}
		resp := site.NewBrowser().Get("/article/" + old.Slug)
		assertFull(t, resp, old)
		if strings.Contains(resp.Body, "From the vaults") {
			t.Error("with no archive rule, the story still names the archive")
		}

		// A longer cut-off than the story's age leaves it out of the
		// archive too.
		admin.Post("/admin/settings", url.Values{settings.KeyArchiveDays: {"1000"}})
		assertFull(t, site.NewBrowser().Get("/article/"+old.Slug), old)
		admin.Post("/admin/settings", url.Values{settings.KeyArchiveDays: {"700"}})
		assertGated(t, site.NewBrowser().Get("/article/"+old.Slug), old, 2)
	})
}
