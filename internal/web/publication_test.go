package web_test

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/settings"
)

// masthead is how a page names the publication: its language on <html>,
// the name in the masthead and the tagline under it.
func masthead(lang, name, tagline string) []string {
	esc := template.HTMLEscapeString
	return []string{
		`<html lang="` + lang + `">`,
		`<a class="brand" href="/">` + esc(name) + `</a>`,
		`<p class="tagline" id="tagline">` + esc(tagline) + `</p>`,
	}
}

// An admin names the publication, gives it a tagline and a language in the
// console, and every page shows them on its next view: the front page,
// sections, the offer, sign-in, error pages, the console, and stories read
// before the change (whose page parts are kept rendered), to signed-out
// and signed-in readers alike.
func TestPublicationNameAndTaglineOnEveryPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		anon, reader, admin := site.NewBrowser(), site.NewBrowser(), site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered reader"), "/")
		logIn(t, admin, demoAccount(t, "admin"), "/")
		old := site.App.Settings.Get().Publication
		stories := []string{"/article/" + free[0].Slug, "/article/" + premium[0].Slug}
		for _, path := range stories {
			for _, b := range []*apptest.Browser{anon, reader} {
				body := b.Get(path).Body
				if !strings.Contains(body, `<a class="brand" href="/">`+old+`</a>`) || strings.Contains(body, `id="tagline"`) {
					t.Fatalf("%s before the change: not the old name without a tagline", path)
				}
			}
		}

		resp := admin.Post("/admin/settings", url.Values{
			settings.KeyPublication: {"The Evening <Lamp>"},
			settings.KeyTagline:     {"News by lamplight & more"},
			settings.KeyLanguage:    {"en-in"},
		})
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Settings saved.") {
			t.Fatalf("save the publication's name: status %d", resp.Status)
		}
		want := masthead("en-IN", "The Evening <Lamp>", "News by lamplight & more")
		pages := map[*apptest.Browser][]string{
			anon:   append([]string{"/", "/section/markets", "/subscribe", "/login", "/register", "/no-such-page"}, stories...),
			reader: append([]string{"/", "/account", "/subscribe"}, stories...),
			admin:  {"/admin", "/admin/plans", "/admin/benefits", stories[0]},
		}
		for b, paths := range pages {
			for _, path := range paths {
				body := b.Get(path).Body
				for _, w := range want {
					if !strings.Contains(body, w) {
						t.Errorf("%s lacks %s", path, w)
					}
				}
				if strings.Contains(body, `<html lang="en">`) || strings.Contains(body, ">"+old+"<") {
					t.Errorf("%s still shows the old language or name", path)
				}
			}
		}
		if body := admin.Get("/admin").Body; !strings.Contains(body, `value="News by lamplight &amp; more"`) {
			t.Error("the console does not show the tagline it saved")
		}

		// Without a tagline the masthead has no empty line for it.
		resp = admin.Post("/admin/settings", url.Values{settings.KeyTagline: {""}})
		if resp.Status != http.StatusOK {
			t.Fatalf("clear the tagline: status %d", resp.Status)
		}
		for _, path := range append([]string{"/"}, stories...) {
			if body := anon.Get(path).Body; strings.Contains(body, `id="tagline"`) || strings.Contains(body, "lamplight") {
				t.Errorf("%s shows a tagline after it was cleared", path)
			}
		}
	})
}

// A bad name, tagline or language is refused with the reason, and nothing
// of the form is saved.
func TestPublicationSettingsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		before := site.App.Settings.Get()
		for _, c := range []struct{ field, value, problem string }{
			{settings.KeyLanguage, "Hindi", `&#34;Hindi&#34; is not a language tag`},
			{settings.KeyLanguage, `en" onmouseover="x`, "is not a language tag"},
			{settings.KeyPublication, "   ", "publication_name must not be empty"},
			{settings.KeyTagline, strings.Repeat("t", 201), "publication_tagline must be 0 to 200 characters long"},
			{settings.KeyLoginLink, "", "login_link must not be empty"},
			{settings.KeyPremiumHeading, "Only {{publication}}", "unknown variable {{publication}}"},
		} {
			// A good value beside the bad one is not saved either.
			form := url.Values{c.field: {c.value}, settings.KeyTagline: {"Not saved"}}
			if c.field == settings.KeyTagline {
				form = url.Values{c.field: {c.value}, settings.KeyPublication: {"Not Saved Daily"}}
			}
			resp := admin.Post("/admin/settings", form)
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.problem) {
				t.Errorf("%s=%q: status %d, want 422 saying %q", c.field, c.value, resp.Status, c.problem)
			}
		}
		after := site.App.Settings.Get()
		if after != before || after.Publication != before.Publication || after.Tagline != "" || after.Language != "en" {
			t.Errorf("refused forms changed the settings: name %q, tagline %q, language %q", after.Publication, after.Tagline, after.Language)
		}
		if body := site.NewBrowser().Get("/").Body; !strings.Contains(body, `<html lang="en">`) || strings.Contains(body, "onmouseover") {
			t.Error("the front page does not keep its language after refused forms")
		}
	})
}

// hindi is every reader-facing setting of the paywall and meter in Hindi.
var hindi = map[string]string{
	settings.KeyLanguage:       "hi",
	settings.KeyPaywallHeading: "आपने इस महीने के {{free_limit}} मुफ़्त लेख पढ़ लिए हैं।",
	settings.KeyPremiumHeading: "यह प्रीमियम ख़बर केवल सदस्यों के लिए है।",
	settings.KeyPaywallBody:    "असीमित पढ़ने के लिए अभी सदस्य बनें।",
	settings.KeyPaywallCTA:     "पूरी ख़बर पढ़ने के लिए सदस्य बनें →",
	settings.KeyLoginPrompt:    "पहले से सदस्य हैं?",
	settings.KeyLoginLink:      "लॉग इन करें",
	settings.KeyMeterNotice:    "इस महीने {{free_limit}} में से {{remaining}} मुफ़्त ख़बरें बाक़ी हैं।",
}

// A publication in Hindi: with every reader-facing paywall setting in
// Hindi, a story past the free limit and a premium story show the
// paywall in Hindi alone, and none of the English defaults, on a story
// read before the change too.
func TestPaywallInHindi(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, premium := stories(t, site)
		// Read before the change, by another reader: kept rendered.
		site.NewBrowser().Get("/article/" + premium[0].Slug)
		site.NewBrowser().Get("/article/" + free[3].Slug)

		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		form := url.Values{}
		for k, v := range hindi {
			form.Set(k, v)
		}
		if resp := admin.Post("/admin/settings", form); resp.Status != http.StatusOK {
			t.Fatalf("save the Hindi copy: status %d", resp.Status)
		}

		b := site.NewBrowser()
		for _, a := range free[:2] {
			b.Get("/article/" + a.Slug)
		}
		third := b.Get("/article/" + free[2].Slug).Body
		if !contains(third, "इस महीने 3 में से 0 मुफ़्त ख़बरें बाक़ी हैं।") {
			t.Error("the meter notice on the last free story is not in Hindi")
		}
		metered := b.Get("/article/" + free[3].Slug)
		assertGated(t, metered, free[3], 2)
		prem := site.NewBrowser().Get("/article/" + premium[0].Slug)
		assertGated(t, prem, premium[0], 2)

		common := []string{`<html lang="hi">`, "असीमित पढ़ने के लिए अभी सदस्य बनें।", "पूरी ख़बर पढ़ने के लिए सदस्य बनें →",
			"पहले से सदस्य हैं?", "लॉग इन करें"}
		for name, c := range map[string]struct {
			body string
			want []string
		}{
			"past the free limit": {metered.Body, append(common, "आपने इस महीने के 3 मुफ़्त लेख पढ़ लिए हैं।")},
			"premium":             {prem.Body, append(common, "यह प्रीमियम ख़बर केवल सदस्यों के लिए है।")},
		} {
			for _, w := range c.want {
				if !contains(c.body, w) {
					t.Errorf("%s: the page lacks %q", name, w)
				}
			}
			for _, english := range []string{"Already subscribed", "Log in", "premium story", "free articles", `lang="en"`} {
				if strings.Contains(c.body, english) {
					t.Errorf("%s: the page still says %q", name, english)
				}
			}
			if !strings.Contains(c.body, `<a href="/login?next=/article/`) || !strings.Contains(c.body, `id="paywall-login">लॉग इन करें</a>`) {
				t.Errorf("%s: the Hindi log-in link does not lead back to the story", name)
			}
		}
	})
}
