package web_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/store/storetest"
)

// stRoles is who has a role, by email, as the accounts service lists them.
func stRoles(t *testing.T, site *apptest.Site) map[string]accounts.Role {
	t.Helper()
	staff, err := site.App.Accounts.Staff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]accounts.Role{}
	for _, m := range staff {
		out[m.Email] = m.Role
	}
	return out
}

func stAdmins(roles map[string]accounts.Role) int {
	n := 0
	for _, r := range roles {
		if r == accounts.RoleAdmin {
			n++
		}
	}
	return n
}

// The staff page and its form are the admins' alone: a visitor is sent to
// sign in, a reader and an editor are refused, and so is an admin's form
// sent from another site; nothing changes.
func TestStaffPageIsForAdmins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		before := stRoles(t, site)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			resp := coNoRedirect(t, site, method, "/admin/staff")
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/admin/staff") {
				t.Errorf("anonymous %s /admin/staff: status %d to %q, want 303 to sign in", method, resp.StatusCode, loc)
			}
		}
		reader := demoAccount(t, "registered")
		for _, who := range []string{"registered reader", "editor"} {
			b := site.NewBrowser()
			logIn(t, b, demoAccount(t, who), "/")
			if resp := b.Get("/admin/staff"); resp.Status != http.StatusForbidden {
				t.Errorf("%s GET /admin/staff: status %d, want 403", who, resp.Status)
			}
			for _, email := range []string{demoAccount(t, who).Email, reader.Email} {
				resp := b.Post("/admin/staff", url.Values{"email": {email}, "role": {"admin"}})
				if resp.Status != http.StatusForbidden {
					t.Errorf("%s making %s an admin: status %d, want 403", who, email, resp.Status)
				}
			}
			if resp := b.Post("/admin/staff", url.Values{"email": {demoAccount(t, "admin").Email}, "role": {"none"}}); resp.Status != http.StatusForbidden {
				t.Errorf("%s demoting the admin: status %d, want 403", who, resp.Status)
			}
		}
		// An admin's browser sending the form from another site (CSRF).
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		form := url.Values{"email": {reader.Email}, "role": {"admin"}}
		resp := admin.Do(http.MethodPost, "/admin/staff", strings.NewReader(form.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"}})
		if resp.Status != http.StatusForbidden {
			t.Errorf("the staff form from another site: status %d, want 403", resp.Status)
		}
		if after := stRoles(t, site); !maps.Equal(after, before) {
			t.Errorf("roles changed by readers, editors or another site: %v, were %v", after, before)
		}
	})
}

// An admin makes a reader an editor: the reader's device, already signed
// in, reads a premium story in full on its very next request; taking the
// role away puts the paywall back on the next one.
func TestStaffRoleAppliesOnTheNextRequest(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		_, premium := stories(t, site)
		story := "/article/" + premium[0].Slug
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		reader := demoAccount(t, "registered")
		device := site.NewBrowser()
		logIn(t, device, reader, "/")
		assertGated(t, device.Get(story), premium[0], 2)

		if !strings.Contains(admin.Get("/admin").Body, `href="/admin/staff"`) {
			t.Error("the admin console does not link to the staff page")
		}
		page := admin.Get("/admin/staff")
		if page.Status != http.StatusOK {
			t.Fatalf("GET /admin/staff: status %d", page.Status)
		}
		for _, s := range []string{`id="role-form"`, `name="email"`, `<option value="none"`,
			demoAccount(t, "admin").Email, demoAccount(t, "editor").Email, "Since 15 Nov 2026 10:00 IST"} {
			if !strings.Contains(page.Body, s) {
				t.Errorf("/admin/staff lacks %q", s)
			}
		}
		if strings.Contains(page.Body, reader.Email) {
			t.Error("a reader is listed as staff")
		}

		resp := admin.Post("/admin/staff", url.Values{"email": {strings.ToUpper(reader.Email)}, "role": {"editor"}})
		if resp.Status != http.StatusOK || resp.URL != "/admin/staff" || !strings.Contains(resp.Body, "The role is changed.") {
			t.Fatalf("making the reader an editor: status %d at %s", resp.Status, resp.URL)
		}
		if got := stRoles(t, site)[reader.Email]; got != accounts.RoleEditor {
			t.Fatalf("the reader's role is %q, want editor", got)
		}
		if !strings.Contains(resp.Body, reader.Email) {
			t.Error("the new editor is not listed")
		}
		assertFull(t, device.Get(story), premium[0])

		resp = admin.Post("/admin/staff", url.Values{"email": {reader.Email}, "role": {"none"}})
		if resp.Status != http.StatusOK || resp.URL != "/admin/staff" || strings.Contains(resp.Body, reader.Email) {
			t.Fatalf("taking the role away: status %d at %s", resp.Status, resp.URL)
		}
		if _, ok := stRoles(t, site)[reader.Email]; ok {
			t.Fatal("the reader is still staff")
		}
		assertGated(t, device.Get(story), premium[0], 2)
		if strings.Contains(admin.Get("/admin/staff").Body, "The role is changed.") {
			t.Error("the notice shows a second time")
		}
	})
}

// The only admin cannot step down, by either form; once there are two,
// both demoting the other at the same moment leaves exactly one admin,
// round after round.
func TestStaffLastAdminStays(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		boss, editor := demoAccount(t, "admin"), demoAccount(t, "editor")
		first := site.NewBrowser()
		logIn(t, first, boss, "/")
		for _, role := range []string{"editor", "none"} {
			resp := first.Post("/admin/staff", url.Values{"email": {boss.Email}, "role": {role}})
			if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, `id="staff-error"`) ||
				!strings.Contains(resp.Body, "the only administrator") {
				t.Errorf("the only admin made %s: status %d, want 409 with the reason", role, resp.Status)
			}
			if got := stRoles(t, site)[boss.Email]; got != accounts.RoleAdmin {
				t.Fatalf("the only admin is now %q", got)
			}
		}
		if resp := first.Get("/admin/staff"); resp.Status != http.StatusOK {
			t.Fatalf("the only admin, after being refused: status %d", resp.Status)
		}

		second := site.NewBrowser()
		logIn(t, second, editor, "/")
		if resp := first.Post("/admin/staff", url.Values{"email": {editor.Email}, "role": {"admin"}}); resp.Status != http.StatusOK {
			t.Fatalf("making the editor an admin: status %d", resp.Status)
		}
		for round := range 5 {
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			start := make(chan struct{})
			for i, c := range []struct {
				b     *apptest.Browser
				other string
			}{{first, editor.Email}, {second, boss.Email}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i] = c.b.Post("/admin/staff", url.Values{"email": {c.other}, "role": {"editor"}}).Status
				}()
			}
			close(start)
			wg.Wait()
			roles := stRoles(t, site)
			if stAdmins(roles) != 1 {
				t.Fatalf("round %d: roles %v (statuses %v), want one admin", round, roles, statuses)
			}
			// The winner lands back on the staff page (or, demoted, is
			// refused): exactly one 200.
			if (statuses[0] == http.StatusOK) == (statuses[1] == http.StatusOK) {
				t.Errorf("round %d: statuses %v, want one change and one refusal", round, statuses)
			}
			winner, loser := first, editor.Email
			if roles[boss.Email] != accounts.RoleAdmin {
				winner, loser = second, boss.Email
			}
			if resp := winner.Post("/admin/staff", url.Values{"email": {loser}, "role": {"admin"}}); resp.Status != http.StatusOK {
				t.Fatalf("round %d: making both admins again: status %d", round, resp.Status)
			}
		}
	})
}

// An unknown address, an address that is not one and a role that is not
// one are refused on the page with the reason, and change nothing.
func TestStaffRefusesUnknownEmailAndBadRole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		before := stRoles(t, site)
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		reader := demoAccount(t, "registered").Email
		for _, c := range []struct {
			form   url.Values
			reason string
		}{
			{url.Values{"email": {"nobody@example.com"}, "role": {"editor"}}, "No account has that email address."},
			{url.Values{"email": {"not an address"}, "role": {"editor"}}, "is not an email address"},
			{url.Values{"email": {reader}, "role": {"superuser"}}, "choose administrator, editor or none"},
			{url.Values{"email": {reader}, "role": {""}}, "choose administrator, editor or none"},
			{url.Values{"email": {reader}, "role": {"Admin"}}, "choose administrator, editor or none"},
			{url.Values{"email": {reader}}, "choose administrator, editor or none"},
		} {
			resp := admin.Post("/admin/staff", c.form)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("%v: status %d, want 422", c.form, resp.Status)
				continue
			}
			if !strings.Contains(resp.Body, `id="staff-error"`) || !strings.Contains(resp.Body, c.reason) {
				t.Errorf("%v: the page does not say %q", c.form, c.reason)
			}
			if !strings.Contains(resp.Body, `value="`+c.form.Get("email")+`"`) {
				t.Errorf("%v: the form does not keep the address", c.form)
			}
		}
		if after := stRoles(t, site); !maps.Equal(after, before) {
			t.Errorf("refused changes changed roles: %v, were %v", after, before)
		}
	})
}

// A role taken away through one instance applies on the account's next
// request to another instance on the same database, even one that read
// the account a moment before.
func TestStaffRoleTakenAwayAppliesAtOnceOnEveryInstance(t *testing.T) {
	dbURL := storetest.URL(t, "postgres")
	one := apptest.NewSiteOn(t, dbURL, true)
	two := apptest.NewSiteOn(t, dbURL, false)
	_, premium := stories(t, one)
	story := "/article/" + premium[0].Slug
	editor := demoAccount(t, "editor")
	device := two.NewBrowser()
	logIn(t, device, editor, "/")
	assertFull(t, device.Get(story), premium[0])

	admin := one.NewBrowser()
	logIn(t, admin, demoAccount(t, "admin"), "/")
	if resp := admin.Post("/admin/staff", url.Values{"email": {editor.Email}, "role": {"none"}}); resp.Status != http.StatusOK {
		t.Fatalf("taking the editor's role away: status %d", resp.Status)
	}
	assertGated(t, device.Get(story), premium[0], 2)
}
