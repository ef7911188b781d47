package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/billing"
	"broadsheet/internal/store/storetest"
)

// The process is killed with SIGKILL while renewals are being charged, some
// charged and not yet recorded. After a restart the subscribers cancel
// auto-renewal, before the renewal jobs are run again. Once the server is
// back for good, every charge the gateway took (checkouts and renewals) is
// matched by exactly one paid term or was refunded, and no payment stays
// pending.
func TestRenewalsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := killBuild(t)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			const readers = 4
			emails := make([]string, readers)
			for i := range emails {
				emails[i] = fmt.Sprintf("renewkill%d@example.com", i)
				killRun(t, bin, "user", "create", "--email", emails[i], "--password", "kill-test-password", "--db", dbURL)
			}
			db := killOpenDB(t, engine, dbURL)

			srv := killStart(t, bin, dbURL, "")
			for _, email := range emails {
				c := killSignIn(t, srv.url, email, "kill-test-password")
				resp, err := killSubscribe(c, srv.url, "smart-quarterly", killCheckoutKey(t, c, srv.url))
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("checkout as %s: %v", email, err)
				}
			}
			srv.kill(t)

			ours := `FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE a.email LIKE 'renewkill%'`
			var last time.Time
			if err := db.QueryRow(`SELECT s.next_attempt_at ` + ours + ` ORDER BY s.next_attempt_at DESC LIMIT 1`).Scan(&last); err != nil {
				t.Fatal(err)
			}
			// Back two days before the renewals, in their notice period:
			// their pre-debit notices go out.
			noticed := `SELECT COUNT(*) FROM renewal_notices n JOIN subscriptions s ON s.id = n.subscription_id
				JOIN accounts a ON a.id = s.account_id WHERE a.email LIKE 'renewkill%' AND n.sent_at IS NOT NULL`
			srv = killStart(t, bin, dbURL, "", "--clock-offset", strconv.Itoa(int(time.Until(last).Minutes())-2*24*60)+"m")
			killWaitFor(t, 60*time.Second, "every renewal notice sent", func() bool { return killCount(t, db, noticed) == readers })
			srv.kill(t)

			// Back after the renewals fell due, with a gateway slow enough
			// that the kill lands while a charge's answer is on its way.
			offset := strconv.Itoa(int(time.Until(last).Minutes())+2) + "m"
			renewals := `SELECT COUNT(*) FROM testgateway_charges WHERE idempotency_key LIKE 'renewal:%'`
			srv = killStart(t, bin, dbURL, "BROADSHEET_TEST_GATEWAY_DELAY=300ms", "--clock-offset", offset)
			killWaitFor(t, 60*time.Second, "a first renewal charge", func() bool { return killCount(t, db, renewals) > 0 })
			srv.kill(t)
			pending := `SELECT COUNT(*) FROM payments WHERE status = 'pending'`
			if killCount(t, db, pending) == 0 {
				t.Fatal("the kill left no renewal in flight: the test proves nothing")
			}

			// Restarted at once: the killed renewal jobs are still leased,
			// and the subscribers turn auto-renewal off meanwhile.
			srv = killStart(t, bin, dbURL, "", "--clock-offset", offset)
			for _, email := range emails {
				c := killSignIn(t, srv.url, email, "kill-test-password")
				if status := killPost(t, c, srv.url+"/account/cancel", url.Values{}); status >= 400 {
					t.Fatalf("cancel as %s: status %d", email, status)
				}
			}
			srv.kill(t)

			// Back for good, past the jobs' leases and the recovery threshold.
			srv = killStart(t, bin, dbURL, "", "--clock-offset", strconv.Itoa(int(time.Until(last).Minutes())+12)+"m")
			killWaitFor(t, 60*time.Second, "every pending payment settled", func() bool { return killCount(t, db, pending) == 0 })
			srv.kill(t)

			rows, err := db.Query(`SELECT c.idempotency_key, c.refund_reference <> '',
				(SELECT COUNT(*) FROM payments p JOIN subscription_terms st ON st.payment_id = p.id
				 WHERE p.idempotency_key = c.idempotency_key)
				FROM testgateway_charges c WHERE c.succeeded`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			renewed := 0
			for rows.Next() {
				var key string
				var refunded bool
				var terms int
				if err := rows.Scan(&key, &refunded, &terms); err != nil {
					t.Fatal(err)
				}
				if !(terms == 1 && !refunded) && !(terms == 0 && refunded) {
					t.Errorf("charge %s: %d paid terms, refunded %v; want one term or a refund", key, terms, refunded)
				}
				if strings.HasPrefix(key, "renewal:") {
					renewed++
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if renewed == 0 {
				t.Error("no renewal was charged at all")
			}
			if n := killCount(t, db, `SELECT COUNT(*) `+ours+` AND s.auto_renew`); n != 0 {
				t.Errorf("%d subscriptions renew again after their readers cancelled", n)
			}
		})
	}
}

// killPost submits a form as a browser on the site would, and returns the
// status of the page it ends on.
// killSubscribe submits the checkout form with key and pays on the test
// gateway's page it leads to, as a reader does, and returns the last answer.
func killSubscribe(c *http.Client, base, plan, key string) (*http.Response, error) {
	post := func(target string, form url.Values) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	page, err := post(base+"/subscribe/"+plan, url.Values{"checkout_key": {key}})
	if err != nil || !strings.HasPrefix(page.Request.URL.Path, billing.TestPayPath) {
		return page, err
	}
	return post(page.Request.URL.String(), url.Values{"card_number": {billing.CardSucceeds}, "exp_month": {"12"}, "exp_year": {"2031"}, "cvc": {"123"}})
}

func killPost(t *testing.T, c *http.Client, target string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
