package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/offer"
)

// TestSubscriberBenefitsInTheBrowser: a visitor's pages carry the demo's
// house ads in their slots, and a subscriber's whose plan includes ad-free
// reading carry no ad markup at all; the
// subscriber claims the demo's partner code from the account page and
// finds it there, the same, after a reload.
func TestSubscriberBenefitsInTheBrowser(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 60*time.Second), base: site.URL}
		var partnerID int64
		for _, x := range site.App.Offer.Catalog.Get().Benefits() {
			if x.Kind == offer.Partner {
				partnerID = x.ID
			}
		}
		if partnerID == 0 {
			t.Fatal("the demo has no partner offer")
		}
		story := "/article/" + storyWith(t, site, content.Metered).Slug
		for path, slots := range map[string][]string{
			"/": {"home-top"}, "/section/markets": {"section-top"}, "/insights": {"section-top"}, story: {"article-end"},
		} {
			b.navigate(path)
			b.waitVisible("main")
			for _, slot := range slots {
				if b.count(`aside[data-ad-slot="`+slot+`"] a.house-ad`) != 1 {
					t.Errorf("%s shows a visitor no house ad in its %s slot", path, slot)
				}
			}
		}
		b.navigate("/")
		b.clickAndLoad(`[data-ad-slot="home-top"] a.house-ad`)
		if loc := b.location(); !strings.HasSuffix(loc, "/subscribe") {
			t.Errorf("the front page's house ad leads to %s, want the plans", loc)
		}

		signInAs(b, demoAccount(t, "subscriber"))
		for _, path := range []string{"/", "/section/markets", "/insights", story} {
			b.navigate(path)
			b.waitVisible("main")
			if html := b.outerHTML("html"); b.count("[data-ad-slot]") != 0 || strings.Contains(html, "data-ad-slot") || strings.Contains(html, "house-ad") {
				t.Errorf("%s shows an ad-free subscriber ad markup", path)
			}
		}

		b.navigate("/account")
		claim := fmt.Sprintf("#partner-claim-%d", partnerID)
		b.waitVisible(claim)
		b.clickAndLoad(claim)
		codeSel := fmt.Sprintf("#partner-code-%d", partnerID)
		b.waitVisible(codeSel)
		code := b.text(codeSel)
		if !strings.HasPrefix(code, "DEMO-NYT-") {
			t.Fatalf("claimed code %q", code)
		}
		if b.count(fmt.Sprintf("#partner-redeem-%d", partnerID)) != 1 {
			t.Error("no link to redeem the code")
		}
		b.navigate("/account")
		b.waitVisible(codeSel)
		if again := b.text(codeSel); again != code || b.count(claim) != 0 {
			t.Errorf("after a reload the account shows %q (claim button %d), want %q and no button", again, b.count(claim), code)
		}
	})
}
