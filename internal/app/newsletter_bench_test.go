package app_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/mail/smtptest"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// BenchmarkNewsletterSend sends an issue to 100,000 confirmed addresses
// (NEWSLETTER_RECIPIENTS= for another number) with the real binary,
// `broadsheet newsletter send`, to an SMTP server on loopback that counts
// what it takes, on each engine. It reports messages a second, from the
// first message the server took to the last and for the whole command
// (start-up included), the command's peak resident memory, and its CPU
// time per message.
//
//	go test ./internal/app -run '^$' -bench NewsletterSend -benchtime 1x
func BenchmarkNewsletterSend(b *testing.B) {
	recipients := 100_000
	if v := os.Getenv("NEWSLETTER_RECIPIENTS"); v != "" {
		recipients, _ = strconv.Atoi(v)
	}
	bin := killBuild(b)
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			dbURL := storetest.URL(b, engine)
			ctx := context.Background()
			st, err := store.Open(ctx, dbURL)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			list := benchAudience(b, ctx, st, engine, dbURL, recipients)

			var mu sync.Mutex
			var first, last time.Time
			sink := smtptest.Start(b, smtptest.Options{CountOnly: true, Received: func(*smtptest.Message) {
				now := time.Now()
				mu.Lock()
				if first.IsZero() {
					first = now
				}
				last = now
				mu.Unlock()
			}})
			env := append(os.Environ(), "BROADSHEET_DATA="+b.TempDir(), "BROADSHEET_SECRET="+apptestSecret,
				"BROADSHEET_SMTP_ADDR="+sink.Addr)
			if os.Getenv("BROADSHEET_NEWSLETTER_CONCURRENCY") == "" {
				env = append(env, "BROADSHEET_NEWSLETTER_CONCURRENCY=8")
			}
			b.ResetTimer()
			for range b.N {
				issue := benchIssue(b, ctx, st, list)
				first, last = time.Time{}, time.Time{}
				before := sink.Total()
				cmd := exec.Command(bin, "newsletter", "send", strconv.FormatInt(issue, 10), "--db", dbURL)
				cmd.Env = env
				started := time.Now()
				out, err := cmd.CombinedOutput()
				took := time.Since(started)
				if err != nil {
					b.Fatalf("send: %v\n%s", err, out)
				}
				if got := sink.Total() - before; got != recipients {
					b.Fatalf("the server took %d messages, want %d\n%s", got, recipients, out)
				}
				rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
				cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				b.ReportMetric(float64(recipients)/last.Sub(first).Seconds(), "msgs/s")
				b.ReportMetric(float64(recipients)/took.Seconds(), "msgs/s-whole")
				b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
				// The command's own CPU time, which other load on the
				// machine does not change: what one core could send.
				b.ReportMetric(float64(cpu.Microseconds())/float64(recipients), "cpu-µs/msg")
			}
		})
	}
}

// apptestSecret is the key the commands sign with (any 32 bytes).
const apptestSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// benchAudience seeds a story and a list of n confirmed addresses, in
// three statements, and returns the list.
func benchAudience(b *testing.B, ctx context.Context, st *store.Store, engine, dbURL string, n int) int64 {
	b.Helper()
	list, err := st.CreateNewsletterList(ctx, newsletter.List{Slug: "bench", Name: "Bench"}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	driver, dsn := "pgx", dbURL
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+dbURL[len("sqlite://"):]+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		 INSERT INTO newsletter_subscribers (email, confirmed_at, created_at)
		 SELECT 'reader' || i || '@bench.example', $2, $2 FROM n`,
		`INSERT INTO newsletter_memberships (subscriber_id, list_id, joined_at)
		 SELECT id, $1, $2 FROM newsletter_subscribers WHERE email LIKE '%@bench.example'`,
	} {
		arg := any(n)
		if q[0] == 'I' {
			arg = list
		}
		if _, err := db.ExecContext(ctx, q, arg, now); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return list
}

// benchIssue drafts an issue of list with two new stories, a premium one
// and a free one, of about 3 KB each.
func benchIssue(b *testing.B, ctx context.Context, st *store.Store, list int64) int64 {
	b.Helper()
	sec, err := st.CreateSection(ctx, content.Section{Slug: "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36), Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for i, access := range []content.Access{content.Premium, content.Free} {
		var body []string
		for p := range 8 {
			body = append(body, strings.Repeat("Words of paragraph "+strconv.Itoa(p)+" in a story of the benchmark. ", 7))
		}
		now := time.Now()
		a := &content.Article{Slug: "bench-" + strconv.FormatInt(now.UnixNano(), 36) + strconv.Itoa(i), Headline: "A story of the benchmark",
			Summary: "Its standfirst", Body: content.JoinParagraphs(body), SectionID: sec, Author: "Desk", Access: access,
			PublishedAt: now.Add(-time.Minute), UpdatedAt: now.Add(-time.Minute)}
		id, err := st.CreateArticle(ctx, a)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	id, err := st.CreateNewsletterIssue(ctx, &newsletter.Issue{ListID: list, Subject: "The benchmark's issue",
		Intro: "An intro of a sentence or two.", StoryIDs: ids}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return id
}
