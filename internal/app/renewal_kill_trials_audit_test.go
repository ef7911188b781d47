package app_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rzpPayment is a payment as Razorpay's API lists it.
type rzpPayment struct {
	ID             string          `json:"id"`
	OrderID        string          `json:"order_id"`
	Status         string          `json:"status"`
	Captured       bool            `json:"captured"`
	Amount         int64           `json:"amount"`
	AmountRefunded int64           `json:"amount_refunded"`
	Notes          json.RawMessage `json:"notes"`
	CreatedAt      int64           `json:"created_at"`
}

// key is the idempotency key Broadsheet noted on the payment.
func (p rzpPayment) key() string {
	var notes map[string]string
	json.Unmarshal(p.Notes, &notes) // [] when there are none
	return notes["broadsheet_key"]
}

// providerPayments lists every payment Razorpay holds, through its API.
func (kt *killTrials) providerPayments() []rzpPayment {
	t := kt.t
	var all []rzpPayment
	for skip := 0; ; skip += 100 {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/payments?count=100&skip=%d", kt.rzp.URL, skip), nil)
		req.SetBasicAuth(ktKeyID, ktKeySecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []rzpPayment `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("listing Razorpay's payments: %s, %v", resp.Status, err)
		}
		all = append(all, page.Items...)
		if len(page.Items) < 100 {
			return all
		}
	}
}

// audit checks Razorpay's records against each subscription's terms.
func (kt *killTrials) audit() {
	t := kt.t
	if keys := kt.pendingKeys(); len(keys) != 0 {
		t.Errorf("payments still pending: %v", keys)
	}
	type sub struct {
		id        int64
		termsPaid int
		status    string
	}
	var subs []sub
	rows, err := kt.db.Query(`SELECT s.id, s.terms_paid, s.status ` + ktOurs)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s sub
		if err := rows.Scan(&s.id, &s.termsPaid, &s.status); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	rows.Close()
	if len(subs) != ktReaders {
		t.Fatalf("%d subscriptions, want %d", len(subs), ktReaders)
	}

	// Razorpay's captured charges under renewal keys, by subscription and term.
	type charge struct {
		rzpPayment
		key string
	}
	byTerm := map[string][]charge{} // "subscription:seq"
	captured, refunded, declined := 0, 0, 0
	declinedKeys := map[string]string{} // Razorpay's declined payments under renewal keys, by key
	capturedKeys := map[string]bool{}
	checkouts := map[string]int{} // kept checkout charges by account
	for _, p := range kt.providerPayments() {
		key := p.key()
		switch {
		case p.Status == "authorized" || p.Status == "created":
			t.Errorf("Razorpay payment %s (%s) is left %s", p.ID, key, p.Status)
		case p.Status == "failed" && strings.HasPrefix(key, "renewal:"):
			declinedKeys[key] = p.ID
			declined++
			continue
		case !p.Captured:
			continue
		case key == "":
			t.Errorf("Razorpay payment %s took %d paise under no key of ours", p.ID, p.Amount)
		}
		if p.Captured && strings.HasPrefix(key, "checkout:") && p.AmountRefunded == 0 {
			checkouts[strings.Split(key, ":")[1]]++
		}
		if !p.Captured || !strings.HasPrefix(key, "renewal:") {
			continue
		}
		parts := strings.Split(key, ":")
		if len(parts) != 4 {
			t.Errorf("Razorpay payment %s has a malformed renewal key %q", p.ID, key)
			continue
		}
		captured++
		capturedKeys[key] = true
		if p.AmountRefunded > 0 {
			refunded++
		}
		byTerm[parts[1]+":"+parts[2]] = append(byTerm[parts[1]+":"+parts[2]], charge{p, key})
	}
	t.Logf("Razorpay captured %d renewal charges, %d of them refunded, and declined %d", captured, refunded, declined)
	if declined != ktDeclines {
		t.Errorf("Razorpay declined %d renewal charges, want %d", declined, ktDeclines)
	}
	// A decline is one in our records too, unless another charge of the
	// same attempt went through (and is checked with its term below);
	// two charges of one attempt may both have been declined.
	for key, ref := range declinedKeys {
		if status := kt.paymentStatus(key); status != "failed" && !capturedKeys[key] {
			t.Errorf("Razorpay declined payment %s under %s and took none under it; it is %s here", ref, key, status)
		}
	}
	kt.calls.Lock()
	for key, n := range kt.calls.recurring {
		if n > 1 {
			t.Logf("Razorpay was asked %d times to charge %s, and took at most one payment", n, key)
		}
	}
	kt.calls.Unlock()
	for account, n := range checkouts {
		if n != 1 {
			t.Errorf("account %s: Razorpay kept %d checkout charges, want 1", account, n)
		}
	}
	if len(checkouts) != ktReaders {
		t.Errorf("Razorpay kept the checkout charges of %d accounts, want %d", len(checkouts), ktReaders)
	}
	// Reconciliation, run at every start, found nothing amiss with them.
	rows, err = kt.db.Query(`SELECT r.kind, r.payment_key, r.detail FROM reconciliation_reports r
		JOIN payments p ON p.idempotency_key = r.payment_key JOIN accounts a ON a.id = p.account_id
		WHERE a.email LIKE 'killtrial%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind, key, detail string
		if err := rows.Scan(&kind, &key, &detail); err != nil {
			t.Fatal(err)
		}
		t.Errorf("reconciliation reported %s for %s: %s", kind, key, detail)
	}
	rows.Close()

	for _, s := range subs {
		if s.status != "active" || s.termsPaid != ktRounds+1 {
			t.Errorf("subscription %d: %s with %d terms paid, want active with %d", s.id, s.status, s.termsPaid, ktRounds+1)
		}
		for seq := 2; seq <= ktRounds+1; seq++ {
			termKey := fmt.Sprintf("%d:%d", s.id, seq)
			charges := byTerm[termKey]
			delete(byTerm, termKey)
			var kept []charge
			for _, c := range charges {
				if c.AmountRefunded == c.Amount {
					kt.checkRefunded(c.key, c.ID)
					continue
				}
				if c.AmountRefunded != 0 {
					t.Errorf("term %s: Razorpay payment %s refunded in part (%d of %d paise)", termKey, c.ID, c.AmountRefunded, c.Amount)
				}
				kept = append(kept, c)
			}
			if len(kept) != 1 {
				var refs []string
				for _, c := range kept {
					refs = append(refs, c.ID+" at "+time.Unix(c.CreatedAt, 0).UTC().Format(time.DateTime)+" under "+c.key)
				}
				t.Errorf("term %d of subscription %d: Razorpay kept %d charges for it, want 1: %s", seq, s.id, len(kept), strings.Join(refs, "; "))
				continue
			}
			c := kept[0]
			// The charge Razorpay kept is the payment of the term.
			var key, ref, status string
			var sent time.Time
			err := kt.db.QueryRow(`SELECT p.idempotency_key, p.gateway_ref, p.status, n.sent_at
				FROM subscription_terms st JOIN payments p ON p.id = st.payment_id
				JOIN renewal_notices n ON n.subscription_id = st.subscription_id AND n.seq = st.seq
				WHERE st.subscription_id = `+strconv.FormatInt(s.id, 10)+` AND st.seq = `+strconv.Itoa(seq)).Scan(&key, &ref, &status, &sent)
			if err != nil {
				t.Errorf("term %d of subscription %d, paid at Razorpay by %s: %v", seq, s.id, c.ID, err)
				continue
			}
			if key != c.key || ref != c.ID || status != "succeeded" {
				t.Errorf("term %d of subscription %d: paid by %s %s (%s), but Razorpay kept %s under %s", seq, s.id, key, ref, status, c.ID, c.key)
			}
			if charged := time.Unix(c.CreatedAt, 0); charged.Before(sent.Add(24*time.Hour - time.Second)) {
				t.Errorf("term %d of subscription %d: charged at %s, less than a day after its notice went out at %s", seq, s.id, charged, sent)
			}
		}
	}
	for termKey, charges := range byTerm {
		for _, c := range charges {
			if c.AmountRefunded != c.Amount {
				t.Errorf("Razorpay kept payment %s under %s for term %s, which was not due", c.ID, c.key, termKey)
			} else {
				kt.checkRefunded(c.key, c.ID)
			}
		}
	}
}

// checkRefunded checks that a charge Razorpay refunded is refunded in our
// records too, and paid for no term.
func (kt *killTrials) checkRefunded(key, ref string) {
	var status string
	var terms int
	err := kt.db.QueryRow(`SELECT p.status, (SELECT COUNT(*) FROM subscription_terms st WHERE st.payment_id = p.id)
		FROM payments p WHERE p.idempotency_key = '`+key+`'`).Scan(&status, &terms)
	if err != nil {
		kt.t.Errorf("refunded Razorpay payment %s under %s: %v", ref, key, err)
		return
	}
	if status != "refunded" || terms != 0 {
		kt.t.Errorf("Razorpay refunded payment %s under %s, which is %s with %d terms here", ref, key, status, terms)
	}
}

// paymentStatus is the status of our payment under key.
func (kt *killTrials) paymentStatus(key string) string {
	var status string
	if err := kt.db.QueryRow(`SELECT status FROM payments WHERE idempotency_key = '` + key + `'`).Scan(&status); err != nil {
		return err.Error()
	}
	return status
}

// printLogs prints the last n server logs.
func (kt *killTrials) printLogs(n int) {
	for _, path := range kt.logs[max(len(kt.logs)-n, 0):] {
		out, _ := os.ReadFile(path)
		kt.t.Logf("server log %s:\n%s", path, out)
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// logFailedJobs logs the jobs that failed in the servers' logs, by error.
func (kt *killTrials) logFailedJobs() {
	failed := map[string]int{}
	for _, path := range kt.logs {
		out, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				_, msg, _ := strings.Cut(line, "msg=")
				failed[msg]++
			}
		}
	}
	for msg, n := range failed {
		kt.t.Logf("%d× %s", n, msg)
	}
}
