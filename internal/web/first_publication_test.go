package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/demo"
	"broadsheet/internal/settings"
	"broadsheet/internal/store/storetest"
)

// A publisher starts `broadsheet serve` on a new database and follows the
// README: an admin made on the command line signs in, names the
// publication, sets a plan, adds a section and publishes a first story,
// without touching code or SQL; a reader then finds it all.
func TestANewPublicationFromNothing(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site := apptest.NewSiteOn(t, storetest.URL(t, engine), false)
			if resp := site.NewBrowser().Get("/"); resp.Status != http.StatusOK {
				t.Fatalf("the new site's home page: status %d", resp.Status)
			}
			// broadsheet user create --email chief@coastal.example --password ... --role admin
			chief := demo.Account{Email: "chief@coastal.example", Password: "a long chief password"}
			if _, err := site.App.Accounts.Register(context.Background(), chief.Email, chief.Password, accounts.RoleAdmin); err != nil {
				t.Fatal(err)
			}
			admin := site.NewBrowser()
			logIn(t, admin, chief, "/")
			steps := []struct {
				path string
				form url.Values
				want string
			}{
				{"/admin/settings", url.Values{settings.KeyPublication: {"The Coastal Ledger"}, settings.KeyTagline: {"News from the shore"}}, "Settings saved."},
				{"/admin/plans", url.Values{"name": {"Monthly"}, "code": {"monthly"}, "price": {"299"}, "term": {"1"}, "active": {"1"}}, "Monthly"},
				{"/admin/sections", url.Values{"name": {"City"}}, "Sections saved."},
				{"/admin/articles", storyFields("section", "city", "access", "free", "status", "published",
					"headline", "Harbour dredging begins"), "Story saved."},
			}
			for _, step := range steps {
				if resp := admin.Post(step.path, step.form); resp.Status != http.StatusOK || !strings.Contains(resp.Body, step.want) {
					t.Fatalf("POST %s: status %d, %q not shown", step.path, resp.Status, step.want)
				}
			}
			site.RunJobs()
			reader := site.NewBrowser()
			home := reader.Get("/")
			for _, want := range []string{"The Coastal Ledger", "News from the shore", "Harbour dredging begins"} {
				if !strings.Contains(home.Body, want) {
					t.Errorf("the home page lacks %q", want)
				}
			}
			if story := reader.Get("/article/harbour-dredging-begins"); story.Status != http.StatusOK || !strings.Contains(story.Body, "The ministry will publish final figures") {
				t.Errorf("the first story: status %d, or its text is missing", story.Status)
			}
			if offer := reader.Get("/subscribe"); !strings.Contains(offer.Body, "Monthly") || !strings.Contains(offer.Body, "₹299") {
				t.Error("the offer page lacks the new plan")
			}
		})
	}
}
