package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"broadsheet/internal/archive"
	"broadsheet/internal/config"
	"broadsheet/internal/markup"
	"broadsheet/internal/store"
)

const importUsage = "usage: broadsheet import [--batch N] [--db URL] [--data DIR] FILE (or - for standard input)"

// errBadLines ends an import that refused some lines: the good ones are in.
var errBadLines = errors.New("some lines were not imported")

// importArchive runs `broadsheet import`.
func importArchive(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	batch := fs.Int("batch", 1000, "stories per transaction")
	var rest, files []string
	// The common flags go to the configuration, the file name anywhere.
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "-" || !strings.HasPrefix(a, "-"):
			files = append(files, a)
		case name == "batch":
			if err := fs.Parse(args[i : i+1+boolInt(!inline)]); err != nil {
				return err
			}
			i += boolInt(!inline)
		default:
			rest = append(rest, a)
			if !inline && i+1 < len(args) && (name == "db" || name == "data") {
				i++
				rest = append(rest, args[i])
			}
		}
	}
	if len(files) != 1 {
		return errors.New(importUsage)
	}
	cfg, err := config.Parse("import", rest, false)
	if err != nil {
		return err
	}

	var in io.Reader = os.Stdin
	var hash string
	var total int64 = -1
	if name := files[0]; name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		// The file's hash names its import, so a run killed is resumed
		// by the next; counting its lines on the way gives the bar its end.
		if hash, total, err = hashLines(f); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		in = f
	}

	// Imported stories are not what a running server keeps as its own:
	// this may run beside one, which sees them through the change log.
	st, err := store.Open(ctx, cfg.DatabaseURL, store.BesideServer("broadsheet import"))
	if err != nil {
		return err
	}
	defer st.Close()

	rep := newReporter(total)
	im := &archive.Importer{
		Store: st, Markup: markup.New(), Now: time.Now, Batch: *batch,
		OnBad: rep.bad, OnProgress: rep.progress,
	}
	started := time.Now()
	p, err := im.Run(ctx, in, hash)
	rep.finish(p)
	took := time.Since(started)
	written := p.Created + p.Updated
	if p.Skipped > 0 {
		fmt.Printf("resumed after line %d, imported by an earlier run", p.Skipped)
		if p.EarlierBad > 0 {
			fmt.Printf(" which reported %d bad lines", p.EarlierBad)
		}
		fmt.Println()
	}
	fmt.Printf("%d stories imported (%d new, %d updated) in %s, %.0f stories/s; %d bad lines\n",
		written, p.Created, p.Updated, took.Round(time.Millisecond), float64(written)/took.Seconds(), p.Bad)
	if err != nil {
		return err
	}
	if p.Bad > 0 {
		return fmt.Errorf("%w: %d bad lines (see above)", errBadLines, p.Bad)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hashLines returns the SHA-256 of r's content, in hex, and its number of
// lines.
func hashLines(r io.Reader) (string, int64, error) {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var lines int64
	var last byte = '\n'
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			last = buf[n-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, err
		}
	}
	if last != '\n' {
		lines++
	}
	return hex.EncodeToString(h.Sum(nil)), lines, nil
}

// reporter shows an import's progress: a bar on a terminal, a line every
// few seconds otherwise. Bad lines go to standard error as they are found.
type reporter struct {
	bar     *progressbar.ProgressBar
	total   int64
	started time.Time
	lastAt  time.Time
	first   int64 // the line the run started after
	begun   bool
}

func newReporter(total int64) *reporter {
	r := &reporter{total: total, started: time.Now(), lastAt: time.Now()}
	if term.IsTerminal(int(os.Stdout.Fd())) {
		r.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stdout),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("stories"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(40),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		r.bar.RenderBlank() // the rate counts from now
	}
	return r
}

func (r *reporter) bad(b archive.BadLine) {
	if r.bar != nil {
		r.bar.Clear()
	}
	fmt.Fprintln(os.Stderr, b)
}

func (r *reporter) progress(p archive.Progress) {
	if !r.begun {
		r.begun, r.first = true, p.Skipped
		if r.bar != nil && p.Skipped > 0 {
			// Lines done by an earlier run count, not at this run's rate.
			r.bar.Reset()
			r.bar.ChangeMax64(r.total - p.Skipped)
		}
	}
	if r.bar != nil {
		r.bar.Set64(p.Line - r.first)
		return
	}
	if time.Since(r.lastAt) < 2*time.Second {
		return
	}
	r.lastAt = time.Now()
	fmt.Println(r.line(p))
}

// line describes progress in words: lines done, rate, time left.
func (r *reporter) line(p archive.Progress) string {
	took := time.Since(r.started).Seconds()
	done := p.Line - r.first
	rate := float64(done) / took
	s := fmt.Sprintf("line %d", p.Line)
	if r.total > 0 {
		s += fmt.Sprintf(" of %d (%.0f%%)", r.total, 100*float64(p.Line)/float64(r.total))
	}
	s += fmt.Sprintf(": %d new, %d updated, %d bad; %.0f lines/s", p.Created, p.Updated, p.Bad, rate)
	if r.total > 0 && rate > 0 {
		left := time.Duration(float64(r.total-p.Line) / rate * float64(time.Second))
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s
}

func (r *reporter) finish(p archive.Progress) {
	if r.bar != nil {
		r.bar.Finish()
	}
}
