package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/store/storetest"
)

// The process is killed with SIGKILL while thirty checkouts of six readers
// are in flight, some charged and not yet recorded, some not yet charged.
// After a restart, recovery settles every one of them: each charge the
// gateway took is matched by exactly one paid term or was refunded, no
// payment stays pending, and no account has two subscriptions.
func TestCheckoutsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := killBuild(t)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			const readers, tabs = 6, 5
			emails := make([]string, readers)
			for i := range emails {
				emails[i] = fmt.Sprintf("kill%d@example.com", i)
				killRun(t, bin, "user", "create", "--email", emails[i], "--password", "kill-test-password", "--db", dbURL)
			}
			db := killOpenDB(t, engine, dbURL)

			// A gateway slow enough that the kill lands while charges
			// are on their way there and back.
			srv := killStart(t, bin, dbURL, "BROADSHEET_TEST_GATEWAY_DELAY=300ms")
			type tab struct {
				client *http.Client
				key    string
			}
			var all []tab
			for _, email := range emails {
				c := killSignIn(t, srv.url, email, "kill-test-password")
				for range tabs {
					all = append(all, tab{c, killCheckoutKey(t, c, srv.url)})
				}
			}
			charged := `SELECT COUNT(*) FROM testgateway_charges WHERE idempotency_key LIKE 'checkout:%'`
			before := killCount(t, db, charged) // the demo's own subscriber
			var wg sync.WaitGroup
			for _, tb := range all {
				wg.Add(1)
				go func() {
					defer wg.Done()
					killSubscribe(tb.client, srv.url, "smart-quarterly", tb.key) // the kill cuts most of them off
				}()
			}
			// Kill as soon as the gateway has taken a first charge: its
			// answer is still on the way back, and others are on their way in.
			killWaitFor(t, 30*time.Second, "a first charge", func() bool {
				return killCount(t, db, charged) > before
			})
			srv.kill(t)
			wg.Wait()
			pending := killCount(t, db, `SELECT COUNT(*) FROM payments WHERE status = 'pending'`)
			if pending == 0 {
				t.Fatal("the kill left no checkout in flight: the test proves nothing")
			}
			t.Logf("killed with %d payments pending and %d charges taken", pending, killCount(t, db, charged)-before)

			// Restarted with its clock past the time the checkouts' pages
			// take payment, as if the operator brought it back later.
			srv = killStart(t, bin, dbURL, "", "--clock-offset", "65m")
			killWaitFor(t, 60*time.Second, "recovery of every pending payment", func() bool {
				return killCount(t, db, `SELECT COUNT(*) FROM payments WHERE status = 'pending'`) == 0
			})
			// A checkout replaced by another tab is looked at again once its
			// page closes: wait for those settlements too.
			killWaitFor(t, 60*time.Second, "the settling of every replaced checkout", func() bool {
				return killCount(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = 'settle-payment' AND done_at IS NULL`) == 0
			})
			srv.kill(t)

			if n := killCount(t, db, `SELECT COUNT(*) FROM (SELECT account_id FROM subscriptions
				WHERE status <> 'ended' GROUP BY account_id HAVING COUNT(*) > 1) twice`); n != 0 {
				t.Errorf("%d accounts have two live subscriptions", n)
			}
			// Each charge taken: one paid term, or refunded.
			rows, err := db.Query(`SELECT c.idempotency_key, c.refund_reference <> '',
				(SELECT COUNT(*) FROM payments p JOIN subscription_terms st ON st.payment_id = p.id
				 WHERE p.idempotency_key = c.idempotency_key)
				FROM testgateway_charges c WHERE c.succeeded AND c.idempotency_key LIKE 'checkout:%'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			charges := 0
			kept := map[string]int{} // charges not refunded, by account
			for rows.Next() {
				var key string
				var refunded bool
				var terms int
				if err := rows.Scan(&key, &refunded, &terms); err != nil {
					t.Fatal(err)
				}
				charges++
				if !(terms == 1 && !refunded) && !(terms == 0 && refunded) {
					t.Errorf("charge %s: %d paid terms, refunded %v; want one term or a refund", key, terms, refunded)
				}
				if !refunded {
					kept[strings.Split(key, ":")[1]]++
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if charges == 0 {
				t.Error("no charge was taken at all")
			}
			for account, n := range kept {
				if n > 1 {
					t.Errorf("account %s kept %d checkout charges, want at most 1", account, n)
				}
			}
		})
	}
}

// killBuild builds the broadsheet binary into a temporary folder.
func killBuild(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "broadsheet")
	cmd := exec.Command("go", "build", "-o", bin, "broadsheet/cmd/broadsheet")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// killEnv is the environment of every command the test runs.
func killEnv(t *testing.T) []string {
	return append(os.Environ(), "BROADSHEET_DATA="+t.TempDir(),
		"BROADSHEET_SECRET="+strings.Repeat("0123456789abcdef", 4))
}

// killRun runs a command of the binary to completion.
func killRun(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = killEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("broadsheet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type killServer struct {
	url string
	cmd *exec.Cmd
	log string
}

// killStart runs the demo server on the database, with an extra
// environment variable and flags, and waits until it answers.
func killStart(t *testing.T, bin, dbURL, env string, flags ...string) *killServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(t.TempDir(), "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	args := append([]string{"demo", "--db", dbURL, "--addr", addr}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = killEnv(t)
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &killServer{url: "http://" + addr, cmd: cmd, log: logPath}
	t.Cleanup(func() { s.kill(t) })
	killWaitFor(t, 60*time.Second, "the server to answer", func() bool {
		if cmd.ProcessState != nil {
			out, _ := os.ReadFile(logPath)
			t.Fatalf("the server exited:\n%s", out)
		}
		resp, err := http.Get(s.url + "/subscribe")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// kill stops the server with SIGKILL: no shutdown, no last writes.
func (s *killServer) kill(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	if t.Failed() {
		out, _ := os.ReadFile(s.log)
		t.Logf("server log:\n%s", out)
	}
}

// killSignIn signs an account in with its password and returns its device.
func killSignIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	form := url.Values{"email": {email}, "password": {password}, "next": {"/account"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/account" {
		t.Fatalf("sign-in as %s: status %d at %s", email, resp.StatusCode, resp.Request.URL.Path)
	}
	return c
}

// killCheckoutKey opens the checkout form and returns its key.
func killCheckoutKey(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, err := c.Get(base + "/subscribe/smart-quarterly")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := crCheckoutKeyRE.FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no checkout form: status %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	return m[1]
}

// killOpenDB opens the test's database directly, to read what the
// server wrote.
func killOpenDB(t *testing.T, engine, dbURL string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", dbURL
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite://")+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func killCount(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// killWaitFor polls cond until it holds, failing after limit.
func killWaitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
