package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/offer"
)

// The box under a story names the benefit that opens a gated list, in
// the words of the newsletters' page (the benefit's title as readers see
// it), never a bare "(subscribers)"; an admin's new title for the benefit
// is in the box at once.
func TestNewsletterBoxNamesTheBenefitThatOpensAList(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		curated := nlBenefit(t, site, offer.Newsletters)
		story := nlGatedStory(t, site, "box-story", content.Free)
		reader := nlSignIn(t, site, nlReader)
		box := func() string {
			t.Helper()
			page := reader.Get("/article/" + story.Slug)
			start := strings.Index(page.Body, `id="newsletter-box"`)
			if page.Status != http.StatusOK || start < 0 {
				t.Fatalf("the story: status %d, no newsletters' box", page.Status)
			}
			return page.Body[start : start+strings.Index(page.Body[start:], "</aside>")]
		}
		got := box()
		if strings.Contains(got, "(subscribers)") {
			t.Error("the box still says (subscribers)")
		}
		if want := "Markets <span class=\"meta newsletter-gate\">— with " + curated.Title + "</span>"; !strings.Contains(got, want) {
			t.Errorf("the box does not say %q:\n%s", want, got)
		}
		if strings.Contains(got, "Finance <span") {
			t.Error("the box names a benefit for Finance, which is open to every reader")
		}
		// The newsletters' page names it with the same title.
		if page := reader.Get("/newsletters"); !strings.Contains(page.Body, "For subscribers whose plan includes "+curated.Title) {
			t.Error("the newsletters' page does not name the same benefit")
		}

		admin := nlSignIn(t, site, nlAdmin)
		resp := admin.Post("/admin/benefits/"+strconv.FormatInt(curated.ID, 10), url.Values{"title": {"Editors' Letters"}, "body": {curated.Body}})
		if resp.Status != http.StatusOK {
			t.Fatalf("renaming the benefit: status %d", resp.Status)
		}
		if got := box(); !strings.Contains(got, "— with Editors' Letters") && !strings.Contains(got, "— with Editors&#39; Letters") {
			t.Errorf("after the benefit is renamed the box says:\n%s", got)
		}
	})
}
