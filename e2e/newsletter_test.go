package e2e_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/store/storetest"
)

var (
	e2eConfirmRE = regexp.MustCompile(`https?://\S+/newsletters/confirm/[A-Za-z0-9_-]+`)
)

// TestReaderJoinsANewsletter: a visitor signs up for Politics from the box
// under a story, confirms from the email the SMTP server received, gets
// the next issue there (a premium story only as its lead), and leaves the
// list with the unsubscribe link of that message.
func TestReaderJoinsANewsletter(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			sink := smtptest.Start(t, smtptest.Options{})
			site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
				c.SMTPAddr, c.SMTPFrom = sink.Addr, "The Daily <news@daily.example>"
			})
			site.RunJobs() // a server's first scheduled tasks: the box under each story
			ctx := context.Background()
			premium := storyWith(t, site, content.Premium)
			const email = "joiner@example.com"
			b := &tab{t: t, ctx: e2e.NewTab(t, 60*time.Second), base: site.URL}

			b.navigate("/article/" + premium.Slug)
			b.waitVisible("#newsletter-box")
			politics, err := site.App.Newsletters.List(ctx, "politics")
			if err != nil {
				t.Fatal(err)
			}
			b.do("tick Politics", chromedp.Click(`#newsletter-box input[name="list"][value="`+strconv.FormatInt(politics.ID, 10)+`"]`, chromedp.NodeVisible))
			b.typeInto("#newsletter-box-email", email)
			b.clickAndLoad(`#newsletter-box button[type="submit"]`)
			b.waitVisible("#newsletter-done")
			if got := b.text("#newsletter-done"); !strings.Contains(got, "a link to confirm is on its way") {
				t.Errorf("after signing up: %q", got)
			}

			link := e2eConfirmRE.FindString(e2eText(t, sink, email, ""))
			if link == "" {
				t.Fatal("no confirmation link reached the SMTP server")
			}
			b.navigate(strings.TrimPrefix(link, site.URL))
			b.waitVisible("#confirm-button")
			b.clickAndLoad("#confirm-button")
			if got := b.text("#confirm-text"); !strings.Contains(got, "Politics") || !strings.Contains(got, email) {
				t.Errorf("after confirming: %q", got)
			}

			// An editor sends an issue of Politics with the premium story.
			id, err := site.App.Newsletters.CreateIssue(ctx, newsletter.Draft{ListID: politics.ID, Subject: "Politics this week",
				Intro: "What moved in Parliament.", StoryIDs: []int64{premium.ID}}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := site.App.Newsletters.Schedule(ctx, id, site.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			site.RunJobs()
			text := e2eText(t, sink, email, "Politics this week")
			ps := premium.Paragraphs()
			if !strings.Contains(text, ps[0]) || strings.Contains(text, ps[len(ps)-1]) {
				t.Errorf("the issue should hold the premium story's lead only:\n%s", text)
			}
			unsubscribe := regexp.MustCompile(`Unsubscribe from Politics: (\S+)`).FindStringSubmatch(text)
			if unsubscribe == nil {
				t.Fatalf("no unsubscribe link in the issue:\n%s", text)
			}
			b.navigate(strings.TrimPrefix(unsubscribe[1], site.URL))
			b.waitVisible("#confirm-button")
			b.clickAndLoad("#confirm-button")
			if got := b.text("#confirm-text"); !strings.Contains(got, "You are unsubscribed from Politics") {
				t.Errorf("after unsubscribing: %q", got)
			}
			ids, err := site.App.Store.NewsletterMemberships(ctx, email)
			if err != nil || len(ids) != 0 {
				t.Errorf("still on %v (%v)", ids, err)
			}
		})
	}
}

// e2eText is the text of the message to addr whose subject is subject
// (any, when empty), waiting a little for it to arrive.
func e2eText(t *testing.T, sink *smtptest.Server, addr, subject string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range sink.To(addr) {
			if subject == "" || m.Header("Subject") == subject {
				text, _, err := m.Parts()
				if err != nil {
					t.Fatal(err)
				}
				return text
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no message %q to %s", subject, addr)
	return ""
}
