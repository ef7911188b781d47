package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/offer"
)

// nlBenefit is the demo's first benefit of kind k.
func nlBenefit(t *testing.T, site *apptest.Site, k offer.Kind) offer.Benefit {
	t.Helper()
	for _, b := range site.App.Offer.Catalog.Get().Benefits() {
		if b.Kind == k {
			return b
		}
	}
	t.Fatalf("the demo has no benefit of kind %s", k)
	return offer.Benefit{}
}

// nlPlanIncludes makes the demo plan code include every benefit but
// without, as an admin does at /admin/plans.
func nlPlanIncludes(t *testing.T, site *apptest.Site, admin *apptest.Browser, code string, without int64) {
	t.Helper()
	plans, err := site.App.Store.AllPlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plans, func(p *billing.PlanUse) bool { return p.Code == code })
	if i < 0 {
		t.Fatalf("no plan %s", code)
	}
	form := url.Values{}
	for _, b := range site.App.Offer.Catalog.Get().Benefits() {
		if b.ID != without {
			form.Add("benefit", fmt.Sprint(b.ID))
		}
	}
	if resp := admin.Post(fmt.Sprintf("/admin/plans/%d/benefits", plans[i].ID), form); resp.Status != http.StatusOK ||
		!strings.Contains(resp.Body, "What the plan includes is saved.") {
		t.Fatalf("plan %s without benefit %d: status %d", code, without, resp.Status)
	}
}

// A list gated by a benefit goes only to readers whose plan includes that
// benefit, whatever else their plan gives: the demo's subscriber, whose
// plan gives premium stories but (after an admin's edit) not the curated
// newsletters, cannot join Markets, is skipped by its issue with the
// reason, and is shown its web view without the intro, the page naming
// the benefit that opens it. The plan edited back grants the list at
// once; a subscription whose term ends loses it at the next send.
func TestNewsletterListGatedByABenefit(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		curated := nlBenefit(t, site, offer.Newsletters)
		markets, err := site.App.Newsletters.List(ctx, "markets")
		if err != nil || markets.BenefitID != curated.ID {
			t.Fatalf("the demo's Markets: %+v, %v; want it gated by %q", markets, err, curated.Title)
		}
		admin, editor := nlSignIn(t, site, nlAdmin), nlSignIn(t, site, nlEditor)
		nlPlanIncludes(t, site, admin, "smart-essential", curated.ID)
		story := nlGatedStory(t, site, "gated-list-story", content.Premium)
		id := strconv.FormatInt(markets.ID, 10)

		// Without the benefit: the subscriber, on Markets since the demo
		// began, is skipped, and the reason is kept.
		first := nlCompose(t, editor, markets.ID, "Markets without it", "INTROWORD for the list's readers.", story.ID)
		nlSendNow(t, site, editor, first)
		if n := len(nlMail(sink, nlSubscriber, "Markets without it")); n != 0 {
			t.Errorf("a subscriber whose plan lacks %q got Markets %d times", curated.Title, n)
		}
		if c := nlCounts(t, site, first); c.Skipped != 1 || c.Sent != 0 {
			t.Errorf("counts %+v: want the subscriber skipped", c)
		}
		if f, err := site.App.Newsletters.Failures(ctx, first, 10); err != nil || len(f) != 1 ||
			f[0].Email != nlSubscriber || !strings.Contains(f[0].Error, "not entitled") {
			t.Errorf("failures %+v, %v: want the subscriber, not entitled", f, err)
		}
		sub := nlSignIn(t, site, nlSubscriber)
		view := sub.Get("/newsletters/markets/" + strconv.FormatInt(first, 10))
		if view.Status != http.StatusOK || strings.Contains(view.Body, "INTROWORD") ||
			!strings.Contains(view.Body, "sent to subscribers whose plan includes "+curated.Title) {
			t.Errorf("web view without the benefit: status %d, intro shown or the benefit not named", view.Status)
		}
		// Its stories are cut as each reader may read them: a reader
		// without a subscription gets the lead of the premium story.
		if v := nlSignIn(t, site, nlReader).Get("/newsletters/markets/" + strconv.FormatInt(first, 10)); strings.Contains(v.Body, nlSecret) || strings.Contains(v.Body, "INTROWORD") {
			t.Error("the web view shows a reader without a subscription the premium story or the intro")
		}

		// Nor may they join it again once they leave, from the page or by
		// forging the form; the page says what opens it.
		if resp := sub.Post("/newsletters/leave/"+id, url.Values{}); resp.Status != http.StatusOK {
			t.Fatalf("leave: %d", resp.Status)
		}
		if resp := sub.Post("/newsletters/join", url.Values{"list": {id}}); resp.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(resp.Body, "subscribers whose plan includes it") {
			t.Errorf("joining without the benefit: status %d", resp.Status)
		}
		if slices.Contains(nlOn(t, site, nlSubscriber), "markets") {
			t.Fatal("the subscriber was put on Markets without the benefit")
		}
		page := sub.Get("/newsletters")
		if !strings.Contains(page.Body, `value="`+id+`" disabled`) ||
			!strings.Contains(page.Body, "For subscribers whose plan includes "+curated.Title+`: <a href="/subscribe?next=/newsletters">`) {
			t.Error("the readers' page does not name what opens Markets, with a link to subscribe")
		}
		if acct := sub.Get("/account"); !strings.Contains(acct.Body, "Markets</strong> · for subscribers whose plan includes "+curated.Title) {
			t.Error("the account page does not name what opens Markets")
		}
		if out := site.NewBrowser().Get("/newsletters"); !strings.Contains(out.Body, "For subscribers whose plan includes "+curated.Title) {
			t.Error("the sign-up form does not name what opens Markets")
		}

		// The plan edited to include it grants it at once.
		nlPlanIncludes(t, site, admin, "smart-essential", 0)
		if resp := sub.Post("/newsletters/join", url.Values{"list": {id}}); resp.Status != http.StatusOK ||
			!slices.Contains(nlOn(t, site, nlSubscriber), "markets") {
			t.Fatalf("joining with the benefit: status %d, on %v", resp.Status, nlOn(t, site, nlSubscriber))
		}
		second := nlCompose(t, editor, markets.ID, "Markets with it", "INTROWORD again.", story.ID)
		nlSendNow(t, site, editor, second)
		if _, text, _ := nlOnly(t, sink, nlSubscriber, "Markets with it"); !strings.Contains(text, "INTROWORD") || !strings.Contains(text, nlSecret) {
			t.Error("the subscriber with the benefit did not get the issue whole")
		}
		if view := sub.Get("/newsletters/markets/" + strconv.FormatInt(second, 10)); !strings.Contains(view.Body, "INTROWORD") {
			t.Error("the web view hides the intro from a subscriber with the benefit")
		}

		// The term ends: the next issue skips them, with the reason.
		if resp := sub.Post("/account/cancel", url.Values{}); resp.Status != http.StatusOK {
			t.Fatalf("cancel: %d", resp.Status)
		}
		site.Clock.Advance(400 * 24 * time.Hour)
		story2 := nlGatedStory(t, site, "gated-list-story-2", content.Premium)
		third := nlCompose(t, editor, markets.ID, "Markets after the term", "Later.", story2.ID)
		nlSendNow(t, site, editor, third)
		if n := len(nlMail(sink, nlSubscriber, "Markets after the term")); n != 0 {
			t.Errorf("a subscriber whose term ended got Markets %d times", n)
		}
		if f, err := site.App.Newsletters.Failures(ctx, third, 10); err != nil || len(f) != 1 || !strings.Contains(f[0].Error, "not entitled") {
			t.Errorf("failures %+v, %v: want the lapsed subscriber skipped, not entitled", f, err)
		}
	})
}

// The offer page and GET /api/v1/plans name under each benefit the lists
// it opens: Markets under the curated newsletters, The Smart Investor
// under the market-insights vertical.
func TestBenefitsNameTheNewslettersTheyOpen(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		curated, insights := nlBenefit(t, site, offer.Newsletters), nlBenefit(t, site, offer.MarketInsights)
		body := site.NewBrowser().Get("/subscribe").Body
		for _, want := range []string{
			"<dt>" + curated.Title + `</dt><dd>` + curated.Body + `</dd><dd class="opens-newsletters">Newsletters: <a href="/newsletters/markets">Markets</a></dd>`,
			`<dd class="opens-newsletters">Newsletters: <a href="/newsletters/smart-investor">The Smart Investor</a></dd>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the offer page lacks %s", want)
			}
		}
		resp := site.NewBrowser().Get("/api/v1/plans")
		var out struct {
			Plans []struct {
				Code     string `json:"code"`
				Benefits []struct {
					ID          int64 `json:"id"`
					Newsletters []struct {
						Slug string `json:"slug"`
						Name string `json:"name"`
					} `json:"newsletters"`
				} `json:"benefits"`
			} `json:"plans"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil || len(out.Plans) == 0 {
			t.Fatalf("GET /api/v1/plans: %v\n%s", err, resp.Body)
		}
		for _, p := range out.Plans {
			found := 0
			for _, b := range p.Benefits {
				got := fmt.Sprint(b.Newsletters)
				switch b.ID {
				case curated.ID:
					found++
					if got != "[{markets Markets}]" {
						t.Errorf("%s: the curated newsletters open %s", p.Code, got)
					}
				case insights.ID:
					found++
					if got != "[{smart-investor The Smart Investor}]" {
						t.Errorf("%s: the market insights open %s", p.Code, got)
					}
				default:
					if b.Newsletters == nil || len(b.Newsletters) != 0 {
						t.Errorf("%s: benefit %d opens %s, want []", p.Code, b.ID, got)
					}
				}
			}
			if found != 2 {
				t.Errorf("%s: the plan lists %d of the two benefits that open lists", p.Code, found)
			}
		}
	})
}

// Editors gate a list by a benefit in the console, never by a line of
// text; an admin adds a benefit of the curated-newsletters kind, and the
// deletion of a benefit that gates a list is refused with the reason,
// changing nothing.
func TestNewsletterGateInTheConsole(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		admin, editor := nlSignIn(t, site, nlAdmin), nlSignIn(t, site, nlEditor)
		finance := nlList(t, site, "finance")
		path := "/admin/newsletter-lists/" + strconv.FormatInt(finance, 10)
		save := func(benefit string) apptest.Response {
			return editor.Post(path, url.Values{"name": {"Finance"}, "description": {"Money"}, "benefit": {benefit}})
		}
		info := nlBenefit(t, site, offer.Info)
		for name, benefit := range map[string]string{"a line of text": fmt.Sprint(info.ID), "no benefit": "987654", "not an id": "x"} {
			if r := save(benefit); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("gating Finance by %s: status %d, want 422", name, r.Status)
			}
		}
		if l, _ := site.App.Newsletters.List(ctx, "finance"); l.Gated() {
			t.Fatalf("a refused gate changed Finance: %+v", l)
		}
		console := editor.Get("/admin/newsletters")
		if strings.Contains(console.Body, `<option value="`+fmt.Sprint(info.ID)+`"`) {
			t.Error("the console offers a line of text as a list's gate")
		}

		if r := admin.Post("/admin/benefits", url.Values{"title": {"Crossword club"}, "body": {"Puzzles by mail"}, "kind": {"newsletters"}}); r.Status != http.StatusOK {
			t.Fatalf("add a newsletters benefit: %d", r.Status)
		}
		club := site.App.Offer.Catalog.Get().Benefits()
		crossword := club[len(club)-1]
		if crossword.Title != "Crossword club" || crossword.Kind != offer.Newsletters {
			t.Fatalf("the benefit added: %+v", crossword)
		}
		if r := save(fmt.Sprint(crossword.ID)); r.Status != http.StatusOK {
			t.Fatalf("gating Finance by the crossword club: %d", r.Status)
		}
		if l, _ := site.App.Newsletters.List(ctx, "finance"); l.BenefitID != crossword.ID {
			t.Fatalf("Finance: %+v, want gated by the crossword club", l)
		}
		if r := editor.Get("/admin/newsletters"); !strings.Contains(r.Body, `<option value="`+fmt.Sprint(crossword.ID)+`" selected>Subscribers whose plan includes Crossword club`) {
			t.Error("the console does not show Finance's gate selected")
		}
		r := admin.Post(fmt.Sprintf("/admin/benefits/%d/delete", crossword.ID), url.Values{})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "A newsletter is open only to readers whose plan includes this benefit") {
			t.Errorf("deleting a benefit that gates a list: status %d", r.Status)
		}
		if _, ok := site.App.Offer.Catalog.Get().Benefit(crossword.ID); !ok {
			t.Fatal("the benefit that gates Finance was deleted")
		}
		if r := save("0"); r.Status != http.StatusOK {
			t.Fatalf("opening Finance to registered readers: %d", r.Status)
		}
		if r := admin.Post(fmt.Sprintf("/admin/benefits/%d/delete", crossword.ID), url.Values{}); r.Status != http.StatusOK {
			t.Errorf("deleting a benefit no list is gated by: status %d", r.Status)
		}
	})
}
