package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"broadsheet/internal/markup"
	"broadsheet/internal/store"
)

// Store is where an import writes.
type Store interface {
	// ImportProgress returns how far the import of a file committed.
	ImportProgress(ctx context.Context, hash string) (line int64, bad int, err error)
	// NewArchiveImport starts writing an import's batches.
	NewArchiveImport(ctx context.Context) (*store.ArchiveImport, error)
}

// BadLine is a line of the file that was not imported, and why.
type BadLine struct {
	Line   int64
	Reason string
}

func (b BadLine) String() string { return fmt.Sprintf("line %d: %s", b.Line, b.Reason) }

// Progress is how far an import has gone.
type Progress struct {
	Line    int64 // lines read, the resumed ones included
	Skipped int64 // lines done by an earlier run of the same file
	Created int
	Updated int
	Bad     int // bad lines, those of an earlier run included
	// EarlierBad counts the bad lines an earlier run reported, among the
	// lines skipped.
	EarlierBad int
}

// Importer imports a file of stories.
type Importer struct {
	Store  Store
	Markup *markup.Renderer
	Now    func() time.Time
	// Batch is how many lines a transaction covers (default 1,000).
	Batch int
	// OnBad is told of each bad line as it is found.
	OnBad func(BadLine)
	// OnProgress is told after each batch commits.
	OnProgress func(Progress)
}

// Run imports the stories of in, a JSON Lines file whose content has the
// SHA-256 hash (hex), and returns how far it went. A file imported before
// in part is resumed after its last committed line: those lines are read
// but neither parsed nor written again. hash "" (a standard input) starts
// from the first line; its stories, found by their ids, are updated, never
// doubled. Bad lines are reported to OnBad and counted; the others are
// imported.
func (im *Importer) Run(ctx context.Context, in io.Reader, hash string) (p Progress, err error) {
	var done int64
	if hash != "" {
		var bad int
		if done, bad, err = im.Store.ImportProgress(ctx, hash); err != nil {
			return p, err
		}
		p.Bad, p.EarlierBad = bad, bad
	}
	batchSize := im.Batch
	if batchSize <= 0 {
		batchSize = 1000
	}
	w, err := im.Store.NewArchiveImport(ctx)
	if err != nil {
		return p, err
	}
	defer func() {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}()

	// Lines are parsed and rendered by a worker per CPU, in order of
	// batches; the batches are written one at a time, in order.
	type job struct {
		first int64 // number of the first line
		lines [][]byte
		out   []*store.ImportStory
		bad   []BadLine
		done  chan struct{}
		// aborted: never parsed, the import being stopped
		aborted bool
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *job)
	ordered := make(chan *job, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				for i, line := range j.lines {
					n := j.first + int64(i)
					if len(trimSpace(line)) == 0 {
						continue // blank lines are not stories
					}
					st, err := Parse(line, im.Markup)
					if err != nil {
						j.bad = append(j.bad, BadLine{n, err.Error()})
						continue
					}
					ready, err := store.PrepareImport(st)
					if err != nil {
						j.bad = append(j.bad, BadLine{n, err.Error()})
						continue
					}
					j.out = append(j.out, ready)
				}
				close(j.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(jobs)
		readErr <- readBatches(ctx, in, batchSize, done, &p, func(first int64, lines [][]byte) bool {
			j := &job{first: first, lines: lines, done: make(chan struct{})}
			select {
			case ordered <- j:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				j.aborted = true
				close(j.done) // for the writer, which waits on each job it was given
				return false
			}
		})
	}()
	for j := range ordered {
		<-j.done
		if err == nil && (j.aborted || ctx.Err() != nil) {
			err = ctx.Err()
		}
		if err != nil {
			continue // drain
		}
		for _, b := range j.bad {
			if im.OnBad != nil {
				im.OnBad(b)
			}
		}
		p.Bad += len(j.bad)
		through := j.first + int64(len(j.lines)) - 1
		var c store.ImportCounts
		if c, err = w.Write(ctx, hash, through, p.Bad, j.out, im.Now()); err != nil {
			err = fmt.Errorf("lines %d to %d: %w", j.first, through, err)
			cancel()
			continue
		}
		p.Created += c.Created
		p.Updated += c.Updated
		p.Line = through
		if im.OnProgress != nil {
			im.OnProgress(p)
		}
	}
	wg.Wait()
	if rerr := <-readErr; err == nil && rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = rerr
	}
	if err == nil {
		err = ctx.Err()
	}
	return p, err
}

// readBatches reads in line by line, passing on batches of size lines
// numbered from 1; the lines up to skip are counted and dropped.
func readBatches(ctx context.Context, in io.Reader, size int, skip int64, p *Progress, send func(first int64, lines [][]byte) bool) error {
	r := bufio.NewReaderSize(in, 1<<20)
	var n int64
	var lines [][]byte
	first := int64(0)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			n++
			switch {
			case n <= skip:
				p.Skipped, p.Line = n, n
			default:
				if first == 0 {
					first = n
				}
				lines = append(lines, line)
				if len(lines) == size {
					if !send(first, lines) {
						return ctx.Err()
					}
					lines, first = nil, 0
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(lines) > 0 && !send(first, lines) {
		return ctx.Err()
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
