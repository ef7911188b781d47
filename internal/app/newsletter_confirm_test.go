package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/offer"
)

// A sign-up's confirmation joins only the lists its address may join
// when the link is pressed, as a signed-in reader joins: the subscriber
// signs up for Tech, Politics and Sport; Tech is then gated by a benefit
// their plan includes, Sport is removed, and their term ends before they
// confirm. The link's page and its answer name what is joined (Politics)
// and why the others are not; staff, who have every list, join the gated
// Tech from the same kind of link. A list with issues is not removed.
func TestNewsletterConfirmationJoinsWhatTheAddressMayJoinNow(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		curated := nlBenefit(t, site, offer.Newsletters)
		admin, editor := nlSignIn(t, site, nlAdmin), nlSignIn(t, site, nlEditor)
		if resp := editor.Post("/admin/newsletter-lists", url.Values{"name": {"Sport"}, "benefit": {"0"}}); resp.Status != http.StatusOK {
			t.Fatalf("adding Sport: status %d", resp.Status)
		}
		tech, politics, sport := nlList(t, site, "tech"), nlList(t, site, "politics"), nlList(t, site, "sport")
		id := func(id int64) string { return strconv.FormatInt(id, 10) }

		// The subscriber stops the renewal; the clock goes to two hours
		// before their term ends.
		sub := nlSignIn(t, site, nlSubscriber)
		if resp := sub.Post("/account/cancel", url.Values{}); resp.Status != http.StatusOK {
			t.Fatalf("cancel: %d", resp.Status)
		}
		acct, err := site.App.Store.AccountByEmail(ctx, nlSubscriber)
		if err != nil {
			t.Fatal(err)
		}
		subscription, err := site.App.Store.CurrentSubscription(ctx, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		site.Clock.Advance(subscription.PaidUntil.Sub(site.Clock.Now()) - 2*time.Hour)

		anon := site.NewBrowser()
		for _, addr := range []string{nlSubscriber, nlEditor} {
			lists := []string{id(tech)}
			if addr == nlSubscriber {
				lists = append(lists, id(politics), id(sport))
			}
			if resp := anon.Post("/newsletters/signup", url.Values{"email": {addr}, "list": lists}); resp.Status != http.StatusOK {
				t.Fatalf("sign-up of %s: status %d", addr, resp.Status)
			}
		}
		subLink, editorLink := nlConfirmLinks(t, sink, nlSubscriber), nlConfirmLinks(t, sink, nlEditor)
		if len(subLink) != 1 || len(editorLink) != 1 {
			t.Fatalf("confirmation emails: %d and %d, want one each", len(subLink), len(editorLink))
		}

		// Tech is gated by the curated newsletters, which the subscriber's
		// plan includes: the page would still send it.
		if resp := admin.Post("/admin/newsletter-lists/"+id(tech), url.Values{"name": {"Tech"}, "benefit": {id(curated.ID)}}); resp.Status != http.StatusOK {
			t.Fatalf("gating Tech: status %d", resp.Status)
		}
		if page := anon.Get(subLink[0]); page.Status != http.StatusOK ||
			!strings.Contains(page.Body, "Send Politics, Tech, Sport to "+nlSubscriber+"?") {
			t.Fatalf("the link's page while the subscriber has the benefit: status %d\n%s", page.Status, page.Body)
		}

		// A list with an issue is not removed; Sport, without one, is.
		story := nlGatedStory(t, site, "confirm-story", content.Free)
		nlCompose(t, editor, politics, "A draft", "", story.ID)
		if resp := editor.Post("/admin/newsletter-lists/"+id(politics)+"/delete", url.Values{}); resp.Status != http.StatusConflict ||
			!strings.Contains(resp.Body, "cannot be removed") {
			t.Errorf("removing Politics, which has an issue: status %d", resp.Status)
		}
		if resp := editor.Post("/admin/newsletter-lists/"+id(sport)+"/delete", url.Values{}); resp.Status != http.StatusOK ||
			!strings.Contains(resp.Body, "Newsletter removed") {
			t.Fatalf("removing Sport: status %d", resp.Status)
		}
		if _, err := site.App.Newsletters.List(ctx, "politics"); err != nil {
			t.Fatalf("Politics after a refused removal: %v", err)
		}
		if page := sub.Get("/newsletters"); strings.Contains(page.Body, `data-list="sport"`) {
			t.Error("the readers' page still offers the removed Sport")
		}

		// The term ends; the link is pressed within its 48 hours.
		site.Clock.Advance(3 * time.Hour)
		notTech := "Tech is for subscribers whose plan includes " + curated.Title + ", and no subscription with this address includes it now, so it is not joined."
		gone := "A newsletter asked for has been discontinued since, so it is not joined."
		page := anon.Get(subLink[0])
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Send Politics to "+nlSubscriber+"?") ||
			!strings.Contains(page.Body, notTech) || !strings.Contains(page.Body, gone) {
			t.Errorf("the link's page after the term: status %d\n%s", page.Status, page.Body)
		}
		done := anon.Post(subLink[0], url.Values{})
		if done.Status != http.StatusOK || !strings.Contains(done.Body, "Confirmed: Politics will come to "+nlSubscriber) ||
			!strings.Contains(done.Body, notTech) || !strings.Contains(done.Body, gone) {
			t.Errorf("confirming: status %d\n%s", done.Status, done.Body)
		}
		on := nlOn(t, site, nlSubscriber)
		if !slices.Contains(on, "politics") || slices.Contains(on, "tech") {
			t.Errorf("the subscriber whose term ended is on %v: want Politics, not Tech", on)
		}
		if ids, err := site.App.Store.NewsletterMemberships(ctx, nlSubscriber); err != nil || slices.Contains(ids, sport) {
			t.Errorf("memberships %v, %v: the removed Sport was joined", ids, err)
		}
		if again := anon.Post(subLink[0], url.Values{}); again.Status != http.StatusGone {
			t.Errorf("the link pressed again: status %d, want 410", again.Status)
		}

		// Staff have every list: the editor's link joins the gated Tech.
		if resp := anon.Post(editorLink[0], url.Values{}); resp.Status != http.StatusOK ||
			!strings.Contains(resp.Body, "Confirmed: Tech will come to "+nlEditor) || strings.Contains(resp.Body, "not joined") {
			t.Errorf("the editor confirming Tech: status %d\n%s", resp.Status, resp.Body)
		}
		if !slices.Contains(nlOn(t, site, nlEditor), "tech") {
			t.Error("the editor is not on Tech")
		}
	})
}
