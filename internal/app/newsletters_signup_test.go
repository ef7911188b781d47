package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
)

var confirmLinkRE = regexp.MustCompile(`/newsletters/confirm/([A-Za-z0-9_-]+)`)

// nlConfirmLinks returns the confirmation links an address was sent.
func nlConfirmLinks(t *testing.T, sink *smtptest.Server, addr string) []string {
	t.Helper()
	var links []string
	for _, m := range sink.To(addr) {
		text, _, err := m.Parts()
		if err != nil {
			t.Fatal(err)
		}
		if l := confirmLinkRE.FindString(text); l != "" {
			links = append(links, l)
		}
	}
	return links
}

// nlOn lists the slugs of the lists an address is on.
func nlOn(t *testing.T, site *apptest.Site, email string) []string {
	t.Helper()
	ctx := context.Background()
	ids, err := site.App.Store.NewsletterMemberships(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	lists, err := site.App.Newsletters.Lists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, l := range lists {
		if slices.Contains(ids, l.ID) {
			slugs = append(slugs, l.Slug)
		}
	}
	return slugs
}

// A new address signs up from the public form: nothing is joined and no
// issue sent to it until the emailed link's button is pressed, once. A
// sign-up for an address already on the lists answers the same words. A
// guessed link, a used one and an expired one join nothing; five presses
// of one link at once join once.
func TestNewsletterSignupIsConfirmedFirst(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		finance, tech, markets := nlList(t, site, "finance"), nlList(t, site, "tech"), nlList(t, site, "markets")
		ids := func(ids ...int64) []string {
			var out []string
			for _, id := range ids {
				out = append(out, strconv.FormatInt(id, 10))
			}
			return out
		}
		anon := site.NewBrowser()
		signup := func(email string, lists ...int64) apptest.Response {
			return anon.Post("/newsletters/signup", url.Values{"email": {email}, "list": ids(lists...)})
		}
		fresh := signup("new.reader@example.com", finance, tech)
		known := signup(nlReader, finance, tech)
		if fresh.Status != http.StatusOK || known.Status != http.StatusOK {
			t.Fatalf("sign-ups: status %d and %d", fresh.Status, known.Status)
		}
		if strings.ReplaceAll(fresh.Body, "new.reader@example.com", "X") != strings.ReplaceAll(known.Body, nlReader, "X") {
			t.Error("a sign-up's answer differs for an address already on the lists")
		}
		if on := nlOn(t, site, "new.reader@example.com"); len(on) != 0 {
			t.Fatalf("joined %v before confirming", on)
		}
		for name, resp := range map[string]apptest.Response{
			"subscribers' list": signup("other@example.com", markets),
			"no list":           signup("other@example.com"),
			"not an address":    signup("not-an-address", finance),
			"no such list":      signup("other@example.com", 987654),
		} {
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", name, resp.Status)
			}
		}
		if n := len(sink.To("other@example.com")); n != 0 {
			t.Errorf("refused sign-ups sent %d emails", n)
		}

		// An issue sent now does not go to the unconfirmed address.
		story := nlGatedStory(t, site, "signup-story", content.Free)
		editor := nlSignIn(t, site, nlEditor)
		first := nlCompose(t, editor, finance, "Before confirming", "", story.ID)
		nlSendNow(t, site, editor, first)
		if n := len(nlMail(sink, "new.reader@example.com", "Before confirming")); n != 0 {
			t.Fatal("an issue went to an address not confirmed")
		}

		links := nlConfirmLinks(t, sink, "new.reader@example.com")
		if len(links) != 1 {
			t.Fatalf("%d confirmation emails, want 1", len(links))
		}
		link := links[0]
		guessed := "/newsletters/confirm/" + accounts.NewToken()
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var resp apptest.Response
			if method == http.MethodGet {
				resp = anon.Get(guessed)
			} else {
				resp = anon.Post(guessed, url.Values{})
			}
			if resp.Status != http.StatusNotFound {
				t.Errorf("%s of a guessed link: status %d, want 404", method, resp.Status)
			}
		}
		if page := anon.Get(link); page.Status != http.StatusOK || !strings.Contains(page.Body, "confirm-button") {
			t.Fatalf("the link's page: status %d", page.Status)
		}
		if on := nlOn(t, site, "new.reader@example.com"); len(on) != 0 {
			t.Fatalf("opening the link joined %v: only its button may", on)
		}
		statuses := make([]int, 5)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() { statuses[i] = site.NewBrowser().Post(link, url.Values{}).Status })
		}
		wg.Wait()
		slices.Sort(statuses)
		if want := []int{200, 410, 410, 410, 410}; !slices.Equal(statuses, want) {
			t.Errorf("five presses at once: %v, want %v", statuses, want)
		}
		if on := nlOn(t, site, "new.reader@example.com"); !slices.Equal(on, []string{"finance", "tech"}) {
			t.Errorf("confirmed onto %v, want finance and tech", on)
		}
		if resp := anon.Post(link, url.Values{}); resp.Status != http.StatusGone || !strings.Contains(resp.Body, "used") {
			t.Errorf("a used link: status %d", resp.Status)
		}

		// A link past its 48 hours joins nothing.
		signup("late@example.com", tech)
		late := nlConfirmLinks(t, sink, "late@example.com")
		if len(late) != 1 {
			t.Fatalf("%d confirmations for late@", len(late))
		}
		site.Clock.Advance(49 * time.Hour)
		if resp := anon.Post(late[0], url.Values{}); resp.Status != http.StatusGone || !strings.Contains(resp.Body, "expired") {
			t.Errorf("an expired link: status %d", resp.Status)
		}
		if on := nlOn(t, site, "late@example.com"); len(on) != 0 {
			t.Errorf("an expired link joined %v", on)
		}

		second := nlCompose(t, editor, finance, "After confirming", "", story.ID)
		nlSendNow(t, site, editor, second)
		if n := len(nlMail(sink, "new.reader@example.com", "After confirming")); n != 1 {
			t.Errorf("the confirmed address got the next issue %d times, want 1", n)
		}
	})
}

// Sign-ups for one address are limited: the form cannot flood an inbox.
func TestNewsletterSignupIsThrottled(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		form := url.Values{"email": {"victim@example.com"}, "list": {strconv.FormatInt(nlList(t, site, "tech"), 10)}}
		var last int
		for range 5 {
			last = site.NewBrowser().Post("/newsletters/signup", form).Status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("the fifth sign-up within an hour: status %d, want 429", last)
		}
		if n := len(sink.To("victim@example.com")); n != 3 {
			t.Errorf("%d confirmations sent, want 3", n)
		}
	})
}

// A list for subscribers: a reader without a subscription cannot join it,
// and a subscriber whose subscription has ended is skipped at the send,
// while they received the issue before.
func TestNewsletterSubscribersListFollowsEntitlement(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		markets := nlList(t, site, "markets")
		reader := nlSignIn(t, site, nlReader)
		if resp := reader.Post("/newsletters/join", url.Values{"list": {strconv.FormatInt(markets, 10)}}); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("a reader joining a subscribers' list: status %d, want 422", resp.Status)
		}
		if slices.Contains(nlOn(t, site, nlReader), "markets") {
			t.Fatal("the reader was put on Markets")
		}
		story := nlGatedStory(t, site, "markets-story", content.Premium)
		editor := nlSignIn(t, site, nlEditor)
		first := nlCompose(t, editor, markets, "Markets open", "For subscribers.", story.ID)
		nlSendNow(t, site, editor, first)
		if _, text, _ := nlOnly(t, sink, nlSubscriber, "Markets open"); !strings.Contains(text, nlSecret) {
			t.Error("the entitled subscriber did not get the story whole")
		}

		sub := nlSignIn(t, site, nlSubscriber)
		if resp := sub.Post("/account/cancel", url.Values{}); resp.Status != http.StatusOK {
			t.Fatalf("cancel: %d", resp.Status)
		}
		site.Clock.Advance(400 * 24 * time.Hour)
		story2 := nlGatedStory(t, site, "markets-story-2", content.Premium)
		second := nlCompose(t, editor, markets, "Markets later", "For subscribers.", story2.ID)
		nlSendNow(t, site, editor, second)
		if n := len(nlMail(sink, nlSubscriber, "Markets later")); n != 0 {
			t.Errorf("a lapsed subscriber got the subscribers' list %d times", n)
		}
		if c := nlCounts(t, site, second); c.Skipped != 1 || c.Sent != 0 {
			t.Errorf("counts %+v: want the lapsed subscriber skipped", c)
		}
	})
}

// An address the server refuses with 550 is recorded failed with the
// server's answer each time; after three in a row it is suppressed and
// the next issue is not queued for it. The others get every issue.
func TestNewsletterHardBouncesSuppress(t *testing.T) {
	const bouncing = "gone@example.com"
	nlEach(t, func(rcpt string) bool { return strings.EqualFold(rcpt, bouncing) }, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		finance := nlList(t, site, "finance")
		if err := site.App.Store.JoinNewsletters(context.Background(), bouncing, []int64{finance}, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		story := nlGatedStory(t, site, "bounce-story", content.Free)
		editor := nlSignIn(t, site, nlEditor)
		for i := 1; i <= 4; i++ {
			subject := fmt.Sprintf("Issue %d", i)
			issue := nlCompose(t, editor, finance, subject, "", story.ID)
			nlSendNow(t, site, editor, issue)
			c := nlCounts(t, site, issue)
			switch {
			case i <= 3 && (c.Failed != 1 || c.Sent != 2):
				t.Errorf("issue %d: counts %+v, want 1 failed and 2 sent", i, c)
			case i == 4 && (c.Total() != 2 || c.Sent != 2):
				t.Errorf("issue 4: counts %+v, want the suppressed address left out", c)
			}
			if i == 1 {
				page := editor.Get("/admin/newsletters/" + strconv.FormatInt(issue, 10))
				if !strings.Contains(page.Body, bouncing) || !strings.Contains(page.Body, "550") {
					t.Error("the console does not show the refused address and the server's answer")
				}
			}
			for _, addr := range []string{nlSubscriber, nlReader} {
				if n := len(nlMail(sink, addr, subject)); n != 1 {
					t.Errorf("%s got %q %d times", addr, subject, n)
				}
			}
		}
		sub, err := site.App.Store.NewsletterSubscriberByEmail(context.Background(), bouncing)
		if err != nil || !sub.Suppressed || sub.HardBounces != 3 {
			t.Errorf("the bouncing address: %+v, %v; want suppressed after 3", sub, err)
		}
	})
}

// Runs of one send racing each other (a job taken over by another
// instance while its first worker still runs) send each recipient the
// issue once: each delivery is claimed by one run only.
func TestNewsletterRacingRunsSendOnce(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		finance := nlList(t, site, "finance")
		var extra []string
		for i := range 40 {
			addr := fmt.Sprintf("racer%02d@example.com", i)
			extra = append(extra, addr)
			if err := site.App.Store.JoinNewsletters(ctx, addr, []int64{finance}, site.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		story := nlGatedStory(t, site, "race-story", content.Free)
		editor := nlSignIn(t, site, nlEditor)
		issue := nlCompose(t, editor, finance, "Raced", "", story.ID)
		// Two tabs press "Send now" at once.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				editor.Post("/admin/newsletters/"+strconv.FormatInt(issue, 10)+"/schedule", url.Values{"now": {"1"}})
			})
		}
		wg.Wait()
		i, _, err := site.App.Newsletters.Issue(ctx, issue)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			wg.Go(func() {
				if err := site.App.Newsletters.Send(ctx, issue, i.Generation, nil); err != nil {
					t.Errorf("send: %v", err)
				}
			})
		}
		wg.Wait()
		site.RunJobs() // the jobs of both presses, the older one superseded
		for _, addr := range append(extra, nlSubscriber, nlReader) {
			if n := len(nlMail(sink, addr, "Raced")); n != 1 {
				t.Errorf("%s got the issue %d times", addr, n)
			}
		}
		if c := nlCounts(t, site, issue); c.Total() != 42 || c.Queued+c.Sending != 0 || c.Sent+c.Interrupted != 42 {
			t.Errorf("counts %+v", c)
		}
	})
}

// A signed-in reader joins from the box under a story and is sent back to
// it; their account lists the list, and leaving from it works. An account
// whose address is not confirmed joins nothing.
func TestNewsletterJoinFromAStory(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		story := nlGatedStory(t, site, "join-story", content.Metered)
		reader := nlSignIn(t, site, nlReader)
		page := reader.Get("/article/" + story.Slug)
		if !strings.Contains(page.Body, `id="newsletter-box"`) || !strings.Contains(page.Body, `action="/newsletters/join"`) {
			t.Fatal("no newsletters' box under the story for a signed-in reader")
		}
		if anon := site.NewBrowser().Get("/article/" + story.Slug); !strings.Contains(anon.Body, `action="/newsletters/signup"`) {
			t.Error("no sign-up form under the story for a visitor")
		}
		tech := strconv.FormatInt(nlList(t, site, "tech"), 10)
		resp := reader.Do(http.MethodPost, "/newsletters/join", strings.NewReader(url.Values{"list": {tech}}.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"},
			"Referer": {site.URL + "/article/" + story.Slug},
		})
		if resp.URL != "/article/"+story.Slug || !strings.Contains(resp.Body, "You joined the newsletters") {
			t.Errorf("after joining: at %s", resp.URL)
		}
		if on := nlOn(t, site, nlReader); !slices.Contains(on, "tech") {
			t.Fatalf("on %v, want tech among them", on)
		}
		account := reader.Get("/account")
		if !strings.Contains(account.Body, `action="/newsletters/leave/`+tech+`"`) {
			t.Fatal("the account page does not offer to leave Tech")
		}
		reader.Post("/newsletters/leave/"+tech, url.Values{})
		if on := nlOn(t, site, nlReader); slices.Contains(on, "tech") {
			t.Error("still on tech after leaving")
		}
		// Another site's form cannot join a signed-in reader to anything.
		forged := reader.Do(http.MethodPost, "/newsletters/join", strings.NewReader(url.Values{"list": {tech}}.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"},
		})
		if forged.Status != http.StatusForbidden || slices.Contains(nlOn(t, site, nlReader), "tech") {
			t.Errorf("a cross-site join: status %d", forged.Status)
		}

		fresh := site.NewBrowser()
		fresh.Post("/register", url.Values{"email": {"unconfirmed@example.com"}, "password": {"a long enough password"}})
		if fresh.Cookie("bs_session") == "" {
			t.Fatal("registration did not sign in")
		}
		if resp := fresh.Post("/newsletters/join", url.Values{"list": {tech}}); resp.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(resp.Body, "Confirm your email address first") {
			t.Errorf("an unconfirmed account joining: status %d", resp.Status)
		}
		if on := nlOn(t, site, "unconfirmed@example.com"); len(on) != 0 {
			t.Errorf("an unconfirmed account joined %v", on)
		}
	})
}
