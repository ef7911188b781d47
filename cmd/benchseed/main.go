// Command benchseed prepares a database for the load benchmark
// (scripts/bench.sh): the demo publication, thousands of generated metered
// stories, and signed-in readers and subscribers whose session tokens the
// load generator sends.
//
//	benchseed --db sqlite:///tmp/bench/bench.db --stories 10000 --out tokens.txt
//	benchseed --prime http://127.0.0.1:18080 --out tokens.txt
//	benchseed --serve-static page.html --addr 127.0.0.1:18082
//	benchseed --targets mix --base http://127.0.0.1:18080 --out tokens.txt --n 100000 --to mix.targets
//
// The first form seeds the database and writes one line per account,
// "reader <session token>" or "subscriber <session token>". The second runs
// against the started server: it visits the site once as each account, as a
// browser would on its first visit, and appends the anonymous reader cookie
// the server issues to that account's line, so signed-in load carries both
// cookies the way real browsers do. The third serves a file's bytes from
// memory with Go's net/http and nothing else: the fastest any page of a Go
// server can be on the machine, which the benchmark reports beside nginx.
// The fourth writes the requests of a fixed-rate run for the load
// generator vegeta: the reader mix ("mix") or first visits ("first"); see
// targets.go.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app"
	"broadsheet/internal/billing"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
)

// Cookie names the site uses; the load generator sends the same.
const (
	sessionCookie = "bs_session"
	readerCookie  = "bs_reader"
)

func main() {
	var (
		dbURL       = flag.String("db", "", "database URL, sqlite:///path/bench.db")
		stories     = flag.Int("stories", 10000, "generated stories to add")
		readers     = flag.Int("readers", 50, "signed-in readers without a subscription")
		subscribers = flag.Int("subscribers", 50, "signed-in subscribers")
		out         = flag.String("out", "tokens.txt", "file of session tokens for the load generator")
		prime       = flag.String("prime", "", "base URL of the running server: add each account's reader cookie to --out")
		static      = flag.String("serve-static", "", "serve this file's bytes from memory at every path")
		addr        = flag.String("addr", "127.0.0.1:18082", "address for --serve-static")
		targets     = flag.String("targets", "", "write vegeta targets to --to: mix or first")
		base        = flag.String("base", "", "base URL of the running server, for --targets")
		n           = flag.Int("n", 100000, "how many requests --targets writes")
		to          = flag.String("to", "targets.txt", "file --targets writes")
	)
	flag.Parse()
	ctx := context.Background()
	var err error
	switch {
	case *targets != "":
		err = writeTargets(ctx, *targets, strings.TrimSuffix(*base, "/"), *out, *stories, *n, *to)
	case *static != "":
		err = serveStatic(*static, *addr)
	case *prime != "":
		err = primeCookies(ctx, strings.TrimSuffix(*prime, "/"), *out)
	default:
		err = seed(ctx, *dbURL, *stories, *readers, *subscribers, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(1)
	}
}

func seed(ctx context.Context, dbURL string, stories, readers, subscribers int, out string) error {
	if !strings.HasPrefix(dbURL, "sqlite://") && !strings.HasPrefix(dbURL, "postgres") {
		return errors.New("--db is required: sqlite:///path/bench.db")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := &config.Config{Addr: ":0", DatabaseURL: dbURL, BaseURL: "http://127.0.0.1", Demo: true}
	clk := clock.Real{}
	a, err := app.New(ctx, cfg, clk, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := demo.EnsurePlans(ctx, a.Store); err != nil {
		return err
	}
	if _, err := demo.Seed(ctx, a.Store, a.Accounts, a.Billing, clk.Now(), a.Settings.Get().Location); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if err := a.Offer.Reload(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := addStories(ctx, a, stories, clk.Now()); err != nil {
		return err
	}
	fmt.Printf("benchseed: %d stories in %s\n", stories, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	lines, err := addAccounts(ctx, a, readers, subscribers, clk.Now())
	if err != nil {
		return err
	}
	fmt.Printf("benchseed: %d readers and %d subscribers signed in, in %s\n", readers, subscribers, time.Since(start).Round(time.Millisecond))
	return os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// addStories adds n metered stories named bench-story-00001 onwards, spread
// over the last 30 days across the demo's sections. The text is generated
// from a fixed seed, so every run benchmarks the same pages.
func addStories(ctx context.Context, a *app.App, n int, now time.Time) error {
	secs, err := a.Store.Sections(ctx)
	if err != nil {
		return err
	}
	if len(secs) == 0 {
		return errors.New("the demo publication has no sections")
	}
	rng := rand.New(rand.NewPCG(2026, 1))
	step := 30 * 24 * time.Hour / time.Duration(n+1)
	for i := 1; i <= n; i++ {
		published := now.Add(-time.Minute - step*time.Duration(i)).Truncate(time.Second)
		sec := secs[rng.IntN(len(secs))]
		paragraphs := make([]string, 6)
		for p := range paragraphs {
			paragraphs[p] = paragraph(rng)
		}
		art := &content.Article{
			Slug:        fmt.Sprintf("bench-story-%05d", i),
			Headline:    headline(rng),
			Summary:     sentence(rng, 14, 24),
			Body:        content.JoinParagraphs(paragraphs),
			SectionID:   sec.ID,
			Author:      authors[rng.IntN(len(authors))],
			Access:      content.Metered,
			EditorsPick: false,
			PublishedAt: published,
			UpdatedAt:   published,
		}
		if _, err := a.Store.CreateArticle(ctx, art); err != nil {
			return fmt.Errorf("story %s: %w", art.Slug, err)
		}
	}
	return nil
}

// addAccounts registers the signed-in readers and subscribers and starts
// one session for each. Password hashing is deliberately slow, so accounts
// are made a few at a time.
func addAccounts(ctx context.Context, a *app.App, readers, subscribers int, now time.Time) ([]string, error) {
	type job struct {
		kind  string
		index int
	}
	jobs := make(chan job)
	lines := make([]string, readers+subscribers)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				line, err := addAccount(ctx, a, j.kind, j.index, now)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if j.kind == "reader" {
					lines[j.index] = line
				} else {
					lines[readers+j.index] = line
				}
				mu.Unlock()
			}
		}()
	}
	for i := range readers {
		jobs <- job{"reader", i}
	}
	for i := range subscribers {
		jobs <- job{"subscriber", i}
	}
	close(jobs)
	wg.Wait()
	return lines, firstErr
}

func addAccount(ctx context.Context, a *app.App, kind string, i int, now time.Time) (string, error) {
	email := fmt.Sprintf("bench-%s-%03d@bench.broadsheet.test", kind, i+1)
	acc, err := a.Accounts.Register(ctx, email, "bench-password-"+kind, accounts.RoleReader)
	if err != nil {
		return "", fmt.Errorf("register %s: %w", email, err)
	}
	if kind == "subscriber" {
		card := billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: fmt.Sprint(now.Year() + 3), CVC: "123"}
		plan := demo.Plans[i%len(demo.Plans)].Code
		if _, err := a.Billing.Checkout(ctx, acc.ID, plan, card, "bench-seed"); err != nil {
			return "", fmt.Errorf("subscribe %s: %w", email, err)
		}
	}
	token, err := a.Accounts.StartSession(ctx, acc, "broadsheet-bench", a.Settings.Get().DeviceLimit)
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	return kind + " " + token, nil
}

// primeCookies visits the home page once per account and records the
// anonymous reader cookie issued alongside the session, checking on the
// way that every session is accepted.
func primeCookies(ctx context.Context, base, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kind, token := fields[0], fields[1]
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
		if err != nil {
			return err
		}
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET / as a %s: status %d", kind, resp.StatusCode)
		}
		var reader string
		for _, c := range resp.Cookies() {
			switch {
			case c.Name == sessionCookie && c.MaxAge < 0:
				return fmt.Errorf("the server refused the session of a %s", kind)
			case c.Name == readerCookie:
				reader = c.Value
			}
		}
		if reader == "" {
			return fmt.Errorf("GET / as a %s: no %s cookie issued", kind, readerCookie)
		}
		out = append(out, kind+" "+token+" "+reader)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(out) == 0 {
		return fmt.Errorf("%s has no accounts", path)
	}
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o600)
}

var authors = []string{
	"Meera Iyer", "Arjun Kapoor", "Sana Qureshi", "Rahul Menon", "Priya Natarajan", "Vikram Desai",
	"Ananya Rao", "Kabir Sethi", "Lakshmi Pillai", "Farhan Ali", "Neha Banerjee", "Rohan Joshi",
}

var (
	subjects = []string{
		"The central bank", "Mumbai's suburban railway", "A Pune start-up", "The finance ministry",
		"A small-town lender", "An Assam tea estate", "The state electricity board", "Bengaluru's largest tech park",
		"A coastal fishing co-operative", "The stock exchange", "A panel of economists", "A Tiruppur textile exporter",
		"The port authority", "The farmers' union", "The city's planning office", "The telecom regulator",
		"A cotton trader in Rajkot", "The monsoon forecast team",
	}
	verbs = []string{
		"weighs", "braces for", "pushes back against", "bets on", "rethinks", "quietly expands", "warns of",
		"cuts back on", "doubles down on", "struggles with", "prepares for", "welcomes",
	}
	objects = []string{
		"a slower quarter", "new lending rules", "higher freight costs", "record harvests", "a cashless future",
		"rising rents", "cheaper solar power", "tighter water supplies", "the festive season rush", "export curbs",
		"an ageing workforce", "a wave of new listings", "fresh infrastructure spending", "a weaker rupee",
	}
	clauses = []string{
		"as costs climb", "after a difficult year", "amid uncertain demand", "ahead of the budget",
		"despite early warnings", "as investors look on", "while rivals wait", "before the monsoon sets in",
	}
	words = strings.Fields(`the market analysts said growth quarter demand prices rural urban investors
		government policy rates inflation exports imports factory workers wages farmers harvest credit banks
		deposits loans households spending savings consumers retailers supply chain freight ports highways
		rail power grid solar wind coal water district officials committee report survey data estimates
		forecast budget deficit revenue tax reform startups funding venture capital listings shares index
		rupee dollar trade partners tariffs season festival monsoon drought irrigation yields cotton rice
		wheat pulses sugar dairy exporters small businesses lenders regulators court ruling hearing petition
		residents commuters schools hospitals clinics doctors teachers students families villages towns cities
		last year this month next week early signs steady modest sharp gradual expected unexpected recovery
		slowdown pressure margin capacity orders backlog hiring layoffs contracts projects tenders`)
)

func headline(rng *rand.Rand) string {
	h := subjects[rng.IntN(len(subjects))] + " " + verbs[rng.IntN(len(verbs))] + " " + objects[rng.IntN(len(objects))]
	if rng.IntN(2) == 0 {
		h += " " + clauses[rng.IntN(len(clauses))]
	}
	return h
}

func sentence(rng *rand.Rand, min, max int) string {
	n := min + rng.IntN(max-min+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[rng.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	if rng.IntN(4) == 0 {
		// A quoted official, as news copy has.
		s = s + ", " + authors[rng.IntN(len(authors))] + " was told"
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func paragraph(rng *rand.Rand) string {
	n := 3 + rng.IntN(3)
	ss := make([]string, n)
	for i := range ss {
		ss[i] = sentence(rng, 10, 22)
	}
	return strings.Join(ss, " ")
}
