package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/mail"
	"broadsheet/internal/settings"
)

func TestAdminIsForAdmins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		for _, path := range []string{"/admin", "/admin/outbox"} {
			resp := coNoRedirect(t, site, http.MethodGet, path)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
				t.Errorf("anonymous %s: status %d to %q, want 303 to sign in", path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		b := site.NewBrowser()
		logIn(t, b, demoAccount(t, "registered reader"), "/")
		for _, path := range []string{"/admin", "/admin/outbox"} {
			if resp := b.Get(path); resp.Status != http.StatusForbidden {
				t.Errorf("reader GET %s: status %d, want 403", path, resp.Status)
			}
		}
		resp := b.Post("/admin/settings", url.Values{settings.KeyFreeLimit: {"50"}})
		if resp.Status != http.StatusForbidden {
			t.Errorf("reader POST /admin/settings: status %d, want 403", resp.Status)
		}
		if got := site.App.Settings.Get().FreeLimit; got != 3 {
			t.Errorf("a reader changed the free limit to %d", got)
		}
		if strings.Contains(b.Get("/").Body, `href="/admin"`) {
			t.Error("a reader's pages link to the admin console")
		}
	})
}

func TestAdminSettings(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		metered := meteredStories(t, site, 6)
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")

		page := admin.Get("/admin")
		if page.Status != http.StatusOK {
			t.Fatalf("GET /admin: status %d", page.Status)
		}
		for _, s := range []string{`name="publication_name"`, `name="publication_tagline"`, `name="publication_language"`,
			`name="paywall_premium_heading"`, `name="paywall_login_prompt"`, `name="login_link"`, `name="free_limit"`, `name="lead_paragraphs"`, `name="device_limit"`, `name="time_zone"`,
			`name="paywall_heading"`, `name="paywall_body"`, `name="paywall_cta"`, `name="meter_notice"`,
			`value="Asia/Kolkata"`, "{{free_limit}}", "{{remaining}}", "{{used}}", settings.Variables["remaining"]} {
			if !strings.Contains(page.Body, s) {
				t.Errorf("/admin lacks %q", s)
			}
		}
		publication := site.App.Settings.Get().Publication

		saved := admin.Post("/admin/settings", url.Values{
			settings.KeyFreeLimit:      {"5"},
			settings.KeyPaywallHeading: {"Only {{free_limit}} a month!"},
			// Not on the form: ignored.
			settings.KeyWireDisclaimer: {"Renamed"},
		})
		if saved.Status != http.StatusOK || saved.URL != "/admin" || !strings.Contains(saved.Body, "Settings saved.") {
			t.Fatalf("save settings: status %d at %s", saved.Status, saved.URL)
		}
		if cfg := site.App.Settings.Get(); cfg.FreeLimit != 5 || cfg.Publication != publication || cfg.LeadParagraphs != 2 ||
			cfg.Raw[settings.KeyWireDisclaimer] != settings.Defaults[settings.KeyWireDisclaimer] {
			t.Errorf("after saving: free limit %d, publication %q, lead %d", cfg.FreeLimit, cfg.Publication, cfg.LeadParagraphs)
		}

		anon := site.NewBrowser()
		for i, a := range metered[:5] {
			if resp := anon.Get("/article/" + a.Slug); strings.Contains(resp.Body, `id="paywall"`) {
				t.Fatalf("free story %d of 5 is behind the paywall", i+1)
			}
		}
		sixth := "/article/" + metered[5].Slug
		resp := anon.Get(sixth)
		if !strings.Contains(resp.Body, `id="paywall"`) || !strings.Contains(resp.Body, "Only 5 a month!") {
			t.Fatalf("past the limit the reader does not see the new heading")
		}

		bad := []struct {
			field, value, problem string
		}{
			{settings.KeyPaywallHeading, "Limit {{free_limt}}", "unknown variable {{free_limt}}"},
			{settings.KeyPaywallHeading, "{{free_limit", "never closed"},
			{settings.KeyFreeLimit, "abc", "free_limit must be a whole number"},
			{settings.KeyTimeZone, "Mars/Olympus", "not a known IANA zone"},
		}
		for _, c := range bad {
			resp := admin.Post("/admin/settings", url.Values{c.field: {c.value}, settings.KeyFreeLimit + "_": {"ignored"}})
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s=%q: status %d, want 422", c.field, c.value, resp.Status)
				continue
			}
			if !strings.Contains(resp.Body, `id="settings-error"`) || !strings.Contains(resp.Body, c.problem) {
				t.Errorf("%s=%q: the error does not say %q", c.field, c.value, c.problem)
			}
			if !strings.Contains(resp.Body, c.value) {
				t.Errorf("%s=%q: the form does not keep the submitted value", c.field, c.value)
			}
		}
		// A good value sent with a bad one is not saved either.
		resp = admin.Post("/admin/settings", url.Values{settings.KeyFreeLimit: {"7"}, settings.KeyPaywallHeading: {"{{used"}})
		if resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("mixed good and bad values: status %d, want 422", resp.Status)
		}
		stored, err := site.App.Store.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stored[settings.KeyFreeLimit] != "5" || stored[settings.KeyPaywallHeading] != "Only {{free_limit}} a month!" {
			t.Errorf("stored after refused edits: free_limit %q, heading %q", stored[settings.KeyFreeLimit], stored[settings.KeyPaywallHeading])
		}
		if cfg := site.App.Settings.Get(); cfg.FreeLimit != 5 || cfg.Location.String() != "Asia/Kolkata" {
			t.Errorf("settings in use after refused edits: free limit %d, zone %s", cfg.FreeLimit, cfg.Location)
		}
		resp = anon.Get(sixth)
		if !strings.Contains(resp.Body, "Only 5 a month!") || strings.Contains(resp.Body, "free_limt") {
			t.Error("after refused edits readers do not see the previous heading")
		}
	})
}

func TestAdminOutbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		for _, m := range []mail.Message{
			{To: "first@example.com", Subject: "Older message", Body: "Line one\nLine two"},
			{To: "second@example.com", Subject: "Newer <message>", Body: "Hello & welcome"},
		} {
			if err := site.App.Accounts.Mail.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
			site.Clock.Advance(time.Minute)
		}
		b := site.NewBrowser()
		logIn(t, b, demoAccount(t, "admin"), "/")
		resp := b.Get("/admin/outbox")
		if resp.Status != http.StatusOK {
			t.Fatalf("GET /admin/outbox: status %d", resp.Status)
		}
		for _, s := range []string{"first@example.com", "Older message", "<pre>Line one\nLine two</pre>",
			"Newer &lt;message&gt;", "<pre>Hello &amp; welcome</pre>", "15 Nov 2026 10:00 IST"} {
			if !strings.Contains(resp.Body, s) {
				t.Errorf("outbox lacks %q", s)
			}
		}
		if strings.Contains(resp.Body, "Newer <message>") {
			t.Error("a subject is not escaped")
		}
		if strings.Index(resp.Body, "second@example.com") > strings.Index(resp.Body, "first@example.com") {
			t.Error("the newest email is not listed first")
		}
	})
}
