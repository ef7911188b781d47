package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// writeTargets writes n requests, in the order they are to be sent, for
// the benchmark's fixed-rate runs, in the "http" target format of the load
// generator vegeta. kind "first" is every request a first visit to a random
// story, without a cookie (scripts/bench/firstvisit.lua). kind "mix" is the
// reader mix of scripts/bench/mix.lua: 10% signed-in readers and 10%
// subscribers from the tokens file, 80% anonymous readers who each read 1
// to 5 random stories. A load generator at a fixed rate does not wait for
// responses, so it cannot carry the cookie a first visit is given to that
// reader's next reads as mix.lua does: an anonymous reader's first visit is
// sent without a cookie, and its further reads carry the cookie of a
// reader who had their own first visit here, before the run, one per
// reader. The server sees the same first visits and the same returning
// reads.
func writeTargets(ctx context.Context, kind, base, tokensPath string, stories, n int, out string) error {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	story := func() string { return fmt.Sprintf("%s/article/bench-story-%05d", base, 1+rng.IntN(stories)) }
	type target struct{ url, cookie string }
	targets := make([]target, 0, n)
	switch kind {
	case "first":
		for range n {
			targets = append(targets, target{url: story()})
		}
	case "mix":
		readers, subscribers, err := signedIn(tokensPath)
		if err != nil {
			return err
		}
		// A returning reader's reads take the cookie at index cookie in
		// the list primed below, once the list is complete.
		type returning struct{ cookie, left int }
		var active []returning
		pending := map[int]int{} // target → returning reader's cookie index
		primed := 0
		for i := range n {
			switch r := rng.IntN(100); {
			case r < 10:
				targets = append(targets, target{story(), readers[rng.IntN(len(readers))]})
			case r < 20:
				targets = append(targets, target{story(), subscribers[rng.IntN(len(subscribers))]})
			case len(active) > 0:
				j := rng.IntN(len(active))
				pending[i] = active[j].cookie
				targets = append(targets, target{url: story()})
				if active[j].left--; active[j].left == 0 {
					active[j] = active[len(active)-1]
					active = active[:len(active)-1]
				}
			default:
				targets = append(targets, target{url: story()})
				if reads := 1 + rng.IntN(5); reads > 1 {
					active = append(active, returning{cookie: primed, left: reads - 1})
					primed++
				}
			}
		}
		cookies, err := newReaders(ctx, base, stories, primed)
		if err != nil {
			return err
		}
		for i, c := range pending {
			targets[i].cookie = readerCookie + "=" + cookies[c]
		}
	default:
		return fmt.Errorf("--targets %q: want mix or first", kind)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, t := range targets {
		fmt.Fprintf(w, "GET %s\n", t.url)
		if t.cookie != "" {
			fmt.Fprintf(w, "Cookie: %s\n", t.cookie)
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// signedIn reads the Cookie headers of the signed-in readers and the
// subscribers from the tokens file completed by --prime.
func signedIn(path string) (readers, subscribers []string, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for line := range strings.Lines(string(raw)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		cookie := readerCookie + "=" + f[2] + "; " + sessionCookie + "=" + f[1]
		if f[0] == "subscriber" {
			subscribers = append(subscribers, cookie)
		} else {
			readers = append(readers, cookie)
		}
	}
	if len(readers) == 0 || len(subscribers) == 0 {
		return nil, nil, fmt.Errorf("%s has no signed-in readers or subscribers with reader cookies: run --prime first", path)
	}
	return readers, subscribers, nil
}

// newReaders makes n first visits to random stories, a few at a time, and
// returns the reader cookie each was given.
func newReaders(ctx context.Context, base string, stories, n int) ([]string, error) {
	cookies := make([]string, n)
	next := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				url := fmt.Sprintf("%s/article/bench-story-%05d", base, 1+rand.IntN(stories))
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					errs <- err
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body) // so the connection is reused
				resp.Body.Close()
				for _, c := range resp.Cookies() {
					if c.Name == readerCookie {
						cookies[i] = c.Value
					}
				}
				if cookies[i] == "" {
					errs <- fmt.Errorf("GET %s: status %d, no %s cookie issued", url, resp.StatusCode, readerCookie)
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return cookies, err
}
