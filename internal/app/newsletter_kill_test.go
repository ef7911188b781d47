package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// `broadsheet newsletter send` is killed with SIGKILL half-way through an
// issue of 300 recipients, at the worst moment: each of its connections
// has handed the SMTP server a whole message that the server has taken
// and not yet answered, so the process dies with messages delivered and
// not recorded. Run again, it resumes: every recipient has the issue
// exactly once, those in flight at the kill counted as interrupted.
func TestNewsletterSendSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := killBuild(t)
	const (
		recipients  = 300
		killAfter   = 120 // messages taken before the server starts holding its answers
		connections = 4
	)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			srv := killStart(t, bin, dbURL, "") // seeds the demo publication
			srv.kill(t)

			ctx := context.Background()
			st, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			issue := killIssue(t, ctx, st, recipients)

			var (
				holding  atomic.Bool
				taken    atomic.Int64
				held     atomic.Int64
				release  = make(chan struct{})
				killOnce sync.Once
				// The sender's process, handed to the SMTP server's
				// goroutines: they learn of it from the child's mail, which
				// orders nothing in this process.
				proc atomic.Pointer[os.Process]
			)
			holding.Store(true)
			sink := smtptest.Start(t, smtptest.Options{Received: func(*smtptest.Message) {
				if !holding.Load() || taken.Add(1) <= killAfter {
					return
				}
				// Taken, and not answered until the sender is dead. Once
				// every connection waits so, the sender has recorded what
				// it can within a moment, and is killed.
				if held.Add(1) == connections {
					killOnce.Do(func() {
						time.Sleep(300 * time.Millisecond)
						for proc.Load() == nil {
							time.Sleep(time.Millisecond)
						}
						proc.Load().Kill()
						holding.Store(false)
						close(release)
					})
				}
				<-release
			}})
			env := append(killEnv(t), "BROADSHEET_SMTP_ADDR="+sink.Addr,
				"BROADSHEET_NEWSLETTER_CONCURRENCY="+strconv.Itoa(connections))
			args := []string{"newsletter", "send", strconv.FormatInt(issue, 10), "--db", dbURL}

			cmd := exec.Command(bin, args...)
			cmd.Env = env
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			proc.Store(cmd.Process)
			if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("the first run was not killed: %v\n%s", err, out.String())
			}
			before := sink.Total()
			if before <= killAfter || before >= recipients {
				t.Fatalf("killed after %d messages: not half-way", before)
			}
			c := killCounts(t, st, issue)
			if c.Sending != connections || c.Sent != killAfter {
				t.Fatalf("counts at the kill %+v: want %d sent and recorded, and the %d in flight claimed", c, killAfter, connections)
			}

			resume := exec.Command(bin, args...)
			resume.Env = env
			done, err := resume.CombinedOutput()
			if err != nil {
				t.Fatalf("the resumed run: %v\n%s", err, done)
			}
			perRcpt := sink.PerRecipient()
			for i := range recipients {
				addr := killRecipient(i)
				if n := perRcpt[addr]; n != 1 {
					t.Errorf("%s received the issue %d times", addr, n)
				}
			}
			c = killCounts(t, st, issue)
			if c.Total() != recipients || c.Sent+c.Interrupted != recipients || c.Interrupted != connections || c.Queued+c.Sending != 0 {
				t.Errorf("counts after resuming %+v", c)
			}
			i, err := st.NewsletterIssue(ctx, issue)
			if err != nil || i.Status != newsletter.StatusSent {
				t.Errorf("issue after resuming: %+v, %v", i, err)
			}
			if !strings.Contains(string(done), "sent:") {
				t.Errorf("the command's report:\n%s", done)
			}
			t.Logf("killed after %d of %d taken; %d interrupted, %d sent", before, recipients, c.Interrupted, c.Sent)
		})
	}
}

func killRecipient(i int) string { return fmt.Sprintf("killed%03d@example.com", i) }

// killIssue puts recipients confirmed addresses on Tech, alone on it, and
// drafts an issue of it with a published story.
func killIssue(t *testing.T, ctx context.Context, st *store.Store, recipients int) int64 {
	t.Helper()
	lists, err := st.NewsletterLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tech int64
	for _, l := range lists {
		if l.Slug == "tech" {
			tech = l.ID
		}
	}
	now := time.Now()
	for i := range recipients {
		if err := st.JoinNewsletters(ctx, killRecipient(i), []int64{tech}, now); err != nil {
			t.Fatal(err)
		}
	}
	stories, err := st.LatestArticles(ctx, now, "", nil, 2)
	if err != nil || len(stories) == 0 {
		t.Fatalf("stories: %v", err)
	}
	id, err := st.CreateNewsletterIssue(ctx, &newsletter.Issue{ListID: tech, Subject: "Killed mid-send", Intro: "Once each.",
		StoryIDs: []int64{stories[0].ID}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func killCounts(t *testing.T, st *store.Store, issue int64) newsletter.Counts {
	t.Helper()
	c, err := st.NewsletterIssueCounts(context.Background(), issue)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
