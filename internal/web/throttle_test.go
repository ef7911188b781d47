package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/config"
	"broadsheet/internal/store/storetest"
)

// thDevice is one client machine as an attacker's script drives it: its
// requests leave from a loopback address of its own, so the server sees a
// client of its own; no cookies; redirects not followed; safe to use from
// many goroutines.
type thDevice struct {
	site   *apptest.Site
	client *http.Client
	header http.Header // sent with every request, e.g. a forged X-Forwarded-For
}

func thDeviceAt(site *apptest.Site, ip string) *thDevice {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &thDevice{site: site, header: http.Header{}, client: &http.Client{
		Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 100},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}}
}

// thAnswer is what one sign-in attempt got.
type thAnswer struct {
	status   int
	signedIn bool
	body     string
	header   http.Header
	err      error
}

func (d *thDevice) send(method, path, contentType, body string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, d.site.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	for k, v := range d.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, string(data), err
}

// thDoor is one way in with a password: the sign-in form or the API.
type thDoor struct {
	name   string
	signIn func(d *thDevice, email, password string) thAnswer
}

var thDoors = []thDoor{
	{"page", func(d *thDevice, email, password string) thAnswer {
		form := url.Values{"email": {email}, "password": {password}, "next": {"/account"}}
		resp, body, err := d.send(http.MethodPost, "/login", "application/x-www-form-urlencoded", form.Encode())
		if err != nil {
			return thAnswer{err: err}
		}
		a := thAnswer{status: resp.StatusCode, body: body, header: resp.Header}
		for _, c := range resp.Cookies() {
			if strings.HasSuffix(c.Name, "bs_session") && c.Value != "" && c.MaxAge >= 0 {
				a.signedIn = resp.StatusCode == http.StatusSeeOther
			}
		}
		return a
	}},
	{"api", func(d *thDevice, email, password string) thAnswer {
		in, _ := json.Marshal(map[string]string{"email": email, "password": password})
		resp, body, err := d.send(http.MethodPost, "/api/v1/sessions", "application/json", string(in))
		if err != nil {
			return thAnswer{err: err}
		}
		var out struct {
			Token string `json:"token"`
		}
		json.Unmarshal([]byte(body), &out)
		return thAnswer{status: resp.StatusCode, body: body, header: resp.Header,
			signedIn: resp.StatusCode == http.StatusCreated && out.Token != ""}
	}},
}

// thParallel runs the attempts all at once and returns their answers in order.
func thParallel(attempts []func() thAnswer) []thAnswer {
	answers := make([]thAnswer, len(attempts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, try := range attempts {
		wg.Go(func() {
			<-start
			answers[i] = try()
		})
	}
	close(start)
	wg.Wait()
	return answers
}

// thHashes is how many password hashes the site has computed.
func thHashes(site *apptest.Site) int64 { return site.App.Accounts.Hashes.Stats().Total }

// thWantThrottled checks an answer is a refusal that says when to retry.
func thWantThrottled(t *testing.T, what string, a thAnswer) {
	t.Helper()
	if a.err != nil || a.status != http.StatusTooManyRequests || a.signedIn {
		t.Fatalf("%s: status %d, signed in %v (%v), want 429 and no sign-in", what, a.status, a.signedIn, a.err)
	}
	if !strings.Contains(a.body, "try again in ") || !strings.Contains(a.body, "emailed link") {
		t.Errorf("%s: the refusal does not say when to retry or to use an emailed link:\n%s", what, a.body)
	}
	if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 || s > int(accounts.SignInWindow/time.Second) {
		t.Errorf("%s: Retry-After %q, want seconds within the window", what, a.header.Get("Retry-After"))
	}
}

// 59 wrong passwords and the right one, all at once from one client: at
// most the limit of them have their password checked (twice the limit if
// the right one was among them: its success starts the budget afresh), so
// the right one gets in only if it was among the first admitted; after the
// burst the client is refused whatever it sends.
func TestThrottleParallelGuessesWithTheRightPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		owner := demoAccount(t, "subscriber")
		for i, door := range thDoors {
			t.Run(door.name, func(t *testing.T) {
				d := thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 11+i))
				attempts := make([]func() thAnswer, 60)
				for j := range attempts {
					password := fmt.Sprintf("guess-%02d", j)
					if j == 37 {
						password = owner.Password
					}
					attempts[j] = func() thAnswer { return door.signIn(d, owner.Email, password) }
				}
				hashesBefore := thHashes(site)
				answers := thParallel(attempts)
				checked, succeeded := 0, false
				for j, a := range answers {
					switch {
					case a.err != nil:
						t.Fatalf("attempt %d: %v", j, a.err)
					case a.signedIn:
						if j != 37 {
							t.Fatalf("wrong password %d signed in", j)
						}
						succeeded = true
						checked++
					case a.status == http.StatusUnauthorized:
						checked++
					case a.status == http.StatusTooManyRequests, a.status == http.StatusServiceUnavailable:
					default:
						t.Fatalf("attempt %d: status %d\n%s", j, a.status, a.body)
					}
				}
				limit := accounts.MaxSignInsAccountOnClient
				if succeeded {
					limit *= 2
				}
				if checked > limit {
					t.Errorf("%d passwords were checked in the burst (right one in: %v), want at most %d", checked, succeeded, limit)
				}
				if hashed := thHashes(site) - hashesBefore; hashed != int64(checked) {
					t.Errorf("%d hashes computed for %d answered checks: throttled attempts must not be checked", hashed, checked)
				}
				thWantThrottled(t, "the right password after the burst", door.signIn(d, owner.Email, owner.Password))
				t.Logf("%d checked, right one in: %v", checked, succeeded)
			})
		}
	})
}

// Wrong passwords sent from one client lock that client out of the
// account, and not the owner on their own device.
func TestThrottleGuessesElsewhereDoNotLockTheOwnerOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		owner := demoAccount(t, "subscriber")
		for i, door := range thDoors {
			t.Run(door.name, func(t *testing.T) {
				attacker := thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 21+2*i))
				ownDevice := thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 22+2*i))
				guesses := make([]func() thAnswer, accounts.MaxSignInsAccountOnClient)
				for j := range guesses {
					guesses[j] = func() thAnswer { return door.signIn(attacker, owner.Email, fmt.Sprintf("guess-%d", j)) }
				}
				for j, a := range thParallel(guesses) {
					if a.err != nil || a.status != http.StatusUnauthorized {
						t.Fatalf("guess %d: status %d (%v), want 401", j, a.status, a.err)
					}
				}
				thWantThrottled(t, "the attacker's next try", door.signIn(attacker, owner.Email, owner.Password))
				if a := door.signIn(ownDevice, owner.Email, owner.Password); !a.signedIn {
					t.Fatalf("the owner on their own device: status %d, not signed in\n%s", a.status, a.body)
				}
			})
		}
	})
}

// One client trying many accounts is stopped by its own limit.
func TestThrottleOneClientManyAccounts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		d := thDeviceAt(site, "127.0.0.31")
		door := thDoors[1]
		for j := range accounts.MaxSignInsClient {
			if a := door.signIn(d, fmt.Sprintf("someone%d@example.com", j), "a guessed password"); a.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d (%v), want 401", j, a.status, a.err)
			}
		}
		owner := demoAccount(t, "subscriber")
		thWantThrottled(t, "a new account from the same client", door.signIn(d, owner.Email, owner.Password))
		thWantThrottled(t, "the same client through the page", thDoors[0].signIn(d, owner.Email, owner.Password))

		site.Clock.Advance(accounts.SignInWindow)
		if a := door.signIn(d, owner.Email, owner.Password); !a.signedIn {
			t.Fatalf("after the window: status %d, not signed in", a.status)
		}
	})
}

// X-Forwarded-For from a peer that is not a trusted proxy is the client's
// own say, and a fresh one on each guess buys no fresh budget.
func TestThrottleIgnoresForgedForwardedFor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		owner := demoAccount(t, "subscriber")
		for i, door := range thDoors {
			t.Run(door.name, func(t *testing.T) {
				for j := range accounts.MaxSignInsAccountOnClient {
					d := thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 41+i))
					d.header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", j+1))
					if a := door.signIn(d, owner.Email, "a guessed password"); a.status != http.StatusUnauthorized {
						t.Fatalf("guess %d: status %d (%v), want 401", j, a.status, a.err)
					}
				}
				d := thDeviceAt(site, fmt.Sprintf("127.0.0.%d", 41+i))
				d.header.Set("X-Forwarded-For", "198.51.100.99")
				thWantThrottled(t, "with yet another forged address", door.signIn(d, owner.Email, owner.Password))
			})
		}
	})
}

// Behind a trusted proxy each client is told apart by the address the proxy
// recorded: one reader's guesses do not lock out another reader.
func TestThrottleBehindTrustedProxy(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			site := apptest.NewSiteWith(t, storetest.URL(t, engine), true, func(c *config.Config) {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			})
			owner := demoAccount(t, "subscriber")
			for i, door := range thDoors {
				guesser := thDeviceAt(site, "127.0.0.51")
				guesser.header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 1+2*i))
				reader := thDeviceAt(site, "127.0.0.51")
				reader.header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 2+2*i))
				for j := range accounts.MaxSignInsAccountOnClient {
					if a := door.signIn(guesser, owner.Email, "a guessed password"); a.status != http.StatusUnauthorized {
						t.Fatalf("%s: guess %d: status %d (%v), want 401", door.name, j, a.status, a.err)
					}
				}
				thWantThrottled(t, door.name+": the guesser", door.signIn(guesser, owner.Email, owner.Password))
				if a := door.signIn(reader, owner.Email, owner.Password); !a.signedIn {
					t.Fatalf("%s: another client behind the proxy: status %d, not signed in", door.name, a.status)
				}
			}
		})
	}
}
