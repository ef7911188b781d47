package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"broadsheet/internal/app"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/markup"
	"broadsheet/internal/media"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/wire"
)

const feedUsage = `usage: broadsheet feed add --url URL --section SLUG [--access free|metered|premium] [--hold]
                          [--every 5m] [--source "Agency name"] [--disclaimer TEMPLATE]
       broadsheet feed list`

// wireCommand is what `feed` and `ingest` work with: the store, opened
// beside a server that may be running, and the wire's service on it.
type wireCommand struct {
	st   *store.Store
	wire *wire.Service
}

// openWire opens the database named by the common flags in rest.
func openWire(ctx context.Context, name string, rest []string, log *slog.Logger) (*wireCommand, error) {
	cfg, err := config.Parse(name, rest, false)
	if err != nil {
		return nil, err
	}
	// Feeds and their stories are not what a running server keeps as its
	// own: it reads feeds when it polls, and sees new stories through the
	// content change log. So these may run beside one.
	st, err := store.Open(ctx, cfg.DatabaseURL, store.BesideServer("broadsheet "+name))
	if err != nil {
		return nil, err
	}
	cache, err := settings.NewCache(ctx, st)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("settings: %w", err)
	}
	clk := clock.Real{}
	news := &newsroom.Service{Store: st, Media: media.Dir(filepath.Join(cfg.DataDir, "media")), Now: clk.Now, Markup: markup.New()}
	return &wireCommand{st: st, wire: app.NewWire(st, news, cfg, clk, cache, log)}, nil
}

// feed runs `broadsheet feed add|list`.
func feed(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New(feedUsage)
	}
	switch args[0] {
	case "add":
		return feedAdd(ctx, args[1:], os.Stdout, log)
	case "list":
		c, err := openWire(ctx, "feed list", args[1:], log)
		if err != nil {
			return err
		}
		defer c.st.Close()
		return feedList(ctx, c.wire, os.Stdout)
	}
	return errors.New(feedUsage)
}

func feedAdd(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("feed add", flag.ContinueOnError)
	in := wire.NewFeedInput()
	fs.StringVar(&in.URL, "url", "", "the feed's address (RSS 2.0, Atom or JSON Feed)")
	fs.StringVar(&in.Section, "section", "", "the slug of the section its stories are filed in")
	fs.StringVar(&in.Access, "access", in.Access, "free, metered or premium")
	fs.BoolVar(&in.Hold, "hold", false, "hold its stories as drafts for an editor to publish")
	fs.StringVar(&in.Every, "every", in.Every, "how often it is polled, from 1m to 24h")
	fs.StringVar(&in.Source, "source", "", "the agency credited (default: the feed's title)")
	fs.StringVar(&in.Disclaimer, "disclaimer", in.Disclaimer, "the disclaimer its stories end with; {{publication}} and {{source}} are filled in")
	common := commonFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected %q\n%s", fs.Arg(0), feedUsage)
	}
	c, err := openWire(ctx, "feed add", common(), log)
	if err != nil {
		return err
	}
	defer c.st.Close()
	f, err := c.wire.AddFeed(ctx, in)
	var bad *newsroom.InvalidError
	if errors.As(err, &bad) {
		return fmt.Errorf("the feed was not added: %w", bad)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added feed %d: %s into %s, %s, every %s; a running server polls it within a minute\n",
		f.ID, f.URL, f.SectionSlug, publishes(f), wire.InputOf(f).Every)
	return nil
}

// commonFlags adds the flags that name the database to fs, and returns
// a function giving those set as arguments for config.Parse, which
// reads the rest from the environment.
func commonFlags(fs *flag.FlagSet) func() []string {
	db := fs.String("db", "", "database URL (BROADSHEET_DB)")
	data := fs.String("data", "", "data directory (BROADSHEET_DATA)")
	return func() []string {
		var rest []string
		if *db != "" {
			rest = append(rest, "--db", *db)
		}
		if *data != "" {
			rest = append(rest, "--data", *data)
		}
		return rest
	}
}

func publishes(f *wire.Feed) string {
	if f.Hold {
		return string(f.Access) + " drafts"
	}
	return string(f.Access) + " stories published at once"
}

func feedList(ctx context.Context, w *wire.Service, out io.Writer) error {
	feeds, err := w.Feeds(ctx)
	if err != nil {
		return err
	}
	if len(feeds) == 0 {
		fmt.Fprintln(out, "no wire feeds")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tSECTION\tSTORIES\tEVERY\tSOURCE\tLAST POLL")
	for _, f := range feeds {
		last := "not polled yet"
		switch {
		case f.LastError != "":
			last = fmt.Sprintf("failed %s: %s", f.PolledAt.Format("2006-01-02 15:04 MST"), f.LastError)
		case f.OKAt != nil:
			last = fmt.Sprintf("%s: %d new, %d updated, %d unchanged, %d refused", f.OKAt.Format("2006-01-02 15:04 MST"),
				f.Last.New, f.Last.Updated, f.Last.Unchanged, f.Last.Refused)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.URL, f.SectionSlug, publishes(f), wire.InputOf(f).Every,
			f.Source, last)
	}
	return tw.Flush()
}

// errFeedsFailed ends an ingest in which some feed could not be fetched
// or read: the others' items are in.
var errFeedsFailed = errors.New("some feeds failed")

// ingest runs `broadsheet ingest`: every feed polled once, now.
func ingest(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	common := commonFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := openWire(ctx, "ingest", common(), log)
	if err != nil {
		return err
	}
	defer c.st.Close()
	return ingestAll(ctx, c.wire, os.Stdout)
}

func ingestAll(ctx context.Context, w *wire.Service, out io.Writer) error {
	failed, polled := 0, 0
	err := w.PollAll(ctx, func(r wire.Result) {
		polled++
		switch {
		case r.Err != nil:
			failed++
			fmt.Fprintf(out, "%s: failed: %v\n", r.Feed.URL, r.Err)
		case r.NotModified:
			fmt.Fprintf(out, "%s: not modified since the last poll\n", r.Feed.URL)
		default:
			fmt.Fprintf(out, "%s: %s\n", r.Feed.URL, r.Counts)
		}
		for _, bad := range r.Refused {
			what := bad.Key
			if bad.Title != "" {
				what = fmt.Sprintf("%q (%s)", bad.Title, bad.Key)
			}
			fmt.Fprintf(out, "  refused %s: %s\n", what, strings.TrimSpace(bad.Reason))
		}
	})
	if err != nil {
		return err
	}
	if polled == 0 {
		fmt.Fprintln(out, "no wire feeds: add one with `broadsheet feed add`")
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d", errFeedsFailed, failed, polled)
	}
	return nil
}
