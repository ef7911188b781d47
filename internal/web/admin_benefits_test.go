package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
)

// benefitsShown lists the titles of the offer page's benefits, in order.
func benefitsShown(t *testing.T, site *apptest.Site) []string {
	t.Helper()
	body := offerPage(t, site)
	start := strings.Index(body, `<dl class="benefits" id="benefits">`)
	if start < 0 {
		return nil
	}
	list := body[start:]
	list = list[:strings.Index(list, "</dl>")]
	var out []string
	for _, part := range strings.Split(list, "<dt>")[1:] {
		out = append(out, part[:strings.Index(part, "</dt>")])
	}
	return out
}

func benefitID(t *testing.T, site *apptest.Site, title string) int64 {
	t.Helper()
	list, err := site.App.Offer.Benefits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if b.Title == title {
			return b.ID
		}
	}
	t.Fatalf("no benefit %q", title)
	return 0
}

// The offer page lists the benefits an admin keeps at /admin/benefits, in
// their order, that plans on offer include: added at the end (in no plan
// until an admin includes it), edited, moved up and down, deleted, the
// publication's name filled in where a benefit names it. The built-in
// benefits, which gates ask about, are not deleted.
func TestAdminEditsTheBenefitsOnTheOfferPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		pub := site.App.Settings.Get().Publication
		demoList := []string{"Exclusive premium stories online", "Complimentary Access to The New York Times", pub + " Epaper",
			"Curated Newsletters", "Market Analysis &amp; Investment Insights", "Archives", "Ad-free Reading", "Seamless Access Across All Devices"}
		if got := benefitsShown(t, site); strings.Join(got, "|") != strings.Join(demoList, "|") {
			t.Fatalf("the demo's benefits: %q", got)
		}
		page := admin.Get("/admin/benefits")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="{{publication}} Epaper"`) || !strings.Contains(page.Body, "{{publication}}") {
			t.Fatalf("/admin/benefits: status %d, or it does not show the benefits as written", page.Status)
		}

		resp := admin.Post("/admin/benefits", url.Values{"title": {"Weekend <Crossword>"}, "body": {"A new puzzle from {{publication}} every Saturday"}})
		if resp.Status != http.StatusOK || resp.URL != "/admin/benefits" || !strings.Contains(resp.Body, "Benefit added.") {
			t.Fatalf("add a benefit: status %d at %s", resp.Status, resp.URL)
		}
		if strings.Contains(offerPage(t, site), "Crossword") {
			t.Error("a benefit no plan includes is on the offer page")
		}
		crosswordID := benefitID(t, site, "Weekend <Crossword>")
		essential := allPlans(t, site)["smart-essential"]
		withCrossword := url.Values{}
		for _, b := range site.App.Offer.PlanBenefits(essential.ID) {
			withCrossword.Add("benefit", fmt.Sprint(b.ID))
		}
		withCrossword.Add("benefit", fmt.Sprint(crosswordID))
		if resp := admin.Post(planPath(essential)+"/benefits", withCrossword); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "What the plan includes is saved.") {
			t.Fatalf("include the crossword in Smart Essential: status %d", resp.Status)
		}
		offerBody := offerPage(t, site)
		if !strings.Contains(offerBody, "<dt>Weekend &lt;Crossword&gt;</dt><dd>A new puzzle from "+pub+" every Saturday</dd>"+
			`<dd class="included-in">Included in Smart Essential</dd>`) {
			t.Error("the benefit included in one plan is not on the offer page, as text, with the plan that includes it")
		}
		crossword := fmt.Sprintf("/admin/benefits/%d", crosswordID)
		for range 2 {
			if resp := admin.Post(crossword+"/move", url.Values{"direction": {"up"}}); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Benefit moved.") {
				t.Fatalf("move up: status %d", resp.Status)
			}
		}
		first := fmt.Sprintf("/admin/benefits/%d", benefitID(t, site, demoList[0]))
		admin.Post(first+"/move", url.Values{"direction": {"up"}}) // the top one stays
		admin.Post(first+"/move", url.Values{"direction": {"down"}})
		resp = admin.Post(first, url.Values{"title": {"Premium stories"}, "body": {"Handpicked daily"}})
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Benefit saved.") {
			t.Fatalf("edit a benefit: status %d", resp.Status)
		}
		devices := fmt.Sprintf("/admin/benefits/%d", benefitID(t, site, "Seamless Access Across All Devices"))
		if resp := admin.Post(devices+"/delete", nil); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Benefit deleted.") {
			t.Fatalf("delete a benefit: status %d", resp.Status)
		}
		archives := fmt.Sprintf("/admin/benefits/%d", benefitID(t, site, "Archives"))
		if resp := admin.Post(archives+"/delete", nil); resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "cannot be deleted") {
			t.Errorf("delete the archive benefit: status %d, want 409 saying why", resp.Status)
		}
		want := []string{demoList[1], "Premium stories", demoList[2], demoList[3], demoList[4], demoList[5],
			"Weekend &lt;Crossword&gt;", demoList[6]}
		if got := benefitsShown(t, site); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("the offer page lists\n%q\nwant\n%q", got, want)
		}
		offerBody = offerPage(t, site)
		if !strings.Contains(offerBody, "<dt>Premium stories</dt><dd>Handpicked daily</dd>") || strings.Contains(offerBody, "Exclusive premium stories") ||
			strings.Contains(offerBody, "Seamless Access") {
			t.Error("the offer page does not show the edits")
		}

		// Renamed, the publication is named anew where a benefit names it.
		if err := site.App.Settings.Update(context.Background(), map[string]string{settings.KeyPublication: "The Evening Lamp"}); err != nil {
			t.Fatal(err)
		}
		if got := benefitsShown(t, site); got[2] != "The Evening Lamp Epaper" {
			t.Errorf("after renaming, the third benefit is %q", got[2])
		}

		before, err := site.App.Offer.Benefits(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			path    string
			form    url.Values
			problem string
		}{
			{"/admin/benefits", url.Values{"title": {"  "}, "body": {"Nothing"}}, "The title must be one line of 1 to 120 characters."},
			{"/admin/benefits", url.Values{"title": {strings.Repeat("t", 121)}}, "The title must be one line of 1 to 120 characters."},
			{"/admin/benefits", url.Values{"title": {"Typo"}, "body": {"From {{publicaton}}"}}, "unknown variable {{publicaton}}"},
			{"/admin/benefits", url.Values{"title": {"Long"}, "body": {strings.Repeat("b", 501)}}, "The text must be at most 500 characters, not 501."},
			{first, url.Values{"title": {""}, "body": {"Kept?"}}, "The title must be one line"},
			{first, url.Values{"title": {"{{publication"}, "body": {""}}, "never closed"},
		} {
			resp := admin.Post(c.path, c.form)
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `id="benefits-error"`) || !contains(resp.Body, c.problem) {
				t.Errorf("%s %v: status %d, want 422 saying %q", c.path, c.form, resp.Status, c.problem)
			}
			if body := c.form.Get("body"); body != "" && !contains(resp.Body, body) {
				t.Errorf("%s %v: the refused form does not keep the text typed", c.path, c.form)
			}
		}
		if resp := admin.Post(first+"/move", url.Values{"direction": {"sideways"}}); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("move sideways: status %d, want 422", resp.Status)
		}
		if resp := admin.Post(devices, url.Values{"title": {"Back"}}); resp.Status != http.StatusNotFound {
			t.Errorf("edit a deleted benefit: status %d, want 404", resp.Status)
		}
		after, err := site.App.Offer.Benefits(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("refused forms changed the benefits:\n%v\n%v", before, after)
		}

		// With none left in any plan on offer, the offer page has no empty
		// list.
		// (The curated newsletters open the demo's Markets: they are kept.)
		for _, b := range after {
			if b.Kind.Builtin() || b.Kind == offer.Partner || b.Kind == offer.Newsletters {
				continue
			}
			if resp := admin.Post(fmt.Sprintf("/admin/benefits/%d/delete", b.ID), nil); resp.Status != http.StatusOK {
				t.Fatalf("delete: status %d", resp.Status)
			}
		}
		for _, p := range allPlans(t, site) {
			if resp := admin.Post(planPath(p)+"/benefits", url.Values{}); resp.Status != http.StatusOK {
				t.Fatalf("leave every benefit out of %s: status %d", p.Code, resp.Status)
			}
		}
		if body := offerPage(t, site); strings.Contains(body, "what’s included") || strings.Contains(body, `id="benefits"`) {
			t.Error("the offer page shows an empty list of benefits")
		}
	})
}

// offerPage is /subscribe as a reader sees it.
func offerPage(t *testing.T, site *apptest.Site) string {
	t.Helper()
	resp := site.NewBrowser().Get("/subscribe")
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /subscribe: status %d", resp.Status)
	}
	return resp.Body
}
