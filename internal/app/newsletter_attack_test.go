package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
