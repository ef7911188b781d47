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
)

// A story's words are not the newsletter's to trust: a wire item (or a
// story quoting one) may hold any text, the address the emails' template
// once used to mark where each recipient's unsubscribe link goes among
// it. Such a story in an issue must not stop the issue from going out,
// nor give anyone a link that is not their own.
func TestNewsletterStoryTextCannotStopASend(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		st := site.App.Store
		secs, err := st.Sections(ctx)
		if err != nil || len(secs) == 0 {
			t.Fatalf("sections: %v", err)
		}
		now := site.Clock.Now()
		const planted = "https://unsubscribe.invalid/marker"
		a := &content.Article{Slug: "wire-marker", Headline: "A wire item", Summary: "From the wire",
			Body:      "Paragraph one quotes " + planted + " as it came.\n\nParagraph two.",
			SectionID: secs[0].ID, Author: "Wire", Access: content.Free, WireSource: "agency",
			PublishedAt: now.Add(-1), UpdatedAt: now.Add(-1)}
		if a.ID, err = st.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		editor := nlSignIn(t, site, nlEditor)
		issue := nlCompose(t, editor, nlList(t, site, "finance"), "Wire roundup", "", a.ID)
		nlSendNow(t, site, editor, issue)

		for _, to := range []string{nlSubscriber, nlReader} {
			got := nlMail(sink, to, "Wire roundup")
			if len(got) != 1 {
				t.Errorf("%s received the issue %d times, want 1", to, len(got))
				continue
			}
			text, html, err := got[0].Parts()
			if err != nil {
				t.Fatal(err)
			}
			link := nlUnsubscribeURL(t, got[0])
			for name, body := range map[string]string{"text": text, "html": html} {
				if !strings.Contains(body, "Paragraph one quotes") || !strings.Contains(body, link) {
					t.Errorf("%s's %s part: want the story and their own unsubscribe link %s:\n%s", to, name, link, body)
				}
			}
			if status, _ := postOneClick(t, link, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); status != http.StatusOK {
				t.Errorf("%s's unsubscribe link: status %d", to, status)
			}
		}
		if c := nlCounts(t, site, issue); c.Sent != 2 || c.Queued != 0 {
			t.Errorf("counts %+v: want 2 sent, none queued", c)
		}
	})
}

// Attacks on the console and the emailed links that the newsletters
// withstand: a reader forging the console's forms sends, schedules and
// saves nothing; opening an unsubscribe link (a mail scanner's GET or
// HEAD) unsubscribes nobody; a draft's or a scheduled issue's web view is
// no page; a free story of the market-insights vertical reaches a reader
// without the benefit as its lead only, by email and on the web; an
// intro's markup is text; a subject cannot carry a header.
func TestNewsletterAttacksThatHold(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		ctx := context.Background()
		st := site.App.Store
		secs, err := st.Sections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var insights int64
		for _, s := range secs {
			if s.Slug == "smart-investor" {
				insights = s.ID
			}
		}
		now := site.Clock.Now()
		vertical := &content.Article{Slug: "free-insight", Headline: "A free insight", Summary: "In the vertical",
			Body:      "Lead one.\n\nLead two.\n\nThree.\n\nFour.\n\nThe " + nlSecret + " is here.\n\nSix.",
			SectionID: insights, Author: "Desk", Access: content.Free, PublishedAt: now.Add(-1), UpdatedAt: now.Add(-1)}
		if vertical.ID, err = st.CreateArticle(ctx, vertical); err != nil {
			t.Fatal(err)
		}
		finance := nlList(t, site, "finance")
		editor := nlSignIn(t, site, nlEditor)
		draft := nlCompose(t, editor, finance, "Draft", "<script>alert(1)</script> & more", vertical.ID)
		path := "/admin/newsletters/" + strconv.FormatInt(draft, 10)

		// A reader forges the console's forms.
		reader := nlSignIn(t, site, nlReader)
		for _, p := range []string{"/admin/newsletters", path, path + "/test", path + "/schedule", path + "/unschedule",
			"/admin/newsletter-lists"} {
			form := url.Values{"list": {strconv.FormatInt(finance, 10)}, "subject": {"Forged"}, "story": {strconv.FormatInt(vertical.ID, 10)},
				"now": {"1"}, "name": {"Forged list"}, "audience": {"registered"}}
			if r := reader.Post(p, form); r.Status != http.StatusForbidden {
				t.Errorf("a reader posts %s: status %d, want 403", p, r.Status)
			}
		}
		site.RunJobs()
		if i, _, err := site.App.Newsletters.Issue(ctx, draft); err != nil || i.Status != "draft" || i.Subject != "Draft" {
			t.Errorf("after the reader's forms the draft is %+v (%v)", i, err)
		}
		for _, to := range []string{nlReader, nlSubscriber} {
			for _, subject := range []string{"Draft", "[Test] Draft", "Forged"} {
				if n := len(nlMail(sink, to, subject)); n != 0 {
					t.Errorf("after the reader's forms %s received %q %d times", to, subject, n)
				}
			}
		}

		// Neither a draft nor a scheduled issue has a web view.
		view := "/newsletters/finance/" + strconv.FormatInt(draft, 10)
		if r := reader.Get(view); r.Status != http.StatusNotFound {
			t.Errorf("a draft's web view: status %d", r.Status)
		}
		if r := editor.Post(path+"/schedule", url.Values{"send_at": {now.Add(48 * time.Hour).In(site.App.Settings.Get().Location).Format("2006-01-02T15:04")}}); r.Status != http.StatusOK {
			t.Fatalf("schedule: status %d", r.Status)
		}
		if r := reader.Get(view); r.Status != http.StatusNotFound {
			t.Errorf("a scheduled issue's web view: status %d", r.Status)
		}
		if r := editor.Post(path+"/unschedule", url.Values{}); r.Status != http.StatusOK {
			t.Fatalf("unschedule: status %d", r.Status)
		}
		if r := editor.Post(path, url.Values{"list": {strconv.FormatInt(finance, 10)}, "subject": {"Two\r\nBcc: all@example.com"},
			"story": {strconv.FormatInt(vertical.ID, 10)}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a subject of two lines: status %d, want 422", r.Status)
		}

		nlSendNow(t, site, editor, draft)
		m, text, html := nlOnly(t, sink, nlReader, "Draft")
		for name, body := range map[string]string{"text": text, "html": html} {
			if strings.Contains(body, nlSecret) || !strings.Contains(body, "Lead one.") {
				t.Errorf("the reader's %s part: want the vertical story's lead only", name)
			}
		}
		if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
			t.Error("the intro's markup is not escaped in the HTML part")
		}
		if r := site.NewBrowser().Get(view); r.Status != http.StatusOK || strings.Contains(r.Body, nlSecret) || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("the web view for a visitor: status %d, the vertical story or the intro's markup leaks", r.Status)
		}

		// A scanner opens the unsubscribe link: nothing changes.
		link := nlUnsubscribeURL(t, m)
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, link, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		if on := nlOn(t, site, nlReader); !slices.Contains(on, "finance") {
			t.Errorf("opening the unsubscribe link took the reader off Finance: on %v", on)
		}
	})
}

// The sign-up's limit per address is a limit per inbox: a tag after a
// plus (victim+1@, victim+2@, ...) reaches the same inbox at most mail
// providers, so tagged addresses share their inbox's count and the form
// still cannot flood it.
func TestNewsletterSignupThrottleCountsTaggedAddressesAsOne(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		tech := strconv.FormatInt(nlList(t, site, "tech"), 10)
		var statuses []int
		for i := range 6 {
			addr := "victim+" + strconv.Itoa(i) + "@example.com"
			statuses = append(statuses, site.NewBrowser().Post("/newsletters/signup", url.Values{"email": {addr}, "list": {tech}}).Status)
		}
		sent := 0
		for i := range 6 {
			sent += len(sink.To("victim+" + strconv.Itoa(i) + "@example.com"))
		}
		if sent != 3 {
			t.Errorf("%d confirmations reached victim@example.com's inbox within an hour, want 3 (statuses %v)", sent, statuses)
		}
		if statuses[5] != http.StatusTooManyRequests {
			t.Errorf("the sixth tagged sign-up: status %d, want 429", statuses[5])
		}
		// Another inbox is not held back by the victim's count.
		if s := site.NewBrowser().Post("/newsletters/signup", url.Values{"email": {"victim.other@example.com"}, "list": {tech}}).Status; s != http.StatusOK {
			t.Errorf("another address: status %d", s)
		}
	})
}

// An account is made with anyone's address and signed in before the
// address is confirmed. Until it is, the address is not the account's to
// speak for: its pages do not tell which newsletters the address
// receives, and leaving one takes the address off nothing.
func TestNewsletterUnconfirmedAccountCannotLeaveForTheAddress(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		const victim = "quiet.victim@example.com"
		finance := nlList(t, site, "finance")
		if err := site.App.Store.JoinNewsletters(context.Background(), victim, []int64{finance}, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		attacker := site.NewBrowser()
		attacker.Post("/register", url.Values{"email": {victim}, "password": {"attacker-chose-this-1"}})
		if attacker.Cookie("bs_session") == "" {
			t.Fatal("registering with the victim's address did not sign in")
		}
		for _, p := range []string{"/newsletters", "/account"} {
			r := attacker.Get(p)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: status %d", p, r.Status)
			}
			if strings.Contains(r.Body, "/newsletters/leave/"+strconv.FormatInt(finance, 10)) ||
				strings.Contains(r.Body, "You receive it") || strings.Contains(r.Body, "you receive it") {
				t.Errorf("%s tells an unconfirmed account which newsletters its address receives", p)
			}
		}
		r := attacker.Post("/newsletters/leave/"+strconv.FormatInt(finance, 10), url.Values{})
		if r.Status == http.StatusOK && strings.Contains(r.Body, "You left the newsletter") {
			t.Errorf("leaving as an unconfirmed account: status %d, told it left", r.Status)
		}
		if on := nlOn(t, site, victim); !slices.Contains(on, "finance") {
			t.Errorf("an account that never confirmed the address took it off Finance: on %v", on)
		}
	})
}
