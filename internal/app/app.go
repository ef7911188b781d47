// Package app wires Broadsheet together: configuration, the store, the
// services, the HTTP handlers and the background jobs.
package app

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/ads"
	"broadsheet/internal/api"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/clientaddr"
	"broadsheet/internal/clock"
	"broadsheet/internal/complimentary"
	"broadsheet/internal/config"
	"broadsheet/internal/content"
	"broadsheet/internal/crawlers"
	"broadsheet/internal/feeds"
	"broadsheet/internal/gst"
	"broadsheet/internal/httpguard"
	"broadsheet/internal/jobs"
	"broadsheet/internal/mail"
	"broadsheet/internal/markup"
	"broadsheet/internal/media"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/offer"
	"broadsheet/internal/partner"
	"broadsheet/internal/refunds"
	"broadsheet/internal/search"
	"broadsheet/internal/settings"
	"broadsheet/internal/sitemaps"
	"broadsheet/internal/store"
	"broadsheet/internal/web"
	"broadsheet/internal/webhooks"
	"broadsheet/internal/wire"
)

// App is one running Broadsheet process.
type App struct {
	Config   *config.Config
	Store    *store.Store
	Clock    clock.Clock
	Settings *settings.Cache
	Accounts *accounts.Service
	Billing  *billing.Service
	Offer    *offer.Service
	Partners *partner.Service
	Access   *access.Service
	Jobs     *jobs.Runner    // the job workers
	Schedule *jobs.Scheduler // the periodic tasks
	Log      *slog.Logger

	// Refunds, Complimentary and Audit: admins' refunds and complimentary
	// subscriptions, and the log of them.
	Refunds       *refunds.Service
	Complimentary *complimentary.Service
	Audit         *audit.Service
	// Wire polls the agencies' feeds into stories.
	Wire *wire.Service
	// Newsletters: lists, issues and their sending.
	Newsletters *newsletter.Service

	handler http.Handler
	pages   *web.Server
	prune   *pruner
}

// New opens the database (migrating it) and builds the services. opts say
// how the database is opened: a server passes store.Exclusive.
func New(ctx context.Context, cfg *config.Config, clk clock.Clock, log *slog.Logger, opts ...store.Option) (*App, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, opts...)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, clk, log, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg *config.Config, clk clock.Clock, log *slog.Logger, st *store.Store) (*App, error) {
	cache, err := settings.NewCache(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	secret, err := cookieSecret(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	outbox := mail.Outbox{Store: st, Now: clk.Now}
	var sender mail.Sender = outbox
	var connector mail.Connector = mail.Each{Sender: sender}
	if cfg.SMTPAddr != "" {
		smtp := mail.SMTP{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser, Password: cfg.SMTPPass}
		sender, connector = smtp, smtp
	}
	if cfg.PrintEmails {
		sender = mail.Printed{Sender: sender, W: os.Stdout}
		if cfg.SMTPAddr == "" {
			connector = mail.Each{Sender: sender}
		}
	}
	a := &App{Config: cfg, Store: st, Clock: clk, Settings: cache, Log: log}
	a.Accounts = &accounts.Service{Store: st, Now: clk.Now, Mail: sender,
		Hashes: accounts.NewHashLimiter(cfg.HashConcurrency, accounts.HashWait)}
	gateway, err := paymentGateway(cfg, st, clk, cache.Get().Publication, log)
	if err != nil {
		return nil, err
	}
	a.Billing = &billing.Service{
		Store: st, Now: clk.Now, Location: func() *time.Location { return cache.Get().Location },
		Gateway: gateway, Mail: sender, Publication: func() string { return cache.Get().Publication }, BaseURL: cfg.BaseURL,
		TaxProfile: func() gst.Profile { return cache.Get().Tax },
		Schedule: func() billing.Schedule {
			r := cache.Get().Renewals
			return billing.Schedule{Notice: r.Notice, Grace: r.Grace, Retries: r.Retries}
		},
	}
	location := func() *time.Location { return cache.Get().Location }
	a.Refunds = &refunds.Service{Store: st, Billing: a.Billing, Gateway: gateway, Now: clk.Now, Location: location}
	a.Complimentary = &complimentary.Service{Store: st, Now: clk.Now, Location: location}
	a.Audit = &audit.Service{Store: st}
	catalog, err := offer.NewCatalog(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("benefits: %w", err)
	}
	a.Offer = &offer.Service{Store: st, Catalog: catalog, Publication: func() string { return cache.Get().Publication }}
	a.Access = &access.Service{Store: st, Now: clk.Now, Catalog: catalog}
	a.Partners = &partner.Service{Store: st, Subscriptions: a.Billing, Access: a.Access, Offer: a.Offer, Mail: sender, Now: clk.Now, BaseURL: cfg.BaseURL}
	// The console and the API's newsroom endpoints save through one
	// service, so a story is checked and rendered the same either way;
	// the wire's stories too.
	news := &newsroom.Service{Store: st, Media: media.Dir(filepath.Join(cfg.DataDir, "media")), Now: clk.Now, Markup: markup.New()}
	a.Wire = NewWire(st, news, cfg, clk, cache, log)
	a.Newsletters = &newsletter.Service{
		Store: st, Stories: st, Access: a.Access, Settings: cache.Get, Now: clk.Now, Mail: sender, Connector: connector,
		Sending: newsletter.Sending{Concurrency: cmp.Or(cfg.Newsletters.Concurrency, config.DefaultNewsletterConcurrency), Rate: cfg.Newsletters.Rate},
		BaseURL: cfg.BaseURL, Key: derivedKey(secret, "newsletter-unsubscribe"), Log: log,
	}
	if err := a.Newsletters.Init(); err != nil {
		return nil, fmt.Errorf("newsletter templates: %w", err)
	}
	a.Jobs = &jobs.Runner{Store: st, Now: clk.Now, Log: log, Worker: workerName(), Drain: jobsDrain, Kinds: a.jobKinds()}
	a.prune = &pruner{
		store: st, now: clk.Now, log: log,
		location: func() *time.Location { return cache.Get().Location },
		retain:   func() config.Retention { return a.Config.Retain },
	}
	stories := content.NewCache(st, 5*time.Second, 2000)
	articles := &content.Service{Store: st, Archive: st, Now: clk.Now}
	finder := &search.Service{Store: st, Now: clk.Now, Access: a.Access}
	// One signer for the reader cookie and apps' X-Reader-Id: the API signs
	// its ids under a label of its own, so neither passes for the other.
	readers := access.NewSigner(secret)
	// Feeds and sitemaps are the same for every reader; a crawler is told
	// from a claim by the DNS, from the client address resolved below.
	feedsOut := &feeds.Service{Lists: articles, Sections: stories.Sections, Settings: cache.Get, Now: clk.Now, BaseURL: cfg.BaseURL}
	maps := &sitemaps.Service{Store: st, Sections: stories.Sections, Settings: cache.Get, Now: clk.Now, BaseURL: cfg.BaseURL,
		PerFile: cfg.SitemapURLs}
	verifier := crawlers.New(cfg.Crawlers.List, crawlers.Options{
		Resolver: cfg.Crawlers.Resolver, Timeout: cfg.Crawlers.Timeout, TTL: cfg.Crawlers.TTL, Now: clk.Now})
	pages := &web.Server{
		Store: st, Content: stories, Articles: articles, Outbox: outbox,
		Feeds: feedsOut, Sitemaps: maps, Crawlers: verifier,
		Newsroom: news, Wire: a.Wire, Accounts: a.Accounts, Billing: a.Billing,
		Refunds: a.Refunds, Complimentary: a.Complimentary, Audit: a.Audit,
		Offer: a.Offer, Partners: a.Partners, Access: a.Access, Search: finder, Newsletters: a.Newsletters, Settings: cache, Now: clk.Now,
		AdConsole: &ads.Console{Store: st, Check: cache.Check, Reload: cache.Reload, Now: clk.Now}, BaseURL: cfg.BaseURL, Demo: cfg.Demo, Log: log,
		CheckoutOrigin:  cfg.Payments.CheckoutOrigin(),
		StoryCacheBytes: cfg.StoryCacheMB << 20,
		Cookies:         web.Cookies{Secret: secret, Secure: cfg.Secure(), Readers: readers},
	}
	if err := pages.Init(); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	apiServer := &api.Server{
		Content: stories, Articles: articles, Newsroom: news, Accounts: a.Accounts, Billing: a.Billing, Offer: a.Offer, Access: a.Access,
		Search: finder, Newsletters: a.Newsletters, Settings: cache, Now: clk.Now, BaseURL: cfg.BaseURL, Log: log, Readers: readers,
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", apiServer.Handler())
	mux.Handle("/webhooks/", webhooks.Handler(a.Billing, log))
	mux.Handle("/", pages.Handler())
	// Pages and API alike count sign-in attempts by the client address
	// resolved here, believing X-Forwarded-For only from trusted proxies.
	a.handler = clientaddr.New(cfg.TrustedProxies).Handler(httpguard.NewHeaders(cfg.Secure()).Handler(mux))
	a.pages = pages
	a.Schedule = a.schedule()
	return a, nil
}

// Handler serves the site and the API.
func (a *App) Handler() http.Handler { return a.handler }

// Close closes the database.
func (a *App) Close() error { return a.Store.Close() }

// cookieSecret is the key that signs reader cookies: BROADSHEET_SECRET
// when set; else, on SQLite, a random key kept in a file beside the
// database (never in it, where a copy of the database would give it away).
// Instances on PostgreSQL must be given one to share.
func cookieSecret(ctx context.Context, cfg *config.Config, st *store.Store) ([]byte, error) {
	if cfg.Secret != "" {
		if err := config.CheckSecret(cfg.Secret); err != nil {
			return nil, err
		}
		return []byte(cfg.Secret), nil
	}
	if st.Engine() != "sqlite" {
		return nil, errors.New("BROADSHEET_SECRET is not set: on PostgreSQL every instance must be given the same " +
			"key to sign readers' cookies; make one with `" + config.MakeSecret + "` and set it on each")
	}
	return fileSecret(filepath.Join(filepath.Dir(strings.TrimPrefix(cfg.DatabaseURL, "sqlite://")), secretFile))
}

// derivedKey is a key for one purpose made from the site's secret, so that
// no two purposes share a key.
func derivedKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// schedule is the periodic work of each instance, each task on its own
// interval: picking up settings, plans' benefits and stories changed by
// another instance, enqueuing renewal notices, renewals, checkout
// recoveries and wire feed polls that have fallen due (keyed, so that
// instances enqueue each once), reconciling payments with the provider,
// and pruning.
func (a *App) schedule() *jobs.Scheduler {
	return &jobs.Scheduler{Log: a.Log, Tasks: []jobs.Task{
		{Name: "reload settings", Every: 5 * time.Second, Run: a.Settings.Reload},
		{Name: "reload benefits", Every: 5 * time.Second, Run: a.Offer.Reload},
		{Name: "refresh stories", Every: 5 * time.Second, Run: func(ctx context.Context) error { return a.pages.RefreshStories(ctx) }},
		{Name: "refresh newsletter lists", Every: 30 * time.Second, Run: a.pages.RefreshNewsletters},
		{Name: "enqueue renewal notices", Every: time.Minute, Run: a.Billing.EnqueueRenewalNotices},
		{Name: "enqueue renewals", Every: time.Minute, Run: a.Billing.EnqueueRenewals},
		{Name: "enqueue checkout recoveries", Every: 30 * time.Second, Run: a.Billing.EnqueueRecoveries},
		{Name: "reconcile payments", Every: billing.ReconcileEvery, Run: a.reconcile},
		{Name: "enqueue refund recoveries", Every: 30 * time.Second, Run: a.Refunds.EnqueueRecoveries},
		{Name: "prune", Every: time.Minute, Run: a.prune.run}, // prunes at most hourly, by the clock
		{Name: "enqueue wire polls", Every: 15 * time.Second, Run: func(ctx context.Context) error {
			return a.Wire.EnqueueDuePolls(ctx, a.Store)
		}},
	}}
}

// jobKinds are the kinds of job the services own, for the runner. A
// billing job may start, extend or end a subscription, so the pages forget
// who they knew to be signed in once it has run.
func (a *App) jobKinds() map[string]jobs.Kind {
	kinds := make(map[string]jobs.Kind)
	kinds[wire.PollJob] = jobs.Kind{Workers: 2, Handler: jobs.OnID(a.Wire.PollDue)}
	kinds[partner.LowStockJob] = jobs.Kind{Workers: 1, Handler: func(ctx context.Context, j *jobs.Job) error { return a.Partners.SendLowStock(ctx, j.Payload) }}
	for kind, k := range a.Newsletters.JobKinds() {
		kinds[kind] = jobs.Kind{Workers: k.Workers, Handler: func(ctx context.Context, job *jobs.Job) error {
			return k.Run(ctx, job.Payload)
		}}
	}
	for _, owned := range []map[string]billing.JobKind{a.Billing.JobKinds(), a.Refunds.JobKinds()} {
		for kind, k := range owned {
			kinds[kind] = jobs.Kind{Workers: k.Workers, Handler: jobs.OnID(func(ctx context.Context, id int64) error {
				defer a.pages.ForgetSignedIn()
				return k.Run(ctx, id)
			})}
		}
	}
	return kinds
}

// NewWire builds the wire's service on st, as serve and the command line
// use it: its stories saved through news, its feeds fetched as cfg allows.
func NewWire(st *store.Store, news *newsroom.Service, cfg *config.Config, clk clock.Clock, cache *settings.Cache, log *slog.Logger) *wire.Service {
	return &wire.Service{
		Store: st, Newsroom: news, Markup: news.Markup, Now: clk.Now, Log: log,
		Fetcher:     wire.NewFetcher(wire.FetchOptions{AllowPrivate: cfg.WireAllowPrivate, UserAgent: "Broadsheet wire ingest (+" + cfg.BaseURL + ")"}),
		Publication: func() string { return cache.Get().Publication },
		Location:    func() *time.Location { return cache.Get().Location },
	}
}

// jobsDrain is how long, at shutdown, the jobs in flight may take to
// finish before they are cancelled (to be retried later). HTTP shuts down
// beside them within 10 s, so a stop takes at most 20 s: inside the 30 s a
// supervisor usually waits.
const jobsDrain = 20 * time.Second

// workerName names this instance in the jobs it claims: its host and
// process, and a random part for instances that share a process (tests).
func workerName() string {
	host, _ := os.Hostname()
	var b [3]byte
	rand.Read(b[:])
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
}

// RunDue runs every scheduled task once, then every job that is due, and
// returns how many jobs ran. Tests use it to step time.
func (a *App) RunDue(ctx context.Context) int {
	a.Schedule.RunOnce(ctx)
	return a.Jobs.RunDue(ctx)
}

// Run serves HTTP on the configured address and runs the background work
// until ctx ends, then shuts down gracefully: it stops the scheduled tasks
// and the claiming of jobs, and returns once HTTP has shut down and the
// jobs in flight have finished (or been cancelled after jobsDrain).
func (a *App) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	srv := newHTTPServer(a.handler, timeouts{readHeader: readHeaderTimeout, read: readTimeout, write: writeTimeout, idle: idleTimeout})
	background, stopBackground := context.WithCancel(ctx)
	var work sync.WaitGroup
	work.Go(func() { a.Schedule.Run(background) })
	work.Go(func() { a.Jobs.Run(background) })
	defer work.Wait()
	defer stopBackground()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopBackground()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// timeouts bound how long a client may hold a connection: a slow body or a
// slow reader of the answer is cut off instead of holding it for ever.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

// The server's timeouts leave room for a slow phone (a form is at most
// 64 KiB) and for the slowest page, and keep idle keep-alive connections a
// while.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
)

func newHTTPServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.readHeader, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle}
}

// URL is where a listener address can be opened in a browser.
func URL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.Contains(host, ":") {
		host = "localhost"
	}
	return "http://" + host + ":" + port
}
