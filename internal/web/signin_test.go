package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
	"broadsheet/internal/demo"
	"broadsheet/internal/meter"
)

// siSignedInAs reports which email the browser's account page shows, or ""
// when the browser is sent to log in.
func siSignedInAs(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	resp := b.Get("/account")
	if resp.URL == "/login" {
		return ""
	}
	m := regexp.MustCompile(`id="account-email">([^<]+)<`).FindStringSubmatch(resp.Body)
	if resp.Status != http.StatusOK || m == nil {
		t.Fatalf("account page: status %d at %s without an email", resp.Status, resp.URL)
	}
	return m[1]
}

func TestRegisterSignsInAndLogoutSignsOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		page := b.Get("/register?next=/account")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `action="/register"`) ||
			!strings.Contains(page.Body, `name="next" value="/account"`) {
			t.Fatalf("register page: status %d\n%s", page.Status, page.Body)
		}

		for _, tc := range []struct {
			email, password string
			status          int
			message         string
		}{
			{"not-an-address", "long enough secret", http.StatusBadRequest, "is not an email address"},
			{"new@example.com", "short", http.StatusBadRequest, "at least 8 characters"},
			{demoAccount(t, "registered").Email, "long enough secret", http.StatusConflict, "already exists"},
		} {
			resp := b.Post("/register", url.Values{"email": {tc.email}, "password": {tc.password}, "next": {"/account"}})
			if resp.Status != tc.status || !strings.Contains(resp.Body, tc.message) {
				t.Errorf("register %q/%q: status %d, want %d with %q", tc.email, tc.password, resp.Status, tc.status, tc.message)
			}
			if b.Cookie("bs_session") != "" {
				t.Fatalf("register %q: refused, yet signed in", tc.email)
			}
		}

		resp := b.Post("/register", url.Values{"email": {"New.Reader@Example.com"}, "password": {"long enough secret"}, "next": {"/account"}})
		if resp.Status != http.StatusOK || resp.URL != "/account" {
			t.Fatalf("register: status %d at %s", resp.Status, resp.URL)
		}
		if !strings.Contains(resp.Body, "new.reader@example.com") || !strings.Contains(resp.Body, "You are signed in.") {
			t.Errorf("account page after registering lacks the email or the notice:\n%s", resp.Body)
		}
		if !strings.Contains(resp.Body, "You have no subscription.") || strings.Contains(resp.Body, `id="cancel-button"`) {
			t.Error("a new account's page should offer plans, not cancellation")
		}

		out := b.Post("/logout", nil)
		if out.Status != http.StatusOK || out.URL != "/" || !strings.Contains(out.Body, "You are signed out.") {
			t.Fatalf("logout: status %d at %s", out.Status, out.URL)
		}
		if !strings.Contains(out.Body, `id="nav-login"`) {
			t.Error("front page after logout still shows a signed-in masthead")
		}
		again := b.Get("/account")
		if again.URL != "/login" || strings.Contains(again.Body, "new.reader@example.com") {
			t.Errorf("/account after logout: at %s", again.URL)
		}
		if !strings.Contains(again.Body, `name="next" value="/account"`) {
			t.Error("the login page does not carry the way back to /account")
		}

		// The new password works from another device.
		other := site.NewBrowser()
		logIn(t, other, demo.Account{Email: "new.reader@example.com", Password: "long enough secret"}, "/")
		if email := siSignedInAs(t, other); email != "new.reader@example.com" {
			t.Errorf("signed in as %q", email)
		}
	})
}

func TestPasswordSignInIsThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		b := site.NewBrowser()
		wrong := url.Values{"email": {reader.Email}, "password": {"not the password"}, "next": {"/"}}
		resp := b.Post("/login", wrong)
		if resp.Status != http.StatusUnauthorized || !strings.Contains(resp.Body, "That email and password do not match an account.") {
			t.Fatalf("wrong password: status %d\n%s", resp.Status, resp.Body)
		}
		if !strings.Contains(resp.Body, `value="`+reader.Email+`"`) {
			t.Error("the email typed is not kept in the form")
		}
		if b.Cookie("bs_session") != "" {
			t.Fatal("a wrong password signed in")
		}
		for i := 2; i <= 5; i++ {
			if resp := b.Post("/login", wrong); resp.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: status %d", i, resp.Status)
			}
		}
		right := b.Post("/login", url.Values{"email": {reader.Email}, "password": {reader.Password}, "next": {"/"}})
		if right.Status != http.StatusTooManyRequests || !strings.Contains(right.Body, "Too many failed sign-ins") {
			t.Fatalf("right password after 5 wrong: status %d\n%s", right.Status, right.Body)
		}
		if b.Cookie("bs_session") != "" {
			t.Fatal("signed in while throttled")
		}
		// Another account from the same address is not locked out.
		logIn(t, site.NewBrowser(), demoAccount(t, "admin"), "/")

		site.Clock.Advance(16 * time.Minute)
		logIn(t, b, reader, "/")
	})
}

func TestSignInReturnsToTheStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		story := meteredStories(t, site, 1)[0]
		next := "/article/" + story.Slug
		b := site.NewBrowser()
		page := b.Get("/login?next=" + url.QueryEscape(next))
		for _, want := range []string{
			`action="/login"`, `action="/login/link"`, `action="/login/code"`,
			`name="next" value="` + next + `"`,
		} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
		if got := siLinkNext(t, page.Body, "/register"); got != next {
			t.Errorf("the register link carries next=%q, want %q", got, next)
		}
		resp := logIn(t, b, demoAccount(t, "registered"), next)
		if resp.URL != next || !strings.Contains(resp.Body, story.Headline) || !strings.Contains(resp.Body, "You are signed in.") {
			t.Errorf("after sign-in: at %s", resp.URL)
		}

		// A destination on another site is not followed.
		for _, evil := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
			resp := logIn(t, site.NewBrowser(), demoAccount(t, "registered"), evil)
			if resp.URL != "/" {
				t.Errorf("next %q led to %s", evil, resp.URL)
			}
		}
	})
}

// siLinkNext returns the next parameter of the first link to path on a page.
func siLinkNext(t *testing.T, body, path string) string {
	t.Helper()
	m := regexp.MustCompile(`href="(` + regexp.QuoteMeta(path) + `\?[^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link to %s", path)
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("next")
}

var (
	siLinkRE = regexp.MustCompile(`https?://\S+/login/link/([A-Za-z0-9_-]+)`)
	siCodeRE = regexp.MustCompile(`8-digit code on the sign-in page: (\d{8})\n`)
)

// siRequestLink asks for a sign-in email and returns its link path and code.
func siRequestLink(t *testing.T, site *apptest.Site, b *apptest.Browser, email, next string) (path, token, code string) {
	t.Helper()
	resp := b.Post("/login/link", url.Values{"email": {email}, "next": {next}})
	if resp.Status != http.StatusOK || resp.URL != "/login" || !strings.Contains(resp.Body, "a sign-in link and code are on their way") {
		t.Fatalf("asking for a link: status %d at %s\n%s", resp.Status, resp.URL, resp.Body)
	}
	if !regexp.MustCompile(`id="code-email" type="email" name="email" value="` + regexp.QuoteMeta(email) + `"`).MatchString(resp.Body) {
		t.Error("the code form is not prefilled with the email")
	}
	msgs, err := site.App.Store.Outbox(context.Background(), 1)
	if err != nil || len(msgs) != 1 || msgs[0].To != email {
		t.Fatalf("outbox: %v %+v", err, msgs)
	}
	l, c := siLinkRE.FindStringSubmatch(msgs[0].Body), siCodeRE.FindStringSubmatch(msgs[0].Body)
	if l == nil || c == nil {
		t.Fatalf("no link or code in:\n%s", msgs[0].Body)
	}
	if !strings.HasPrefix(l[0], site.URL+"/login/link/") {
		t.Errorf("link %s is not on the site", l[0])
	}
	return strings.TrimPrefix(l[0], site.URL), l[1], c[1]
}

func TestSignInByEmailedLink(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := demoAccount(t, "registered")
		story := meteredStories(t, site, 1)[0]
		next := "/article/" + story.Slug
		b := site.NewBrowser()

		if resp := b.Post("/login/link", url.Values{"email": {"nobody at all"}}); resp.Status != http.StatusBadRequest ||
			!strings.Contains(resp.Body, "is not an email address") {
			t.Errorf("bad address: status %d", resp.Status)
		}

		path, token, _ := siRequestLink(t, site, b, reader.Email, next)
		// A mail scanner opening the link, and the reader opening it,
		// both see a button; neither uses the link up.
		for i, opener := range []*apptest.Browser{site.NewBrowser(), b} {
			resp := opener.Get(path)
			if resp.Status != http.StatusOK || !strings.Contains(resp.Body, `id="link-confirm-button"`) ||
				!strings.Contains(resp.Body, `action="`+path+`"`) || !strings.Contains(resp.Body, reader.Email) {
				t.Fatalf("opening the link (%d): status %d\n%s", i, resp.Status, resp.Body)
			}
			if resp.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Error("the link page lets its address out in Referer headers")
			}
			if opener.Cookie("bs_session") != "" {
				t.Fatal("opening the link signed in without confirming")
			}
		}
		if _, err := site.App.Accounts.CheckLoginLink(ctx, token); err != nil {
			t.Fatalf("link used up by being opened: %v", err)
		}

		resp := b.Post(path, nil)
		if resp.Status != http.StatusOK || resp.URL != next || !strings.Contains(resp.Body, "You are signed in.") {
			t.Fatalf("confirming: status %d at %s", resp.Status, resp.URL)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Fatalf("signed in as %q", got)
		}

		other := site.NewBrowser()
		for _, resp := range []apptest.Response{other.Post(path, nil), other.Get(path)} {
			if resp.Status != http.StatusGone || !strings.Contains(resp.Body, "This sign-in link or code is wrong, used or expired") ||
				strings.Contains(resp.Body, `id="link-confirm-button"`) {
				t.Errorf("used link: status %d", resp.Status)
			}
		}
		if other.Cookie("bs_session") != "" {
			t.Error("a used link signed a second device in")
		}

		// The typed code of a second email.
		c := site.NewBrowser()
		_, _, code := siRequestLink(t, site, c, reader.Email, next)
		wrongCode := siWrongCode(0, code)
		bad := c.Post("/login/code", url.Values{"email": {reader.Email}, "code": {wrongCode}, "next": {next}})
		if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Body, "wrong, used or expired") || c.Cookie("bs_session") != "" {
			t.Fatalf("wrong code: status %d", bad.Status)
		}
		good := c.Post("/login/code", url.Values{"email": {reader.Email}, "code": {code}, "next": {next}})
		if good.Status != http.StatusOK || good.URL != next {
			t.Fatalf("right code: status %d at %s", good.Status, good.URL)
		}
		if got := siSignedInAs(t, c); got != reader.Email {
			t.Errorf("code signed in as %q", got)
		}
		// A code works once.
		d := site.NewBrowser()
		if again := d.Post("/login/code", url.Values{"email": {reader.Email}, "code": {code}}); again.Status != http.StatusUnauthorized {
			t.Errorf("code used twice: status %d", again.Status)
		}

		// A link past its lifetime is refused.
		e := site.NewBrowser()
		path, _, _ = siRequestLink(t, site, e, reader.Email, "/")
		site.Clock.Advance(21 * time.Minute)
		if resp := e.Get(path); resp.Status != http.StatusGone {
			t.Errorf("expired link: status %d", resp.Status)
		}
	})
}

func TestSignInCountsThisDevicesReadsOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		reader := demoAccount(t, "registered")
		s := meteredStories(t, site, 4)

		// The reader, on another device, read s[0] and s[2].
		other := site.NewBrowser()
		logIn(t, other, reader, "/")
		for _, a := range []*content.Article{s[0], s[2]} {
			if resp := other.Get("/article/" + a.Slug); strings.Contains(resp.Body, `id="paywall"`) {
				t.Fatalf("%s gated on the other device", a.Slug)
			}
		}

		// This device, anonymous, read s[0] and s[1].
		b := site.NewBrowser()
		b.Get("/")
		for _, a := range []*content.Article{s[0], s[1]} {
			if resp := b.Get("/article/" + a.Slug); strings.Contains(resp.Body, `id="paywall"`) {
				t.Fatalf("%s gated for the anonymous reader", a.Slug)
			}
		}

		logIn(t, b, reader, "/")
		acct, err := site.App.Store.AccountByEmail(ctx, reader.Email)
		if err != nil {
			t.Fatal(err)
		}
		month := meter.Month(site.Clock.Now(), site.App.Settings.Get().Location)
		if used, err := site.App.Store.MeterUsed(ctx, access.AccountMeterKey(acct.ID), month); err != nil || used != 3 {
			t.Fatalf("account's meter after sign-in: %d, %v; want 3, the union", used, err)
		}

		// All three count once: re-reading any is free, a fourth is not.
		for _, a := range []*content.Article{s[1], s[2]} {
			resp := b.Get("/article/" + a.Slug)
			if strings.Contains(resp.Body, `id="paywall"`) || !strings.Contains(resp.Body, "You have 0 of 3 free stories left this month.") {
				t.Errorf("re-reading %s after sign-in:\n%s", a.Slug, resp.Body)
			}
		}
		fourth := b.Get("/article/" + s[3].Slug)
		if !strings.Contains(fourth.Body, "You’ve reached your limit of 3 free articles this month.") || !strings.Contains(fourth.Body, `id="paywall"`) {
			t.Errorf("a fourth story after sign-in is not gated")
		}
	})
}

func TestSignInAlwaysStartsAFreshSession(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader, admin := demoAccount(t, "registered"), demoAccount(t, "admin")
		b := site.NewBrowser()
		b.Get("/")
		b.SetCookie("bs_session", "planted-by-someone-else")
		logIn(t, b, reader, "/")
		first := b.Cookie("bs_session")
		if first == "planted-by-someone-else" {
			t.Fatal("sign-in kept a session token it did not issue")
		}
		logIn(t, b, reader, "/")
		second := b.Cookie("bs_session")
		if second == first {
			t.Fatal("signing in again kept the session token")
		}
		// The replaced session is over, not merely forgotten.
		stale := site.NewBrowser()
		stale.SetCookie("bs_session", first)
		if got := siSignedInAs(t, stale); got != "" {
			t.Errorf("the replaced session still signs in as %q", got)
		}
		logIn(t, b, admin, "/")
		if third := b.Cookie("bs_session"); third == second || third == first {
			t.Error("switching accounts kept a session token")
		}
		if got := siSignedInAs(t, b); got != admin.Email {
			t.Errorf("after switching: signed in as %q", got)
		}
		// The device holds one session of its own, not one per sign-in.
		if devices := strings.Count(b.Get("/account").Body, `class="device"`); devices != 1 {
			t.Errorf("admin's account lists %d devices, want 1", devices)
		}
	})
}

func TestLogoutFromAnotherSiteIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		reader := demoAccount(t, "registered")
		b := site.NewBrowser()
		logIn(t, b, reader, "/")
		resp := b.Do(http.MethodPost, "/logout", strings.NewReader(""), http.Header{
			"Content-Type":   {"application/x-www-form-urlencoded"},
			"Sec-Fetch-Site": {"cross-site"},
		})
		if resp.Status != http.StatusForbidden {
			t.Errorf("cross-site logout: status %d", resp.Status)
		}
		if got := siSignedInAs(t, b); got != reader.Email {
			t.Errorf("after a cross-site logout: signed in as %q", got)
		}
	})
}
