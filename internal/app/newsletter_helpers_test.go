package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/store/storetest"
)

// The demo's readers, and the lists they are on (demo.joinDemoNewsletters).
const (
	nlSubscriber = "subscriber@demo.broadsheet.test" // Markets, Finance
	nlReader     = "reader@demo.broadsheet.test"     // Finance, Politics
	nlEditor     = "editor@demo.broadsheet.test"
	nlAdmin      = "admin@demo.broadsheet.test"
)

var nlPasswords = map[string]string{
	nlSubscriber: "subscriber-demo-pass", nlReader: "reader-demo-pass", nlEditor: "editor-demo-pass", nlAdmin: "admin-demo-pass",
}

// nlEach runs fn on each engine against a demo site that sends its mail
// to a real SMTP server on loopback, which refuses the addresses refuse
// says (nil: none) with a permanent 550.
func nlEach(t *testing.T, refuse func(string) bool, fn func(t *testing.T, site *apptest.Site, sink *smtptest.Server)) {
	t.Helper()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site, sink := nlSite(t, engine, refuse)
			fn(t, site, sink)
		})
	}
}

func nlSite(t *testing.T, engine string, refuse func(string) bool) (*apptest.Site, *smtptest.Server) {
	t.Helper()
	opts := smtptest.Options{}
	if refuse != nil {
		opts.Refuse = func(rcpt string) *smtp.SMTPError {
			if refuse(rcpt) {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
			}
			return nil
		}
	}
	sink := smtptest.Start(t, opts)
	site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
		c.SMTPAddr, c.SMTPFrom = sink.Addr, "The Daily <news@daily.example>"
		c.Newsletters = config.Newsletters{Concurrency: 3}
	})
	site.RunJobs() // reads the seeded lists
	return site, sink
}

// nlSignIn signs a demo account in on a new device.
func nlSignIn(t *testing.T, site *apptest.Site, email string) *apptest.Browser {
	t.Helper()
	b := site.NewBrowser()
	b.Post("/login", url.Values{"email": {email}, "password": {nlPasswords[email]}, "next": {"/account"}})
	if b.Cookie("bs_session") == "" {
		t.Fatalf("sign-in as %s failed", email)
	}
	return b
}

// nlList finds a list's id by its slug.
func nlList(t *testing.T, site *apptest.Site, slug string) int64 {
	t.Helper()
	l, err := site.App.Newsletters.List(context.Background(), slug)
	if err != nil {
		t.Fatalf("list %s: %v", slug, err)
	}
	return l.ID
}

var issueIDRE = regexp.MustCompile(`^/admin/newsletters/(\d+)$`)

// nlCompose composes and saves an issue in the console as editor.
func nlCompose(t *testing.T, editor *apptest.Browser, list int64, subject, intro string, stories ...int64) int64 {
	t.Helper()
	form := url.Values{"list": {strconv.FormatInt(list, 10)}, "subject": {subject}, "intro": {intro}}
	for _, id := range stories {
		form.Add("story", strconv.FormatInt(id, 10))
	}
	resp := editor.Post("/admin/newsletters", form)
	m := issueIDRE.FindStringSubmatch(resp.URL)
	if resp.Status != http.StatusOK || m == nil {
		t.Fatalf("compose: status %d at %s\n%s", resp.Status, resp.URL, resp.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// nlSendNow presses "Send now" and runs the jobs that are due.
func nlSendNow(t *testing.T, site *apptest.Site, editor *apptest.Browser, issue int64) {
	t.Helper()
	resp := editor.Post("/admin/newsletters/"+strconv.FormatInt(issue, 10)+"/schedule", url.Values{"now": {"1"}})
	if resp.Status != http.StatusOK {
		t.Fatalf("send now: status %d\n%s", resp.Status, resp.Body)
	}
	site.RunJobs()
}

// nlSecret is a word that appears only past the lead of nlGatedStory.
const nlSecret = "QUOKKAPARADOX"

// nlGatedStory publishes a story of access with six paragraphs, the
// secret word in the fifth.
func nlGatedStory(t *testing.T, site *apptest.Site, slug string, access content.Access) *content.Article {
	t.Helper()
	ctx := context.Background()
	st := site.App.Store
	secs, err := st.Sections(ctx)
	if err != nil || len(secs) == 0 {
		t.Fatalf("sections: %v", err)
	}
	var body []string
	for i := range 6 {
		p := "Paragraph " + strconv.Itoa(i+1) + " of " + slug + "."
		if i == 4 {
			p += " The figure behind it all is " + nlSecret + "."
		}
		body = append(body, p)
	}
	now := site.Clock.Now()
	a := &content.Article{Slug: slug, Headline: "Headline of " + slug, Summary: "Standfirst of " + slug,
		Body: content.JoinParagraphs(body), SectionID: secs[0].ID, Author: "Desk", Access: access,
		PublishedAt: now.Add(-1), UpdatedAt: now.Add(-1)}
	if a.ID, err = st.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// nlMail returns the messages with a subject an address received (the
// demo's subscriber gets its receipts and notices too).
func nlMail(sink *smtptest.Server, addr, subject string) []*smtptest.Message {
	var out []*smtptest.Message
	for _, m := range sink.To(addr) {
		if m.Header("Subject") == subject {
			out = append(out, m)
		}
	}
	return out
}

// nlOnly returns the one message with subject the address received,
// failing unless there is exactly one, and its text and HTML.
func nlOnly(t *testing.T, sink *smtptest.Server, addr, subject string) (*smtptest.Message, string, string) {
	t.Helper()
	got := nlMail(sink, addr, subject)
	if len(got) != 1 {
		t.Fatalf("%s received %d messages %q, want 1", addr, len(got), subject)
	}
	text, html, err := got[0].Parts()
	if err != nil {
		t.Fatal(err)
	}
	return got[0], text, html
}

// nlCounts reads an issue's counts as the service keeps them.
func nlCounts(t *testing.T, site *apptest.Site, issue int64) newsletter.Counts {
	t.Helper()
	c, err := site.App.Newsletters.Counts(context.Background(), issue)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nlUnsubscribeURL is the one-click link of a message, from its header.
func nlUnsubscribeURL(t *testing.T, m *smtptest.Message) string {
	t.Helper()
	h := m.Header("List-Unsubscribe")
	if !strings.HasPrefix(h, "<") || !strings.HasSuffix(h, ">") {
		t.Fatalf("List-Unsubscribe %q", h)
	}
	return strings.Trim(h, "<>")
}
