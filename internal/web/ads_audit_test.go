package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/ads"
	"broadsheet/internal/app/apptest"
)

var auditEntryRE = regexp.MustCompile(`(?s)<li class="audit-entry".*?</li>`)

// adAuditEntries are the audit page's entries of ad saves, newest first.
func adAuditEntries(t *testing.T, admin *apptest.Browser) []string {
	t.Helper()
	page := admin.Get("/admin/audit")
	if page.Status != http.StatusOK {
		t.Fatalf("the audit log: status %d", page.Status)
	}
	var out []string
	for _, e := range auditEntryRE.FindAllString(page.Body, -1) {
		if strings.Contains(e, "Ad slots saved") {
			out = append(out, e)
		}
	}
	return out
}

// Every save of the ad slots that changes them is in the audit log: who
// (the admin's address), when, the origins before and after, and each
// slot changed by its size, never its markup; a save that changes
// nothing, a refused one and a non-admin's log nothing and change
// nothing.
func TestAdSavesAreAudited(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		adminAccount := demoAccount(t, "admin")
		admin := site.NewBrowser()
		logIn(t, admin, adminAccount, "/")
		if n := len(adAuditEntries(t, admin)); n != 0 {
			t.Fatalf("%d ad entries before any save", n)
		}

		// The demo's house ads, from the site itself, are in the slots.
		demoAds := site.App.Settings.Get().Raw
		saveAds(t, admin, adOrigin, thirdPartyAds)
		entries := adAuditEntries(t, admin)
		if len(entries) != 1 {
			t.Fatalf("%d ad entries after a save, want 1", len(entries))
		}
		e := entries[0]
		for _, want := range []string{
			adminAccount.Email, "ad slots", site.Clock.Now().In(site.App.Settings.Get().Location).Format("2 Jan 2006"),
			"<dt>Origins</dt><dd>" + adOrigin + " (were none)</dd>",
			fmt.Sprintf("<dt>Slot home-top</dt><dd>changed: %d characters (was %d)</dd>", len(thirdPartyAds["home-top"]), len(demoAds[ads.KeyHomeTop])),
			fmt.Sprintf("<dt>Slot article-end</dt><dd>changed: %d characters (was %d)</dd>", len(thirdPartyAds["article-end"]), len(demoAds[ads.KeyArticleEnd])),
		} {
			if !strings.Contains(e, want) {
				t.Errorf("the entry lacks %q:\n%s", want, e)
			}
		}
		if demoAds[ads.KeyHomeTop] == "" || demoAds[ads.KeyOrigins] != "" {
			t.Fatalf("the demo's ads changed: %q, origins %q", demoAds[ads.KeyHomeTop], demoAds[ads.KeyOrigins])
		}
		if strings.Contains(e, "tag.js") || strings.Contains(e, "Home advertiser") || strings.Contains(e, "Why:") {
			t.Errorf("the entry carries markup or an empty reason:\n%s", e)
		}

		// The same form again changes nothing: nothing is logged.
		saveAds(t, admin, adOrigin, thirdPartyAds)
		if n := len(adAuditEntries(t, admin)); n != 1 {
			t.Errorf("%d ad entries after a save that changed nothing, want 1", n)
		}

		// One slot emptied: the entry names it alone.
		fewer := map[string]string{}
		for k, v := range thirdPartyAds {
			fewer[k] = v
		}
		delete(fewer, "article-end")
		saveAds(t, admin, adOrigin, fewer)
		entries = adAuditEntries(t, admin)
		if len(entries) != 2 {
			t.Fatalf("%d ad entries after emptying a slot, want 2", len(entries))
		}
		if e := entries[0]; !strings.Contains(e, fmt.Sprintf("<dt>Slot article-end</dt><dd>emptied (was %d characters)</dd>", len(thirdPartyAds["article-end"]))) ||
			strings.Contains(e, "home-top") || strings.Contains(e, "Origins") {
			t.Errorf("the entry of the emptied slot:\n%s", e)
		}

		// A refused save changes nothing and logs nothing.
		stored := site.App.Settings.Get().Raw
		hostile := map[string]string{}
		for k, v := range fewer {
			hostile[k] = v
		}
		hostile["home-top"] = `<script src="https://evil.example/x.js"></script>`
		hostile["section-top"] = `<p id="changed">Changed</p>`
		if resp := admin.Post("/admin/ads", adForm(adOrigin+" https://other.example", hostile)); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("a hostile save: status %d, want 422", resp.Status)
		}
		if got := site.App.Settings.Get().Raw; got[ads.KeyHomeTop] != stored[ads.KeyHomeTop] ||
			got[ads.KeySectionTop] != stored[ads.KeySectionTop] || got[ads.KeyOrigins] != stored[ads.KeyOrigins] {
			t.Error("a refused save changed the slots")
		}
		if n := len(adAuditEntries(t, admin)); n != 2 {
			t.Errorf("%d ad entries after a refused save, want 2", n)
		}

		// Nor does an editor's post.
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		if resp := editor.Post("/admin/ads", adForm("", nil)); resp.Status != http.StatusForbidden {
			t.Errorf("an editor's save: status %d, want 403", resp.Status)
		}
		if n := len(adAuditEntries(t, admin)); n != 2 {
			t.Errorf("%d ad entries after an editor's post, want 2", n)
		}
	})
}
