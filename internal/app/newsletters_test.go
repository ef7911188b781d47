package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/offer"
	"broadsheet/internal/store/storetest"
)

// An editor composes an issue of Finance with a premium story and sends
// it: the subscriber's message has the story whole, the reader's only its
// lead and a link, in both parts, and the web view cuts it the same way
// for each viewer. Every message carries its own one-click unsubscribe.
func TestNewsletterIssueIsCutPerRecipient(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		premium := nlGatedStory(t, site, "rate-path", content.Premium)
		metered := nlGatedStory(t, site, "bank-results", content.Metered)
		editor := nlSignIn(t, site, nlEditor)
		issue := nlCompose(t, editor, nlList(t, site, "finance"), "Finance this week", "Three things to know.\n\nAnd one more.",
			premium.ID, metered.ID)

		// Previews as each reader, and the editor's own test.
		path := "/admin/newsletters/" + strconv.FormatInt(issue, 10)
		for as, wantSecret := range map[string]bool{"subscriber": true, "reader": false} {
			for _, format := range []string{"html", "text"} {
				resp := editor.Get(path + "/preview?as=" + as + "&format=" + format)
				if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Standfirst of rate-path") {
					t.Fatalf("preview as %s (%s): status %d", as, format, resp.Status)
				}
				if strings.Contains(resp.Body, nlSecret) != wantSecret {
					t.Errorf("preview as %s (%s): secret shown %v, want %v", as, format, !wantSecret, wantSecret)
				}
			}
		}
		if resp := nlSignIn(t, site, nlReader).Get(path + "/preview?as=subscriber"); resp.Status != http.StatusForbidden {
			t.Errorf("a reader opened the preview: status %d", resp.Status)
		}
		editor.Post(path+"/test", url.Values{})
		if _, text, _ := nlOnly(t, sink, nlEditor, "[Test] Finance this week"); !strings.Contains(text, nlSecret) {
			t.Error("the editor's test lacks the story in full")
		}

		nlSendNow(t, site, editor, issue)
		c := nlCounts(t, site, issue)
		if c.Sent != 2 || c.Total() != 2 || c.Queued != 0 {
			t.Fatalf("counts %+v: want 2 sent of 2", c)
		}
		sub, subText, subHTML := nlOnly(t, sink, nlSubscriber, "Finance this week")
		rd, rdText, rdHTML := nlOnly(t, sink, nlReader, "Finance this week")
		for name, body := range map[string]string{"subscriber text": subText, "subscriber html": subHTML} {
			if !strings.Contains(body, nlSecret) {
				t.Errorf("%s: the premium story is not whole", name)
			}
		}
		for name, body := range map[string]string{"reader text": rdText, "reader html": rdHTML, "reader raw": string(rd.Raw)} {
			if strings.Contains(body, nlSecret) {
				t.Errorf("%s: a story's text past its lead reached a reader without access", name)
			}
		}
		for name, body := range map[string]string{"reader text": rdText, "reader html": rdHTML} {
			if !strings.Contains(body, "Paragraph 1 of rate-path") || !strings.Contains(body, "Continue reading") ||
				!strings.Contains(body, "/article/rate-path") || !strings.Contains(body, "Three things to know.") {
				t.Errorf("%s: want the lead, the intro and a link to the story:\n%s", name, body)
			}
		}
		if sub.Header("Subject") != "Finance this week" {
			t.Errorf("subject %q", sub.Header("Subject"))
		}
		for _, m := range []*smtptest.Message{sub, rd} {
			if got := m.Header("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post %q", got)
			}
		}
		subLink, rdLink := nlUnsubscribeURL(t, sub), nlUnsubscribeURL(t, rd)
		if subLink == rdLink || !strings.Contains(rdText, rdLink) || !strings.Contains(rdHTML, rdLink) {
			t.Errorf("each message needs its own unsubscribe link in its header and body: %s, %s", subLink, rdLink)
		}

		// The web view: whole for the subscriber, the lead for anyone else.
		view := "/newsletters/finance/" + strconv.FormatInt(issue, 10)
		anon := site.NewBrowser().Get(view)
		if anon.Status != http.StatusOK || !strings.Contains(anon.Body, "Paragraph 1 of rate-path") || strings.Contains(anon.Body, nlSecret) {
			t.Errorf("web view for a visitor: status %d, secret shown %v", anon.Status, strings.Contains(anon.Body, nlSecret))
		}
		if r := nlSignIn(t, site, nlReader).Get(view); strings.Contains(r.Body, nlSecret) {
			t.Error("web view for the reader shows the premium story whole")
		}
		if r := nlSignIn(t, site, nlSubscriber).Get(view); !strings.Contains(r.Body, nlSecret) {
			t.Error("web view for the subscriber lacks the premium story")
		}
		if r := site.NewBrowser().Get("/newsletters/politics/" + strconv.FormatInt(issue, 10)); r.Status != http.StatusNotFound {
			t.Errorf("the issue under another list's address: status %d", r.Status)
		}
		console := editor.Get("/admin/newsletters")
		if !strings.Contains(console.Body, "Finance this week") {
			t.Error("the console does not list the issue")
		}
	})
}

// postOneClick is a mail client's RFC 8058 unsubscribe: a POST with no
// cookie and no browser headers.
func postOneClick(t *testing.T, link, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, link, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// One click unsubscribes without sign-in, once: a replay changes nothing;
// a forged token, and the reader's token with another membership's number
// in it, are refused and unsubscribe nobody. The next issue does not go to
// the reader who left, and the console counts who left through the issue.
func TestNewsletterOneClickUnsubscribe(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		story := nlGatedStory(t, site, "budget-brief", content.Free)
		editor := nlSignIn(t, site, nlEditor)
		finance := nlList(t, site, "finance")
		first := nlCompose(t, editor, finance, "First", "", story.ID)
		nlSendNow(t, site, editor, first)
		sub, _, _ := nlOnly(t, sink, nlSubscriber, "First")
		rd, _, _ := nlOnly(t, sink, nlReader, "First")
		subLink, rdLink := nlUnsubscribeURL(t, sub), nlUnsubscribeURL(t, rd)

		// Forged: the reader's token with its signature changed, and with
		// the subscriber's membership number put in it.
		token := strings.TrimPrefix(rdLink, site.URL+"/newsletters/unsubscribe/")
		parts := strings.Split(token, ".")
		subParts := strings.Split(strings.TrimPrefix(subLink, site.URL+"/newsletters/unsubscribe/"), ".")
		forged := map[string]string{
			"altered signature":  parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
			"another membership": subParts[0] + "." + parts[1] + "." + parts[2],
			"made up":            "1.1.x",
		}
		for name, tok := range forged {
			status, _ := postOneClick(t, site.URL+"/newsletters/unsubscribe/"+tok, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
			if status != http.StatusNotFound {
				t.Errorf("%s token: status %d, want 404", name, status)
			}
		}
		status, body := postOneClick(t, rdLink, "multipart/form-data; boundary=xyz",
			"--xyz\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--xyz--\r\n")
		if status != http.StatusOK || !strings.Contains(body, "You are unsubscribed from Finance") {
			t.Fatalf("one-click: status %d\n%s", status, body)
		}
		status, body = postOneClick(t, rdLink, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
		if status != http.StatusOK || !strings.Contains(body, "already unsubscribed") {
			t.Errorf("replayed one-click: status %d\n%s", status, body)
		}
		if c := nlCounts(t, site, first); c.Unsubscribed != 1 {
			t.Errorf("unsubscribed through the issue: %d, want 1", c.Unsubscribed)
		}

		second := nlCompose(t, editor, finance, "Second", "", story.ID)
		nlSendNow(t, site, editor, second)
		if n := len(nlMail(sink, nlReader, "Second")); n != 0 {
			t.Errorf("the reader who left got the next issue %d times", n)
		}
		if n := len(nlMail(sink, nlSubscriber, "Second")); n != 1 {
			t.Errorf("the subscriber got the next issue %d times, want 1: a forged token unsubscribed them", n)
		}
		// Joining again makes a new membership: the old link does not end it.
		reader := nlSignIn(t, site, nlReader)
		if r := reader.Post("/newsletters/join", url.Values{"list": {strconv.FormatInt(finance, 10)}}); r.Status != http.StatusOK {
			t.Fatalf("join again: %d", r.Status)
		}
		if status, body := postOneClick(t, rdLink, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); !strings.Contains(body, "already unsubscribed") {
			t.Errorf("an old link after joining again: status %d\n%s", status, body)
		}
		if r := reader.Get("/account"); !strings.Contains(r.Body, `action="/newsletters/leave/`+strconv.FormatInt(finance, 10)) {
			t.Error("the account page does not show the reader on Finance again")
		}
	})
}

// An issue scheduled for later goes at its time, not before; one taken
// back to a draft goes not at all, even though its job was queued; a story
// that is not published (a draft, or picked by a forged form) is in no
// message, not even a subscriber's.
func TestNewsletterScheduledIssueGoesAtItsTime(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		story := nlGatedStory(t, site, "scheduled-story", content.Free)
		draft := nlGatedStory(t, site, "draft-story", content.Free)
		draft.Status = content.StatusDraft
		if err := site.App.Store.SaveStory(context.Background(), draft, 0, []string{"status"}, site.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		editor := nlSignIn(t, site, nlEditor)
		finance := nlList(t, site, "finance")
		later := nlCompose(t, editor, finance, "Later", "", story.ID, draft.ID)
		dropped := nlCompose(t, editor, finance, "Dropped", "", story.ID)
		loc := site.App.Settings.Get().Location
		at := site.Clock.Now().Add(2 * time.Hour).In(loc).Format("2006-01-02T15:04")
		for _, id := range []int64{later, dropped} {
			resp := editor.Post("/admin/newsletters/"+strconv.FormatInt(id, 10)+"/schedule", url.Values{"send_at": {at}, "schedule": {"1"}})
			if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "scheduled") {
				t.Fatalf("schedule: status %d", resp.Status)
			}
		}
		if resp := editor.Post("/admin/newsletters/"+strconv.FormatInt(dropped, 10)+"/unschedule", url.Values{}); resp.Status != http.StatusOK {
			t.Fatalf("unschedule: status %d", resp.Status)
		}
		site.RunJobs()
		if n := len(nlMail(sink, nlSubscriber, "Later")); n != 0 {
			t.Fatal("a scheduled issue went before its time")
		}
		site.Clock.Advance(2*time.Hour + time.Minute)
		site.RunJobs()
		_, text, html := nlOnly(t, sink, nlSubscriber, "Later")
		if strings.Contains(text+html, "draft-story") {
			t.Error("a story that is not published reached a subscriber")
		}
		if !strings.Contains(text, "Headline of scheduled-story") {
			t.Error("the published story is missing")
		}
		if n := len(nlMail(sink, nlReader, "Dropped")) + len(nlMail(sink, nlSubscriber, "Dropped")); n != 0 {
			t.Errorf("an issue taken back to a draft was sent %d times", n)
		}
	})
}

// BROADSHEET_NEWSLETTER_RATE holds a send to its rate across all its
// connections: 22 recipients at 40 a second take over half a second.
func TestNewsletterRateIsKept(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			sink := smtptest.Start(t, smtptest.Options{})
			site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
				c.SMTPAddr, c.SMTPFrom = sink.Addr, "The Daily <news@daily.example>"
				c.Newsletters = config.Newsletters{Concurrency: 4, Rate: 40}
			})
			site.RunJobs()
			ctx := context.Background()
			finance := nlList(t, site, "finance")
			for i := range 20 {
				if err := site.App.Store.JoinNewsletters(ctx, "paced"+strconv.Itoa(i)+"@example.com", []int64{finance}, site.Clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			story := nlGatedStory(t, site, "paced-story", content.Free)
			editor := nlSignIn(t, site, nlEditor)
			issue := nlCompose(t, editor, finance, "Paced", "", story.ID)
			started := time.Now()
			nlSendNow(t, site, editor, issue)
			took := time.Since(started)
			if c := nlCounts(t, site, issue); c.Sent != 22 {
				t.Fatalf("counts %+v", c)
			}
			if took < 500*time.Millisecond {
				t.Errorf("22 messages at 40 a second took %s", took)
			}
		})
	}
}

// Editors add and change lists in the console; a reader cannot, and a
// name that would break a header or an address taken is refused, changing
// nothing. A new list is offered to readers at once.
func TestNewsletterListsInTheConsole(t *testing.T) {
	nlEach(t, nil, func(t *testing.T, site *apptest.Site, sink *smtptest.Server) {
		editor := nlSignIn(t, site, nlEditor)
		add := func(b *apptest.Browser, name, slug string) apptest.Response {
			return b.Post("/admin/newsletter-lists", url.Values{"name": {name}, "slug": {slug}, "description": {"About it"}, "benefit": {"0"}})
		}
		if r := add(nlSignIn(t, site, nlReader), "Sport", ""); r.Status != http.StatusForbidden {
			t.Errorf("a reader adding a list: status %d", r.Status)
		}
		for name, r := range map[string]apptest.Response{
			"a name over two lines": add(editor, "Sport\r\nBcc: all@example.com", ""),
			"an address taken":      add(editor, "Markets again", "markets"),
			"no name":               add(editor, "", ""),
		} {
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", name, r.Status)
			}
		}
		if r := add(editor, "Sport", ""); r.Status != http.StatusOK || !strings.Contains(r.Body, "Newsletter saved") {
			t.Fatalf("add: status %d", r.Status)
		}
		lists, err := site.App.Newsletters.Lists(context.Background())
		if err != nil || len(lists) != 6 || lists[5].Slug != "sport" || lists[5].Gated() {
			t.Fatalf("lists %+v, %v: want the demo's five and sport, open", lists, err)
		}
		sport := strconv.FormatInt(lists[5].ID, 10)
		premium, _ := site.App.Offer.Catalog.Get().OfKind(offer.Premium)
		if r := editor.Post("/admin/newsletter-lists/"+sport, url.Values{"name": {"Sport"}, "description": {"Matches"}, "benefit": {strconv.FormatInt(premium.ID, 10)}}); r.Status != http.StatusOK {
			t.Fatalf("change: status %d", r.Status)
		}
		page := site.NewBrowser().Get("/newsletters")
		if !strings.Contains(page.Body, `data-list="sport"`) || !strings.Contains(page.Body, "For subscribers whose plan includes "+premium.Title) {
			t.Error("the readers' page does not offer Sport, for subscribers with premium stories")
		}
	})
}
