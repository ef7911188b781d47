package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"broadsheet/internal/content"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// runWireBin runs the binary as an operator allowing feeds on loopback,
// where the tests' agencies are.
func runWireBin(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(importEnv(t), "BROADSHEET_WIRE_ALLOW_PRIVATE=true")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("broadsheet %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// agency serves a file of the wire's testdata, or a 500 while down.
func agency(t *testing.T, file, contentType string, down *atomic.Bool) string {
	t.Helper()
	body, err := os.ReadFile("../../internal/wire/testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/feed"
}

// `feed add` checks what it is given, `feed list` lists the feeds, and
// `ingest` polls each once, prints per feed what it brought and refused,
// and exits non-zero when a feed failed; the others' stories are in.
func TestFeedAndIngestCommands(t *testing.T) {
	bin := buildImportBin(t)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			st, err := store.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateSection(context.Background(), content.Section{Slug: "markets", Name: "Markets"}); err != nil {
				t.Fatal(err)
			}
			st.Close()
			var up, down atomic.Bool
			down.Store(true)
			rss := agency(t, "agency_rss.xml", "application/rss+xml", &up)
			atom := agency(t, "agency_atom.xml", "application/atom+xml", &down)

			if _, errOut, code := runWireBin(t, bin, "feed", "add", "--db", dbURL, "--url", rss, "--section", "sport",
				"--every", "5s"); code == 0 || !strings.Contains(errOut, "section: choose one of the publication's sections") ||
				!strings.Contains(errOut, "every: want a time from 1m to 24h") {
				t.Fatalf("a bad feed: exit %d, %s", code, errOut)
			}
			out, errOut, code := runWireBin(t, bin, "feed", "add", "--db", dbURL, "--url", rss, "--section", "markets",
				"--access", "free", "--source", "Global Wire Service")
			if code != 0 || !strings.Contains(out, "added feed") || !strings.Contains(out, "free stories published at once, every 5m") {
				t.Fatalf("feed add: exit %d\n%s%s", code, out, errOut)
			}
			if out, errOut, code := runWireBin(t, bin, "feed", "add", "--db", dbURL, "--url", atom, "--section", "markets",
				"--hold", "--every", "1h", "--disclaimer", "Wire copy from {{source}}"); code != 0 {
				t.Fatalf("feed add --hold: exit %d\n%s%s", code, out, errOut)
			}
			out, _, code = runWireBin(t, bin, "feed", "list", "--db", dbURL)
			if code != 0 || !strings.Contains(out, rss) || !strings.Contains(out, atom) || !strings.Contains(out, "metered drafts") ||
				!strings.Contains(out, "not polled yet") {
				t.Errorf("feed list: exit %d\n%s", code, out)
			}

			out, errOut, code = runWireBin(t, bin, "ingest", "--db", dbURL)
			if code == 0 {
				t.Errorf("ingest exits 0 with a feed failing\n%s", out)
			}
			for _, want := range []string{rss + ": 4 new, 0 updated, 0 unchanged, 3 refused",
				`refused "Item with nothing to know it by" (item 5): it has neither a GUID nor a link to know it by`,
				atom + ": failed: the feed's server answered 500 Internal Server Error"} {
				if !strings.Contains(out, want) {
					t.Errorf("ingest does not say %q:\n%s%s", want, out, errOut)
				}
			}
			down.Store(false)
			out, errOut, code = runWireBin(t, bin, "ingest", "--db", dbURL)
			if code != 0 || !strings.Contains(out, rss+": 0 new, 0 updated, 4 unchanged, 3 refused") ||
				!strings.Contains(out, atom+": 2 new, 0 updated, 0 unchanged, 0 refused") {
				t.Errorf("ingest again: exit %d\n%s%s", code, out, errOut)
			}
			db := openDB(t, engine, dbURL)
			if n := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE wire_source <> ''`); n != 6 {
				t.Errorf("%d wire stories, want 6", n)
			}
			if n := queryInt(t, db, `SELECT COUNT(*) FROM articles WHERE status = 'draft' AND wire_disclaimer = 'Wire copy from Pacific Newswire: Economy'`); n != 2 {
				t.Errorf("%d held stories with their feed's disclaimer, want 2", n)
			}
		})
	}
}
