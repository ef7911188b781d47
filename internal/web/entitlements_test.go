package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/billing"
	"broadsheet/internal/demo"
	"broadsheet/internal/offer"
)

// includeOnly makes the plan include the benefits of kinds, and no other,
// through the admins' plans page.
func includeOnly(t *testing.T, site *apptest.Site, admin *apptest.Browser, code string, kinds ...offer.Kind) {
	t.Helper()
	form := url.Values{}
	for _, b := range site.App.Offer.Catalog.Get().Benefits() {
		if slices.Contains(kinds, b.Kind) {
			form.Add("benefit", fmt.Sprint(b.ID))
		}
	}
	if resp := admin.Post(planPath(allPlans(t, site)[code])+"/benefits", form); resp.Status != http.StatusOK ||
		!strings.Contains(resp.Body, "What the plan includes is saved.") {
		t.Fatalf("include %v in %s: status %d", kinds, code, resp.Status)
	}
}

// subscribeTo signs in the demo account with role and pays for the plan on
// the test gateway, as a reader does.
func subscribeTo(t *testing.T, site *apptest.Site, role, plan string) *apptest.Browser {
	t.Helper()
	b := site.NewBrowser()
	logIn(t, b, demoAccount(t, role), "/")
	page := b.Get("/subscribe/" + plan)
	if resp := coSubscribe(t, b, plan, coCheckoutKey(t, page.Body), billing.CardSucceeds); resp.Status != http.StatusOK {
		t.Fatalf("subscribe to %s: status %d at %s", plan, resp.Status, resp.URL)
	}
	return b
}

// apiMe is what GET /api/v1/me answers the demo account with role.
type apiMe struct {
	Subscription *struct {
		Entitled bool `json:"entitled"`
	} `json:"subscription"`
	Entitlements []struct {
		ID    int64  `json:"id"`
		Kind  string `json:"kind"`
		Title string `json:"title"`
	} `json:"entitlements"`
}

func apiToken(t *testing.T, site *apptest.Site, a demo.Account) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": a.Email, "password": a.Password})
	resp := site.NewBrowser().Do(http.MethodPost, "/api/v1/sessions", strings.NewReader(string(body)), http.Header{"Content-Type": {"application/json"}})
	var out struct{ Token string }
	if resp.Status != http.StatusCreated || json.Unmarshal([]byte(resp.Body), &out) != nil || out.Token == "" {
		t.Fatalf("API sign-in as %s: status %d %s", a.Email, resp.Status, resp.Body)
	}
	return out.Token
}

func apiGet(t *testing.T, site *apptest.Site, token, path string, into any) {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	resp := site.NewBrowser().Do(http.MethodGet, path, nil, h)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d %s", path, resp.Status, resp.Body)
	}
	if err := json.Unmarshal([]byte(resp.Body), into); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// apiStoryJSON is what GET /api/v1/articles/{slug} answers.
type apiStoryJSON struct {
	Access struct {
		Granted bool
		Reason  string
	}
	Article struct {
		Paragraphs []string
		Body       *string
	}
}

func apiStory(t *testing.T, site *apptest.Site, token, slug string) apiStoryJSON {
	t.Helper()
	var out apiStoryJSON
	apiGet(t, site, token, "/api/v1/articles/"+slug, &out)
	return out
}

func entitledKinds(m apiMe) []string {
	var out []string
	for _, e := range m.Entitlements {
		out = append(out, e.Kind)
	}
	return out
}

// Each plan gives what it includes and nothing else, on every surface at
// once: a subscriber to a plan with ad-free reading and no premium stories
// reads no premium story (page and API) and sees no ad; the offer page and
// the API say which plans include what. An admin's change to a plan
// applies from its subscribers' next page, and a term that ends takes
// every benefit away at once.
func TestEachPlanGivesWhatItIncludes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		includeOnly(t, site, admin, "smart-quarterly", offer.AdFree, offer.Info)

		reader := subscribeTo(t, site, "registered reader", "smart-quarterly")
		token := apiToken(t, site, demoAccount(t, "registered reader"))
		_, premium := stories(t, site)
		story := premium[0]
		page := reader.Get("/article/" + story.Slug)
		assertGated(t, page, story, site.App.Settings.Get().LeadParagraphs)
		for _, path := range []string{"/", "/section/markets", "/insights"} {
			if strings.Contains(page.Body+reader.Get(path).Body, "ad-slot") {
				t.Errorf("%s: a subscriber whose plan includes ad-free reading is shown an ad slot", path)
			}
		}
		if !strings.Contains(reader.Get("/account").Body, `<li data-benefit="ad_free">Ad-free Reading</li>`) {
			t.Error("the account page does not list what the plan includes")
		}
		var me apiMe
		apiGet(t, site, token, "/api/v1/me", &me)
		if got := entitledKinds(me); me.Subscription == nil || !me.Subscription.Entitled || !slices.Equal(got, []string{"info", "ad_free", "info"}) {
			t.Errorf("GET /api/v1/me: entitlements %v, want ad-free and the lines of text", got)
		}
		art := apiStory(t, site, token, story.Slug)
		if art.Access.Granted || art.Access.Reason != "premium" || art.Article.Body != nil {
			t.Errorf("API premium story for a plan without premium stories: %+v", art.Access)
		}

		// The offer page and the API say which plans include what.
		offerBody := offerPage(t, site)
		if !strings.Contains(offerBody, "<dt>Exclusive premium stories online</dt><dd>Over 30 premium stories daily, handpicked by our editors</dd>"+
			`<dd class="included-in">Included in Smart Essential, Super Saver</dd>`) {
			t.Error("the offer page does not say which plans include premium stories")
		}
		if strings.Contains(offerBody, "<dt>Ad-free Reading</dt><dd>Uninterrupted reading experience with no advertisements</dd><dd") {
			t.Error("the offer page names plans for a benefit every plan includes")
		}
		var plans struct {
			Plans []struct {
				Code     string
				Benefits []struct {
					ID    int64
					Kind  string
					Title string
					Text  string
				}
			}
		}
		apiGet(t, site, "", "/api/v1/plans", &plans)
		for _, p := range plans.Plans {
			want := 8
			if p.Code == "smart-quarterly" {
				want = 3 // ad-free reading and two lines of text
			}
			if len(p.Benefits) != want || p.Benefits[0].Title == "" || p.Benefits[0].ID == 0 {
				t.Errorf("GET /api/v1/plans: %s has %d benefits (%+v), want %d", p.Code, len(p.Benefits), p.Benefits, want)
			}
		}

		// The demo subscriber's plan includes everything.
		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		if resp := subscriber.Get("/article/" + story.Slug); strings.Contains(resp.Body, "ad-slot") {
			t.Error("Smart Essential's subscriber is shown an ad slot")
		} else {
			assertFull(t, resp, story)
		}

		// The admin adds premium stories to the plan and takes ad-free
		// reading out: the subscriber's next page follows.
		includeOnly(t, site, admin, "smart-quarterly", offer.Premium, offer.Info)
		page = reader.Get("/article/" + story.Slug)
		assertFull(t, page, story)
		if !strings.Contains(page.Body, "ad-slot") || !strings.Contains(reader.Get("/").Body, `class="ad-slot"`) {
			t.Error("ad-free reading taken out of the plan, its subscriber still sees no ad slot")
		}
		if art := apiStory(t, site, token, story.Slug); !art.Access.Granted || art.Article.Body == nil {
			t.Errorf("API premium story once the plan includes premium stories: %+v", art.Access)
		}

		// The term ends unrenewed: every benefit goes at once, everywhere.
		if resp := reader.Post("/account/cancel", nil); resp.Status != http.StatusOK {
			t.Fatalf("cancel: status %d", resp.Status)
		}
		site.Clock.Advance(92 * 24 * time.Hour)
		assertGated(t, reader.Get("/article/"+story.Slug), story, site.App.Settings.Get().LeadParagraphs)
		apiGet(t, site, token, "/api/v1/me", &me)
		if len(me.Entitlements) != 0 || me.Subscription != nil && me.Subscription.Entitled {
			t.Errorf("after the term ended: entitlements %v", entitledKinds(me))
		}
		if art := apiStory(t, site, token, story.Slug); art.Access.Granted || art.Article.Body != nil {
			t.Errorf("API premium story after the term ended: %+v", art.Access)
		}
	})
}

// A plan's benefits form refuses what is not a benefit and a benefit
// deleted meanwhile, changing nothing; a plan deleted is no page; only
// admins may use it.
func TestPlanBenefitsFormRefusesForgedInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		essential := allPlans(t, site)["smart-essential"]
		before := site.App.Offer.PlanBenefits(essential.ID)
		path := planPath(essential) + "/benefits"
		for _, c := range []struct {
			form   url.Values
			status int
		}{
			{url.Values{"benefit": {"premium"}}, http.StatusUnprocessableEntity},
			{url.Values{"benefit": {"-1"}}, http.StatusUnprocessableEntity},
			{url.Values{"benefit": {fmt.Sprint(before[0].ID), "987654"}}, http.StatusUnprocessableEntity},
		} {
			if resp := admin.Post(path, c.form); resp.Status != c.status || !strings.Contains(resp.Body, "Nothing was changed") {
				t.Errorf("%v: status %d, want %d saying nothing changed", c.form, resp.Status, c.status)
			}
		}
		if resp := admin.Post("/admin/plans/987654/benefits", url.Values{}); resp.Status != http.StatusNotFound {
			t.Errorf("a plan that does not exist: status %d, want 404", resp.Status)
		}
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		if resp := editor.Post(path, url.Values{}); resp.Status != http.StatusForbidden {
			t.Errorf("an editor: status %d, want 403", resp.Status)
		}
		if after := site.App.Offer.PlanBenefits(essential.ID); len(after) != len(before) {
			t.Errorf("refused forms changed the plan: %d benefits, were %d", len(after), len(before))
		}
	})
}
