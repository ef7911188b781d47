package app_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"broadsheet/internal/demo"
	"broadsheet/internal/razorpay/razorpaytest"
	"broadsheet/internal/store/storetest"
)

// The kill trials' shape: readers renewing over rounds, each round's
// renewals interrupted by SIGKILL at random moments.
const (
	ktReaders      = 10
	ktRounds       = 2                      // renewal rounds: the second and third terms
	ktNoticeTrials = 3                      // kills a round while pre-debit notices go out
	ktChargeTrials = 11                     // kills a round while renewals are charged
	ktDeclines     = 2                      // the bank declines the first charges of the last round
	ktRetryTrials  = 3                      // kills while the declined renewals are tried again
	ktMaxDelay     = 900 * time.Millisecond // the longest a server lives after it answers
	ktLatency      = 50 * time.Millisecond  // Razorpay's delay each way on every API call
	ktPassword     = "kill-test-password"
	ktKeyID        = "rzp_test_killtrials"
	ktKeySecret    = "kill-trials-key-secret"
	ktHookSecret   = "kill-trials-webhook-secret"
)

// Readers pay their first term through Razorpay (the fake, served from
// this test's process, so that what Razorpay recorded outlives every
// kill). Then, over two renewal rounds, the server runs with its clock
// moved to the week of the renewals, first while their pre-debit notices
// go out, then once the charges are due, and is killed with SIGKILL at a
// random moment after it starts answering, each time restarted a random
// few minutes later, as an operator might: 28 kills, 22 of them while
// charging. In the second round the bank declines the first two charges,
// which are tried again a day later, with three more kills. Razorpay
// answers slowly, so that kills land while charges are on their way
// there and back. After each phase the server is brought back and left
// to finish its work: the notices sent, or every renewal settled.
//
// Afterwards Razorpay's own records are audited against each
// subscription: every term after the first was paid by exactly one
// captured charge under its renewal keys, which is the payment of the
// term; any other captured charge under a renewal key was refunded at
// Razorpay and is refunded in our records; no charge was made for a term
// that was not due, none is left authorized and uncaptured, and each was
// made at least a day after the term's pre-debit notice went out. Each
// reader kept one checkout charge, each decline is one in our records too
// (unless a second charge of the same attempt, made at once, went
// through), no payment of ours stays pending, and reconciliation with
// Razorpay, run at every start, reported nothing about them.
//
// The kill moments and restart delays come from a seed, logged; set
// BROADSHEET_KILL_SEED to replay one (the timings of the processes still
// vary from run to run).
func TestRenewalKillTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("BROADSHEET_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("BROADSHEET_KILL_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d: replay with BROADSHEET_KILL_SEED=%d", seed, seed)
	bin := killBuild(t)
	for i, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			kt := &killTrials{t: t, bin: bin, engine: engine, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
			kt.run()
		})
	}
}

// killTrials is one engine's run.
type killTrials struct {
	t      *testing.T
	bin    string
	engine string
	rng    *rand.Rand
	dbURL  string
	db     *sql.DB
	fake   *razorpaytest.Server
	rzp    *httptest.Server
	offset atomic.Int64 // how far ahead the server's and Razorpay's clocks run
	logs   []string     // the server's logs, one per start
	calls  struct {     // the API calls that changed something at Razorpay, for a failure's report
		sync.Mutex
		log       []string
		recurring map[string]int // recurring charges asked for, by key
	}

	trials, inFlight, chargedUnrecorded int
}

// ours narrows subscriptions to the test's readers.
const ktOurs = `FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE a.email LIKE 'killtrial%'`

func (kt *killTrials) run() {
	t := kt.t
	kt.dbURL = storetest.URL(t, kt.engine)
	emails := make([]string, ktReaders)
	for i := range emails {
		emails[i] = fmt.Sprintf("killtrial%d@example.com", i)
		killRun(t, kt.bin, "user", "create", "--email", emails[i], "--password", ktPassword, "--db", kt.dbURL)
	}
	kt.db = killOpenDB(t, kt.engine, kt.dbURL)

	// Razorpay, slow on every API call both ways, on the clock the
	// server runs on, so that its records are dated as the server sees
	// them.
	kt.fake = razorpaytest.New(ktKeyID, ktKeySecret, ktHookSecret)
	kt.calls.recurring = map[string]int{}
	kt.fake.SetClock(func() time.Time { return time.Now().Add(time.Duration(kt.offset.Load())) })
	kt.rzp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/checkout/embedded" { // the reader's browser, not the API
			kt.fake.ServeHTTP(w, r)
			return
		}
		time.Sleep(ktLatency)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		kt.fake.ServeHTTP(rec, r)
		if r.Method == http.MethodPost {
			var charge struct {
				Notes map[string]string `json:"notes"`
			}
			json.Unmarshal(body, &charge)
			kt.calls.Lock()
			if r.URL.Path == "/v1/payments/create/recurring" {
				kt.calls.recurring[charge.Notes["broadsheet_key"]]++
			}
			kt.calls.log = append(kt.calls.log, fmt.Sprintf("%s %s %s %s -> %d %s", time.Now().Format("15:04:05.000"),
				r.RemoteAddr, r.URL.Path, body, rec.Code, rec.Body.Bytes()))
			kt.calls.Unlock()
		}
		time.Sleep(ktLatency) // done at Razorpay; the answer is on its way
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(kt.rzp.Close)

	t.Cleanup(func() {
		kt.logFailedJobs()
		if t.Failed() {
			kt.printLogs(3)
			kt.calls.Lock()
			t.Logf("Razorpay's API calls that change something:\n%s", strings.Join(kt.calls.log, "\n"))
			kt.calls.Unlock()
		}
	})

	// The demo publication is seeded on the built-in test gateway, as a
	// demo without a provider's keys is; its own subscriber, whose card
	// is on that gateway, turns auto-renewal off, to stay out of the way.
	start := time.Now()
	seeding := killStart(t, kt.bin, kt.dbURL, "")
	demoSub := demo.Accounts[1]
	if status := killPost(t, killSignIn(t, seeding.url, demoSub.Email, demoSub.Password), seeding.url+"/account/cancel", url.Values{}); status >= 400 {
		t.Fatalf("cancel as %s: status %d", demoSub.Email, status)
	}
	seeding.kill(t)

	srv := kt.start()
	for _, email := range emails {
		kt.subscribe(srv.url, email)
	}
	killWaitFor(t, 60*time.Second, "every reader's first term", func() bool {
		return killCount(t, kt.db, `SELECT COUNT(*) `+ktOurs+` AND s.status = 'active' AND s.terms_paid = 1 AND s.payment_method_id IS NOT NULL`) == ktReaders
	})
	srv.kill(t)
	t.Logf("%d readers subscribed through Razorpay in %s", ktReaders, time.Since(start).Round(time.Millisecond))
	start = time.Now()

	for round := 1; round <= ktRounds; round++ {
		seq := round + 1 // the term this round's renewals pay for
		var last time.Time
		if err := kt.db.QueryRow(`SELECT s.next_attempt_at ` + ktOurs + ` ORDER BY s.next_attempt_at DESC LIMIT 1`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		// Two days before the charges, in their notice period.
		kt.moveClockTo(last.Add(-2 * 24 * time.Hour))
		for range ktNoticeTrials {
			kt.trial(round, "notices")
		}
		noticed := fmt.Sprintf(`SELECT COUNT(*) FROM renewal_notices n JOIN subscriptions s ON s.id = n.subscription_id
			JOIN accounts a ON a.id = s.account_id WHERE a.email LIKE 'killtrial%%' AND n.seq = %d AND n.sent_at IS NOT NULL`, seq)
		// Back past the leases of the notice jobs killed mid-way.
		kt.offset.Add(int64(10 * time.Minute))
		srv = kt.start()
		kt.waitFor(60*time.Second, "every renewal notice sent", func() bool { return killCount(t, kt.db, noticed) == ktReaders })
		srv.kill(t)

		// A minute after the last charge fell due. In the last round the
		// bank declines the first charges, which are tried again a day on.
		kt.moveClockTo(last.Add(time.Minute))
		declines := 0
		if round == ktRounds {
			declines = ktDeclines
			kt.fake.FailNextRecurring(declines)
		}
		for range ktChargeTrials {
			kt.trial(round, "charges")
		}
		waiting := kt.settle(round, seq, declines)
		if waiting < declines {
			t.Logf("the bank declined %d charges and %d renewals wait to be tried again: charges of one attempt were made at once", declines, waiting)
		}
		if waiting == 0 {
			continue
		}
		var retry time.Time
		if err := kt.db.QueryRow(`SELECT s.next_attempt_at ` + ktOurs + ` AND s.renewal_failures > 0
			ORDER BY s.next_attempt_at DESC LIMIT 1`).Scan(&retry); err != nil {
			t.Fatal(err)
		}
		kt.moveClockTo(retry.Add(time.Minute))
		for range ktRetryTrials {
			kt.trial(round, "retries")
		}
		kt.settle(round, seq, 0)
	}
	t.Logf("%d kill trials, with the phases' settling, in %s: %d killed with a renewal in flight, %d of them charged at Razorpay and not yet recorded",
		kt.trials, time.Since(start).Round(time.Millisecond), kt.inFlight, kt.chargedUnrecorded)
	if kt.inFlight == 0 {
		t.Error("no kill landed while a renewal was in flight: the trials prove nothing")
	}
	kt.audit()
}

// settle brings the server back for good, past the killed jobs' leases
// and the time after which a pending payment is recovered, and waits
// until every renewal of the round is paid or, declined, waits to be
// tried again, no payment is pending and the renewal and recovery jobs
// are done. It returns how many wait: as many as the bank declined, or
// fewer when a declined charge was made beside a second charge of the
// same attempt (the renewal job and the recovery of its payment charging
// it at once; Razorpay takes one payment an order) that went through or
// was declined too. Never more: renewals declined in an earlier phase and
// due again now (declined 0) are waited for until they are charged, for
// the trials may all have been killed before the renewal job reached them.
func (kt *killTrials) settle(round, seq, declined int) (waiting int) {
	t := kt.t
	kt.offset.Add(int64(10 * time.Minute))
	srv := kt.start()
	renewed := `SELECT COUNT(*) ` + ktOurs + ` AND s.terms_paid = ` + strconv.Itoa(seq)
	retrying := `SELECT COUNT(*) ` + ktOurs + ` AND s.terms_paid = ` + strconv.Itoa(seq-1) +
		` AND s.renewal_failures > 0 AND s.next_attempt_at IS NOT NULL`
	kt.waitFor(90*time.Second, fmt.Sprintf("round %d's renewals, with at most %d waiting after a decline", round, declined), func() bool {
		waiting = killCount(t, kt.db, retrying)
		return killCount(t, kt.db, renewed)+waiting == ktReaders && kt.pending() == 0 && waiting <= declined
	})
	kt.waitFor(60*time.Second, "the renewal and recovery jobs to drain", func() bool {
		return killCount(t, kt.db, `SELECT COUNT(*) FROM jobs WHERE done_at IS NULL
			AND kind IN ('renewal', 'checkout-recovery', 'settle-payment') AND unique_key NOT LIKE 'end:%'`) == 0
	})
	srv.kill(t)
	return waiting
}

// waitFor polls cond until it holds; after limit, it shows the
// subscriptions, their payments and the jobs not done, and fails.
func (kt *killTrials) waitFor(limit time.Duration, what string, cond func() bool) {
	t := kt.t
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			kt.dump(`SELECT s.id, s.status, s.auto_renew, s.terms_paid, s.renewal_failures, s.paid_until, s.next_attempt_at ` + ktOurs)
			kt.dump(`SELECT p.id, p.idempotency_key, p.status, p.gateway_ref, p.failure, p.created_at, p.updated_at
				FROM payments p JOIN accounts a ON a.id = p.account_id WHERE a.email LIKE 'killtrial%' ORDER BY p.id`)
			kt.dump(`SELECT id, kind, unique_key, run_at, attempts, last_error, locked_until FROM jobs WHERE done_at IS NULL ORDER BY id`)
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dump logs the rows a query returns.
func (kt *killTrials) dump(query string) {
	rows, err := kt.db.Query(query)
	if err != nil {
		kt.t.Logf("%s: %v", query, err)
		return
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := []string{strings.Join(cols, " | ")}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			kt.t.Logf("%s: %v", query, err)
			return
		}
		fields := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fields[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(fields, " | "))
	}
	kt.t.Logf("%s\n%s", strings.Join(strings.Fields(query), " "), strings.Join(out, "\n"))
}

// moveClockTo moves the clock forward so that the server's time is at.
func (kt *killTrials) moveClockTo(at time.Time) {
	by := time.Until(at)
	if by < time.Duration(kt.offset.Load()) {
		kt.t.Fatalf("the clock would go back from %s ahead to %s", time.Duration(kt.offset.Load()), by)
	}
	kt.offset.Store(int64(by))
}

// trial restarts the server a random few minutes later (or at once, with
// the killed jobs still leased), lets it run for a random while after it
// answers, and kills it.
func (kt *killTrials) trial(round int, phase string) {
	t := kt.t
	kt.trials++
	later := time.Duration(kt.rng.IntN(7)) * time.Minute
	life := time.Duration(kt.rng.Int64N(int64(ktMaxDelay)))
	kt.offset.Add(int64(later))
	srv := kt.start()
	time.Sleep(life)
	srv.kill(t)
	pending := kt.pendingKeys()
	charged := 0
	captured := map[string]bool{}
	for _, p := range kt.providerPayments() {
		if p.Captured {
			captured[p.key()] = true
		}
	}
	for _, key := range pending {
		if captured[key] {
			charged++
		}
	}
	if len(pending) > 0 {
		kt.inFlight++
	}
	if charged > 0 {
		kt.chargedUnrecorded++
	}
	t.Logf("trial %d (round %d, %s): restarted %s later, killed %s after it answered; %d payments pending, %d of them charged at Razorpay",
		kt.trials, round, phase, later, life.Round(time.Millisecond), len(pending), charged)
}

// ktServer is one run of the server binary.
type ktServer struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// kill stops the server with SIGKILL: no shutdown, no last writes.
func (s *ktServer) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Kill()
	<-s.exited
}

// start runs the demo server against Razorpay with the clock offset, and
// waits until it answers.
func (kt *killTrials) start() *ktServer {
	t := kt.t
	t.Helper()
	addr := freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	kt.logs = append(kt.logs, logPath)
	cmd := exec.Command(kt.bin, "demo", "--db", kt.dbURL, "--addr", addr,
		"--clock-offset", strconv.FormatInt(kt.offset.Load()/int64(time.Millisecond), 10)+"ms")
	cmd.Env = append(killEnv(t), "BROADSHEET_RAZORPAY_KEY_ID="+ktKeyID, "BROADSHEET_RAZORPAY_KEY_SECRET="+ktKeySecret,
		"BROADSHEET_RAZORPAY_WEBHOOK_SECRET="+ktHookSecret, "BROADSHEET_RAZORPAY_BASE_URL="+kt.rzp.URL)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ktServer{url: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() { s.kill(t) })
	killWaitFor(t, 60*time.Second, "the server to answer", func() bool {
		select {
		case <-s.exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("the server exited:\n%s", out)
		default:
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

// subscribe signs a reader in and has them pay the first term on
// Razorpay's hosted checkout, and come back.
func (kt *killTrials) subscribe(base, email string) {
	t := kt.t
	t.Helper()
	c := killSignIn(t, base, email, ktPassword)
	form := url.Values{"checkout_key": {killCheckoutKey(t, c, base)}}
	req, _ := http.NewRequest(http.MethodPost, base+"/subscribe/smart-quarterly", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fields := url.Values{}
	for _, m := range rpFieldRE.FindAllStringSubmatch(string(body), -1) {
		fields.Set(m[1], html.UnescapeString(m[2]))
	}
	if fields.Get("order_id") == "" {
		t.Fatalf("checkout as %s: status %d, no form for Razorpay:\n%s", email, resp.StatusCode, body)
	}
	resp, err = http.PostForm(kt.rzp.URL+"/v1/checkout/embedded", fields)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Razorpay's checkout page for %s: %s", email, resp.Status)
	}
	cb, err := kt.fake.CompleteCheckout(fields.Get("order_id"), razorpaytest.CardSucceeds)
	if err != nil {
		t.Fatal(err)
	}
	back, err := http.PostForm(cb.URL, cb.Form)
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
}

// pendingKeys are the keys of our readers' pending payments.
func (kt *killTrials) pendingKeys() []string {
	rows, err := kt.db.Query(`SELECT p.idempotency_key FROM payments p JOIN accounts a ON a.id = p.account_id
		WHERE a.email LIKE 'killtrial%' AND p.status = 'pending'`)
	if err != nil {
		kt.t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			kt.t.Fatal(err)
		}
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		kt.t.Fatal(err)
	}
	return keys
}

func (kt *killTrials) pending() int { return len(kt.pendingKeys()) }
