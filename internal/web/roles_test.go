package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/settings"
)

// An editor is staff: every story in full, premium ones included, and
// metered ones past the free limit, with no meter notice and no read
// written to the meter.
func TestEditorReadsEveryStoryInFull(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		free, premium := stories(t, site)
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		reads, counts, err := site.App.Store.MeterRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertFull(t, editor.Get("/article/"+premium[0].Slug), premium[0])
		limit := site.App.Settings.Get().FreeLimit
		for _, a := range free[:limit+2] {
			resp := editor.Get("/article/" + a.Slug)
			assertFull(t, resp, a)
			if strings.Contains(resp.Body, `id="meter-notice"`) {
				t.Errorf("%s: an editor was shown the meter notice", a.Slug)
			}
		}
		afterReads, afterCounts, err := site.App.Store.MeterRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if afterReads != reads || afterCounts != counts {
			t.Errorf("an editor's reading wrote to the meter: reads %d → %d, counts %d → %d", reads, afterReads, counts, afterCounts)
		}
	})
}

// The admin console is for admins only: an editor is staff but is
// refused every page and form of it, as a reader is, and a visitor who is
// not signed in is sent to sign in.
func TestStaffPagesCheckTheRoleOnTheServer(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/admin"}, {http.MethodGet, "/admin/outbox"}, {http.MethodPost, "/admin/settings"},
		} {
			resp := coNoRedirect(t, site, c.method, c.path)
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("anonymous %s %s: status %d to %q, want 303 to sign in", c.method, c.path, resp.StatusCode, loc)
			}
		}
		for _, who := range []string{"editor", "registered reader", "subscriber"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, who), "/")
			for _, path := range []string{"/admin", "/admin/outbox"} {
				if resp := b.Get(path); resp.Status != http.StatusForbidden {
					t.Errorf("%s GET %s: status %d, want 403", who, path, resp.Status)
				}
			}
			resp := b.Post("/admin/settings", url.Values{settings.KeyFreeLimit: {"50"}, settings.KeyPaywallHeading: {"Free for all"}})
			if resp.Status != http.StatusForbidden {
				t.Errorf("%s POST /admin/settings: status %d, want 403", who, resp.Status)
			}
			if cfg := site.App.Settings.Get(); cfg.FreeLimit != 3 || cfg.Raw[settings.KeyPaywallHeading] == "Free for all" {
				t.Errorf("%s changed the settings: free limit %d, heading %q", who, cfg.FreeLimit, cfg.Raw[settings.KeyPaywallHeading])
			}
			if strings.Contains(b.Get("/").Body, `href="/admin"`) {
				t.Errorf("%s's pages link to the admin console", who)
			}
		}
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		for _, path := range []string{"/admin", "/admin/outbox"} {
			if resp := admin.Get(path); resp.Status != http.StatusOK {
				t.Errorf("admin GET %s: status %d, want 200", path, resp.Status)
			}
		}
		if !strings.Contains(admin.Get("/").Body, `href="/admin"`) {
			t.Error("an admin's pages do not link to the admin console")
		}
	})
}
