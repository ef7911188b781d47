package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"broadsheet/internal/app"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/jobs"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/store"
)

const newsletterUsage = "usage: broadsheet newsletter send ISSUE [--db URL | --data DIR]"

// cliLease is how long this command's hold on a send lasts without being
// renewed: killed, it leaves the send to be resumed this long after.
const cliLease = 15 * time.Second

// newsletterCommand runs `newsletter send ISSUE`: it sends an issue now,
// in this process, with a progress bar, or resumes a send that was
// interrupted. A draft is scheduled for now first; a send another process
// is running is waited for.
func newsletterCommand(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) < 2 || args[0] != "send" {
		return errors.New(newsletterUsage)
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("%q is not an issue number\n%s", args[1], newsletterUsage)
	}
	cfg, err := config.Parse("newsletter", args[2:], false)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, clock.Real{}, log, store.BesideServer("broadsheet newsletter send"))
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Newsletters
	issue, _, err := svc.Issue(ctx, id)
	if err != nil {
		return fmt.Errorf("issue %d: %w", id, err)
	}
	gen := issue.Generation
	switch issue.Status {
	case newsletter.StatusSent:
		return report(ctx, svc, id, "already sent")
	case newsletter.StatusDraft:
		if gen, err = svc.Schedule(ctx, id, a.Clock.Now()); err != nil {
			return err
		}
	}
	bar := newSendBar()
	runner := &jobs.Runner{Store: a.Store, Now: a.Clock.Now, Log: log, Worker: "broadsheet newsletter send " + strconv.Itoa(os.Getpid()), Lease: cliLease}
	for {
		err = runner.RunKey(ctx, newsletter.JobKey(id, gen), func(ctx context.Context, _ *jobs.Job) error {
			return svc.Send(ctx, id, gen, bar.show)
		})
		if !errors.Is(err, jobs.ErrJobLeased) {
			break
		}
		// Another process holds the send, or a killed one's hold has not
		// run out yet: it resumes here once it has.
		fmt.Fprintf(os.Stderr, "issue %d is being sent by another process; waiting\n", id)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cliLease / 3):
		}
	}
	bar.finish()
	if err != nil {
		return err
	}
	return report(ctx, svc, id, "sent")
}

// report prints an issue's counts.
func report(ctx context.Context, svc *newsletter.Service, id int64, what string) error {
	c, err := svc.Counts(ctx, id)
	if err != nil {
		return err
	}
	fmt.Printf("issue %d %s: %d recipients, %d sent, %d failed, %d skipped, %d interrupted, %d queued, %d unsubscribed\n",
		id, what, c.Total(), c.Sent, c.Failed, c.Skipped, c.Interrupted, c.Queued, c.Unsubscribed)
	return nil
}

// sendBar shows a send's progress: a bar on a terminal, a line every few
// seconds otherwise.
type sendBar struct {
	bar    *progressbar.ProgressBar
	lastAt time.Time
}

func newSendBar() *sendBar {
	return &sendBar{lastAt: time.Now()}
}

func (b *sendBar) show(c newsletter.Counts) {
	if term.IsTerminal(int(os.Stdout.Fd())) {
		if b.bar == nil {
			b.bar = progressbar.NewOptions64(int64(c.Total()),
				progressbar.OptionSetWriter(os.Stdout),
				progressbar.OptionSetDescription("sending"),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("messages"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetWidth(40),
				progressbar.OptionThrottle(100*time.Millisecond),
			)
		}
		b.bar.Set64(int64(c.Done()))
		return
	}
	if time.Since(b.lastAt) < 2*time.Second && c.Queued+c.Sending > 0 {
		return
	}
	b.lastAt = time.Now()
	fmt.Printf("%d of %d: %d sent, %d failed, %d skipped, %d interrupted\n", c.Done(), c.Total(), c.Sent, c.Failed, c.Skipped, c.Interrupted)
}

func (b *sendBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		fmt.Println()
	}
}
