package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
)

// TestPublicationConsoleOnAPhone: on a 390-pixel-wide phone an admin
// gives the publication a long tagline, adds a plan (a price refused
// first) and a benefit with a long unbroken title, all from the console's
// forms, and includes the benefit in the plan. No page of it, nor the
// front page and the offer page showing what was saved, scrolls sideways.
func TestPublicationConsoleOnAPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		signInAs(b, demoAccount(t, "admin"))

		tagline := "Markets, money and the economy, every morning from " + strings.Repeat("w", 70)
		b.navigate("/admin")
		b.waitVisible("#settings-form")
		b.assertFits("the console")
		b.setValue("#publication_tagline", tagline)
		b.setValue("#publication_language", "en-IN")
		b.clickAndLoad(`#settings-form button[type="submit"]`)
		b.waitVisible(".notice")
		b.assertFits("the console after saving")
		b.navigate("/")
		b.waitVisible("#tagline")
		if got := b.text("#tagline"); got != tagline {
			t.Errorf("the front page's tagline is %q", got)
		}
		b.assertFits("the front page with a long tagline")

		b.navigate("/admin")
		b.clickAndLoad("#plans-link")
		b.waitVisible("#new-plan")
		b.assertFits("the plans editor")
		code := strings.Repeat("festive-", 4) + "offer"
		b.setValue("#new-name", "Festive Offer for the Whole Family and Friends")
		b.setValue("#new-code", code)
		b.setValue("#new-price", "twenty-seven hundred rupees only")
		b.setValue("#new-term", "12")
		b.clickAndLoad(`#new-plan button[type="submit"]`)
		b.waitVisible("#plans-error")
		b.assertFits("the plans editor with a price refused")
		b.setValue("#new-price", "2,700")
		b.clickAndLoad(`#new-plan button[type="submit"]`)
		b.waitVisible(".notice")
		if got := b.text("#plan-" + code); !strings.Contains(got, "₹2,700") || !strings.Contains(got, "/subscribe/"+code) {
			t.Errorf("the plan added reads %q", got)
		}
		b.assertFits("the plans editor with the plan added")

		b.navigate("/admin")
		b.clickAndLoad("#benefits-link")
		b.waitVisible("#new-benefit")
		b.assertFits("the benefits editor")
		title := strings.Repeat("Unlimited", 13)
		b.setValue("#new-title", title)
		b.setValue("#new-body", "Everything {{publication}} publishes, "+strings.Repeat("x", 90))
		b.clickAndLoad(`#new-benefit button[type="submit"]`)
		b.waitVisible(".notice")
		b.assertFits("the benefits editor with a long benefit")

		// The new plan includes the new benefit, ticked on the plans page.
		var benefitID int64
		for _, x := range site.App.Offer.Catalog.Get().Benefits() {
			if x.Title == title {
				benefitID = x.ID
			}
		}
		b.navigate("/admin/plans")
		box := fmt.Sprintf(`#benefits-%s input[name="benefit"][value="%d"]`, code, benefitID)
		b.waitVisible(box)
		b.do("tick the benefit", chromedp.Click(chromedp.CSS(box), chromedp.NodeVisible))
		b.clickAndLoad("#benefits-" + code + ` button[type="submit"]`)
		b.waitVisible(".notice")
		b.assertFits("the plans editor with a plan's benefits saved")

		b.navigate("/subscribe")
		b.waitVisible("#benefits")
		if !strings.Contains(b.text("#benefits"), title) || !strings.Contains(b.text("#plan-"+code), "₹2,700") {
			t.Error("the offer page lacks the plan or the benefit added")
		}
		b.assertFits("the offer page")
	})
}
