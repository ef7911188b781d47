package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"broadsheet/internal/archive"
)

// genArchive runs `broadsheet gen-archive`: a synthetic archive to try an
// import, a benchmark or search on.
func genArchive(args []string) error {
	fs := flag.NewFlagSet("gen-archive", flag.ContinueOnError)
	stories := fs.Int("stories", 1000, "how many stories")
	since := fs.Int("since", 1997, "the year of the oldest story")
	until := fs.String("until", "2026-12-01", "the date the newest story comes before (YYYY-MM-DD)")
	seed := fs.Uint64("seed", 1, "the same seed makes the same archive")
	out := fs.String("out", "-", "the file to write (- for standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("gen-archive takes no argument %q: use --out FILE", fs.Arg(0))
	}
	if *stories < 0 {
		return errors.New("--stories must be 0 or more")
	}
	end, err := time.Parse("2006-01-02", *until)
	if err != nil {
		return fmt.Errorf("--until %q: want YYYY-MM-DD", *until)
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := archive.Generate(bw, archive.GenOptions{Stories: *stories, Since: *since, Until: end, Seed: *seed}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}
