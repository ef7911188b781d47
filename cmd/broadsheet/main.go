// Command broadsheet runs a subscription news publication.
//
//	broadsheet demo      seed the demo publication into an empty database and serve it
//	broadsheet serve     serve the publication
//	broadsheet migrate   apply database migrations and exit
//	broadsheet user create --email E --password P [--role editor|admin]
//	broadsheet import FILE   import stories from an older system (JSON Lines)
//	broadsheet gen-archive   write a synthetic archive to import
//	broadsheet feed add|list add a wire feed, or list them
//	broadsheet ingest        poll every wire feed once
//	broadsheet newsletter send ISSUE   send a newsletter issue now, with a progress bar
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"broadsheet/internal/app"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/demo"
	"broadsheet/internal/store"
)

const usage = `usage: broadsheet <command> [flags]

commands:
  demo      seed the demo publication (if the database is empty) and serve it
  serve     serve the publication
  migrate   apply database migrations and exit
  user      user create --email E --password P [--role editor|admin]
            (--admin is --role admin)
  import    import FILE (or - for standard input): stories as JSON Lines,
            resumed after a kill by running it again
  gen-archive --stories N --since 1997 [--seed S] [--out FILE]
            write a synthetic archive in the import's format
  feed      feed add --url URL --section SLUG [--access free|metered|premium]
            [--hold] [--every 5m] [--source "Agency"] [--disclaimer TEMPLATE];
            feed list
  ingest    poll every wire feed once, print what each brought, and exit
            (non-zero when a feed failed)
  newsletter send ISSUE
            send a newsletter issue now, or resume its interrupted send,
            showing its progress

common flags (also as environment variables):
  --addr   listen address (BROADSHEET_ADDR, default :8080; demo: 127.0.0.1:8080)
  --data   directory for the SQLite file and uploads (BROADSHEET_DATA, default ./data)
  --db     database URL, sqlite:///path/file.db or postgres://... (BROADSHEET_DB)
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "broadsheet:", err)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], false, log)
	case "demo":
		return serve(ctx, args[1:], true, log)
	case "migrate":
		cfg, err := config.Parse("migrate", args[1:], false)
		if err != nil {
			return err
		}
		// A schema change under a running server is refused, not waited for.
		st, err := store.Open(ctx, cfg.DatabaseURL, store.Exclusive("broadsheet migrate"))
		if err != nil {
			return err
		}
		fmt.Println("database is up to date:", st.Engine())
		return st.Close()
	case "user":
		return user(ctx, args[1:], log)
	case "import":
		return importArchive(ctx, args[1:])
	case "gen-archive":
		return genArchive(args[1:])
	case "feed":
		return feed(ctx, args[1:], log)
	case "ingest":
		return ingest(ctx, args[1:], log)
	case "newsletter":
		return newsletterCommand(ctx, args[1:], log)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, isDemo bool, log *slog.Logger) error {
	name := "serve"
	if isDemo {
		name = "demo"
	}
	cfg, err := config.Parse(name, args, isDemo)
	if err != nil {
		return err
	}
	var clk clock.Clock = clock.Real{}
	if cfg.ClockOffset != 0 {
		clk = clock.Offset{By: cfg.ClockOffset}
	}
	a, err := app.New(ctx, cfg, clk, log, store.Exclusive("broadsheet "+name))
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info(cfg.Payments.Describe())
	if cfg.DebugAddr != "" {
		go serveProfiler(cfg.DebugAddr, log)
	}
	if err := demo.EnsurePlans(ctx, a.Store); err != nil {
		return err
	}
	if isDemo {
		seeded, err := demo.Seed(ctx, a.Store, a.Accounts, a.Billing, clk.Now(), a.Settings.Get().Location)
		if err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		// A demo seeded before it had newsletters gets its lists; a new
		// one has them from Seed, after its benefits, which gate them.
		if err := demo.EnsureNewsletters(ctx, a.Store, clk.Now()); err != nil {
			return err
		}
		if seeded {
			log.Info("seeded the demo publication")
		}
	}
	// The plans and benefits just stored are what the gates read, and
	// the settings (the demo's house ads) what the pages show.
	if err := a.Offer.Reload(ctx); err != nil {
		return err
	}
	if err := a.Settings.Reload(ctx); err != nil {
		return err
	}
	return a.Run(ctx, func(addr string) {
		fmt.Printf("\n%s is running at %s\n", a.Settings.Get().Publication, app.URL(addr))
		if isDemo {
			fmt.Println("\nDemo accounts:")
			for _, d := range demo.Accounts {
				fmt.Printf("  %-34s password %-22s %s\n", d.Email, d.Password, d.Role)
			}
			fmt.Println("\nThese passwords are public: anyone who can reach the demo can sign in as its admin. Do not expose it to a network.")
			if !loopback(addr) {
				fmt.Printf("WARNING: the demo listens on %s, which other machines can reach.\n", addr)
			}
			fmt.Println("\nTest cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined (any future expiry, any CVC).")
			fmt.Printf("Emails (sign-in links, receipts) are printed here and kept in the outbox at %s/admin/outbox,\n"+
				"which hides sign-in links and codes from admins.\n", app.URL(addr))
			if cfg.ClockOffset != 0 {
				fmt.Printf("The clock runs %s ahead.\n", cfg.ClockOffset)
			}
		}
		fmt.Println()
	})
}

// loopback reports whether a listener address is reachable from this
// machine only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// serveProfiler serves Go's profiler for the operator. It is a separate
// listener, never the public one, since profiles reveal the process.
func serveProfiler(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("profiler listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		log.Error("profiler stopped", "err", err)
	}
}
