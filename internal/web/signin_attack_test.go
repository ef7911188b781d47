package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/dberr"
)

// siAttacker posts forms the way a script does: no cookies, redirects not
// followed, safe to use from many goroutines.
type siAttacker struct {
	base   string
	client *http.Client
}

func newAttacker(site *apptest.Site) *siAttacker {
	return &siAttacker{base: site.URL, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// post submits a form and returns the status code of the answer.
func (a *siAttacker) post(path string, form url.Values) (int, error) {
	req, err := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// siEmailsTo counts the emails in the outbox addressed to email.
func siEmailsTo(t *testing.T, site *apptest.Site, email string) int {
	t.Helper()
	msgs, err := site.App.Store.Outbox(context.Background(), 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == email {
			n++
		}
	}
	return n
}

// siGuessesChecked sums the codes recorded against every sign-in link
// emailed to email: a code is checked only once it is recorded.
func siGuessesChecked(t *testing.T, site *apptest.Site, email string) int {
	t.Helper()
	ctx := context.Background()
	msgs, err := site.App.Store.Outbox(ctx, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		link := siLinkRE.FindStringSubmatch(m.Body)
		if m.To != email || link == nil {
			continue
		}
		l, err := site.App.Store.LoginLinkByToken(ctx, accounts.HashToken(link[1]))
		if err != nil {
			t.Fatalf("the link emailed at %s: %v", m.CreatedAt, err)
		}
		n += l.Attempts
	}
	return n
}

// siWrongCode returns the i-th eight-digit code that is not right.
func siWrongCode(i int, right string) string {
	c := fmt.Sprintf("%08d", i)
	if c == right {
		c = fmt.Sprintf("%08d", i+1)
	}
	return c
}

// A script on one machine asks for a sign-in email for a subscriber every
// few minutes of a whole day and types five guessed codes after each. It
// gets nowhere: the subscriber receives at most one client's daily cap of
// emails, at most one client's daily cap of guesses is even checked, and
// none signs in.
func TestCodeBruteForceGetsNowhereInADay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		victim := demoAccount(t, "subscriber")
		attacker := newAttacker(site)
		emailsBefore, checkedBefore := siEmailsTo(t, site, victim.Email), siGuessesChecked(t, site, victim.Email)
		wrong, refused, guess := 0, 0, 0
		const step = 3 * time.Minute
		for elapsed := time.Duration(0); elapsed < 24*time.Hour; elapsed += step {
			status, err := attacker.post("/login/link", url.Values{"email": {victim.Email}, "next": {"/"}})
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusSeeOther && status != http.StatusTooManyRequests {
				t.Fatalf("asking for a link at +%s: status %d", elapsed, status)
			}
			for range 5 {
				status, err := attacker.post("/login/code", url.Values{"email": {victim.Email}, "code": {fmt.Sprintf("%08d", guess)}})
				guess++
				if err != nil {
					t.Fatal(err)
				}
				switch status {
				case http.StatusUnauthorized:
					wrong++
				case http.StatusTooManyRequests:
					refused++
				default:
					t.Fatalf("guess %d at +%s: status %d: the attacker is in", guess, elapsed, status)
				}
			}
			site.Clock.Advance(step)
		}
		emails := siEmailsTo(t, site, victim.Email) - emailsBefore
		checked := siGuessesChecked(t, site, victim.Email) - checkedBefore
		t.Logf("%d link requests, %d emails sent; %d guesses: %d checked, %d answered wrong, %d refused",
			24*time.Hour/step, emails, guess, checked, wrong, refused)
		if emails < 1 || emails > accounts.MaxLinksPerAddressClientPerDay {
			t.Errorf("the victim received %d sign-in emails in a day, want 1 to %d", emails, accounts.MaxLinksPerAddressClientPerDay)
		}
		if checked < 1 || checked > accounts.MaxCodeGuessesPerAddressClientDay {
			t.Errorf("%d guessed codes were checked in a day, want 1 to %d", checked, accounts.MaxCodeGuessesPerAddressClientDay)
		}

		// The caps are windows, not a lock: the next day the owner signs in
		// with a fresh code.
		site.Clock.Advance(time.Hour)
		owner := site.NewBrowser()
		_, _, code := siRequestLink(t, site, owner, victim.Email, "/account")
		if resp := owner.Post("/login/code", url.Values{"email": {victim.Email}, "code": {code}}); resp.URL != "/account" {
			t.Fatalf("the owner's code the next day: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, owner); got != victim.Email {
			t.Errorf("the owner is signed in as %q", got)
		}
	})
}

// The same attack from many clients (a botnet), each asking and guessing
// a little, is held by the address's overall caps: at most that many
// emails and checked guesses a day, whatever the number of clients.
func TestCodeBruteForceFromManyClients(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		victim := demoAccount(t, "registered")
		svc := site.App.Accounts
		emailsBefore, checkedBefore := siEmailsTo(t, site, victim.Email), siGuessesChecked(t, site, victim.Email)
		guess := 0
		const step = 3 * time.Minute
		for i := 0; time.Duration(i)*step < 24*time.Hour; i++ {
			client := fmt.Sprintf("198.51.100.%d", i%250)
			err := svc.SendLoginLink(ctx, victim.Email, "/", site.URL+"/login/link/", "Broadsheet", client, false)
			if err != nil && !errors.Is(err, accounts.ErrTooManyLinksToAddress) {
				t.Fatalf("link request %d from %s: %v", i, client, err)
			}
			for range 5 {
				_, _, err := svc.UseLoginCode(ctx, victim.Email, fmt.Sprintf("%08d", guess), client)
				guess++
				switch {
				case errors.Is(err, accounts.ErrLinkInvalid), errors.Is(err, accounts.ErrTooManyCodeGuesses), errors.Is(err, accounts.ErrCodeSpent):
				case err == nil:
					t.Fatalf("guess %d signed in", guess)
				default:
					t.Fatal(err)
				}
			}
			site.Clock.Advance(step)
		}
		emails := siEmailsTo(t, site, victim.Email) - emailsBefore
		checked := siGuessesChecked(t, site, victim.Email) - checkedBefore
		if emails < 1 || emails > accounts.MaxLinksPerAddressPerDay {
			t.Errorf("the victim received %d sign-in emails in a day from rotating clients, want 1 to %d", emails, accounts.MaxLinksPerAddressPerDay)
		}
		if checked < 1 || checked > accounts.MaxCodeGuessesPerAddressDay {
			t.Errorf("%d guessed codes were checked, want 1 to %d", checked, accounts.MaxCodeGuessesPerAddressDay)
		}
	})
}

// A hundred wrong codes typed at once against one link: at most the cap
// is recorded and at most the cap is checked; then even the right code is
// refused, and the link itself still signs in.
func TestParallelCodeGuessesStopAtTheCap(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		victim := demoAccount(t, "registered")
		path, token, code := siRequestLink(t, site, site.NewBrowser(), victim.Email, "/account")
		attacker := newAttacker(site)
		statuses := make([]int, 100)
		errs := make([]error, 100)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				statuses[i], errs[i] = attacker.post("/login/code", url.Values{"email": {victim.Email}, "code": {siWrongCode(i, code)}})
			})
		}
		wg.Wait()
		checked := 0
		for i, st := range statuses {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch st {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Fatalf("wrong code %d: status %d", i, st)
			}
		}
		l, err := site.App.Accounts.CheckLoginLink(ctx, token)
		if err != nil {
			t.Fatalf("the link after 100 wrong codes: %v", err)
		}
		t.Logf("%d wrong codes checked, %d recorded", checked, l.Attempts)
		if l.Attempts < 1 || l.Attempts > accounts.MaxCodeGuessesPerLink {
			t.Errorf("%d guesses recorded on the link, want 1 to %d", l.Attempts, accounts.MaxCodeGuessesPerLink)
		}
		if checked < 1 || checked > accounts.MaxCodeGuessesPerLink {
			t.Errorf("%d of 100 parallel wrong codes were checked, want 1 to %d", checked, accounts.MaxCodeGuessesPerLink)
		}
		if st, err := attacker.post("/login/code", url.Values{"email": {victim.Email}, "code": {code}}); err != nil || st != http.StatusTooManyRequests {
			t.Errorf("the right code past the cap: status %d, %v; want 429", st, err)
		}
		b := site.NewBrowser()
		if resp := b.Post(path, nil); resp.URL != "/account" {
			t.Fatalf("the link past the code cap: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != victim.Email {
			t.Errorf("the link signed in as %q", got)
		}
	})
}

// Asking for a sign-in link for an address creates no account, and the
// answer is the same whether the address has one; the account is made
// when the link is used.
func TestLinkRequestCreatesNoAccount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		before, err := site.App.Store.CountAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		newcomer := "newcomer@example.com"
		b := site.NewBrowser()
		path, _, _ := siRequestLink(t, site, b, newcomer, "/account")
		for i := range 20 {
			status, err := newAttacker(site).post("/login/link", url.Values{"email": {fmt.Sprintf("stranger%d@example.com", i)}})
			if err != nil || status != http.StatusSeeOther {
				t.Fatalf("link for stranger %d: status %d, %v", i, status, err)
			}
		}
		if after, err := site.App.Store.CountAccounts(ctx); err != nil || after != before {
			t.Fatalf("accounts after 21 link requests for new addresses: %d, %v; want %d", after, err, before)
		}
		if _, err := site.App.Store.AccountByEmail(ctx, newcomer); !errors.Is(err, dberr.ErrNotFound) {
			t.Fatalf("a link request made an account: %v", err)
		}

		// The page does not tell an address with an account from one
		// without: the two answers differ only by the address.
		knownEmail := demoAccount(t, "registered").Email
		unknownEmail := "someone-" + knownEmail
		known := site.NewBrowser().Post("/login/link", url.Values{"email": {knownEmail}})
		unknown := site.NewBrowser().Post("/login/link", url.Values{"email": {unknownEmail}})
		if known.Status != unknown.Status || known.URL != unknown.URL ||
			known.Body != strings.ReplaceAll(unknown.Body, "someone-", "") {
			t.Errorf("a link request for a known address (%d at %s) answers unlike one for an unknown address (%d at %s)",
				known.Status, known.URL, unknown.Status, unknown.URL)
		}

		if page := b.Get(path); !strings.Contains(page.Body, newcomer) {
			t.Errorf("the link page does not name the address:\n%s", page.Body)
		}
		if resp := b.Post(path, nil); resp.URL != "/account" {
			t.Fatalf("using the link: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != newcomer {
			t.Fatalf("signed in as %q", got)
		}
		if after, err := site.App.Store.CountAccounts(ctx); err != nil || after != before+1 {
			t.Errorf("accounts after using the link: %d, %v; want %d", after, err, before+1)
		}
	})
}

// Link requests from one client are limited across addresses: past the
// cap the client is told to wait, and nothing is sent. Past its burst cap
// for one address it is told so too, rather than that a link was sent.
func TestLinkRequestsAreThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		target := "target@example.com"
		b := site.NewBrowser()
		for i := range accounts.MaxLinksPerAddressClientBurst + 2 {
			resp := b.Post("/login/link", url.Values{"email": {target}})
			if i < accounts.MaxLinksPerAddressClientBurst {
				if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "a sign-in link and code are on their way") {
					t.Fatalf("request %d for one address: status %d", i+1, resp.Status)
				}
			} else if resp.Status != http.StatusTooManyRequests || !strings.Contains(resp.Body, "so none was sent now") {
				t.Fatalf("request %d for one address, past the burst: status %d", i+1, resp.Status)
			}
		}
		if n := siEmailsTo(t, site, target); n != accounts.MaxLinksPerAddressClientBurst {
			t.Errorf("%d emails to one address in a minute, want %d", n, accounts.MaxLinksPerAddressClientBurst)
		}

		// Other addresses from the same client, up to the client's cap.
		sent := accounts.MaxLinksPerAddressClientBurst
		for i := 0; sent < accounts.MaxLinksPerClientPerHour; i++ {
			resp := b.Post("/login/link", url.Values{"email": {fmt.Sprintf("other%d@example.com", i)}})
			if resp.Status != http.StatusOK {
				t.Fatalf("request %d from the client: status %d", sent+1, resp.Status)
			}
			sent++
		}
		over := "over@example.com"
		resp := b.Post("/login/link", url.Values{"email": {over}})
		if resp.Status != http.StatusTooManyRequests || !strings.Contains(resp.Body, "wait") {
			t.Errorf("request past the client's cap: status %d\n%s", resp.Status, resp.Body)
		}
		if n := siEmailsTo(t, site, over); n != 0 {
			t.Errorf("%d emails sent past the client's cap", n)
		}
		site.Clock.Advance(61 * time.Minute)
		siRequestLink(t, site, b, over, "/")
	})
}

// The admin outbox never shows a live sign-in link or code: whoever reads
// it could sign in as the recipient.
func TestOutboxHidesSignInSecrets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		path, token, code := siRequestLink(t, site, site.NewBrowser(), reader.Email, "/")
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		page := admin.Get("/admin/outbox")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, reader.Email) || !strings.Contains(page.Body, "Your sign-in link") {
			t.Fatalf("outbox: status %d, without the sign-in email\n%s", page.Status, page.Body)
		}
		if strings.Contains(page.Body, token) || strings.Contains(page.Body, code) {
			t.Errorf("the outbox shows the live sign-in link or code:\n%s", page.Body)
		}
		if !strings.Contains(page.Body, "[hidden: sign-in secret]") {
			t.Error("the outbox does not say what it hid")
		}
		// The reader's own email still works.
		b := site.NewBrowser()
		if resp := b.Post(path, nil); b.Cookie("bs_session") == "" {
			t.Errorf("the emailed link: status %d at %s", resp.Status, resp.URL)
		}
	})
}

// A code that is not eight digits is refused with the reason and is not
// counted as a guess.
func TestMalformedCodeIsRefusedUncounted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		b := site.NewBrowser()
		_, token, code := siRequestLink(t, site, b, reader.Email, "/account")
		for _, bad := range []string{"", "1234", "123456789", "12ab5678", code + "0"} {
			resp := b.Post("/login/code", url.Values{"email": {reader.Email}, "code": {bad}})
			if resp.Status != http.StatusBadRequest || !strings.Contains(resp.Body, "Type the 8 digits of the code in the email.") {
				t.Errorf("code %q: status %d", bad, resp.Status)
			}
		}
		l, err := site.App.Accounts.CheckLoginLink(context.Background(), token)
		if err != nil || l.Attempts != 0 {
			t.Fatalf("link after malformed codes: %+v, %v; want 0 attempts", l, err)
		}
		spaced := code[:4] + " " + code[4:]
		if resp := b.Post("/login/code", url.Values{"email": {reader.Email}, "code": {spaced}}); resp.URL != "/account" {
			t.Errorf("the code typed as %q: status %d at %s", spaced, resp.Status, resp.URL)
		}
	})
}
