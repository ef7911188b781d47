package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/demo"
)

// TestStaffPageOnAPhone: on a 390-pixel-wide phone an admin opens the
// staff page from the console and makes a reader an editor with its
// form. The page, with a long unbroken address listed and a refused
// address quoted in the error, never scrolls sideways.
func TestStaffPageOnAPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 60*time.Second), base: site.URL}
		b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		long := strings.Repeat("k", 60) + "@regional-bureau-of-the-broadsheet-in-thiruvananthapuram.example.com"
		if _, err := site.App.Accounts.Register(context.Background(), long, "a long password", accounts.RoleEditor); err != nil {
			t.Fatal(err)
		}
		var admin demo.Account
		for _, a := range demo.Accounts {
			if a.AccountRole == accounts.RoleAdmin {
				admin = a
			}
		}

		b.navigate("/login")
		b.waitVisible("#login-email")
		b.typeInto("#login-email", admin.Email)
		b.typeInto("#login-password", admin.Password)
		b.clickAndLoad(`#password-form button[type="submit"]`)
		b.navigate("/admin")
		b.clickAndLoad("#staff-link")
		b.waitVisible("#staff")
		if !strings.Contains(b.text("#staff"), long) {
			t.Fatal("the staff list does not show the long address")
		}
		b.assertFits("the staff page")

		reader := demoReader(t)
		b.typeInto("#role-email", reader.Email)
		b.do("choose editor", chromedp.SetValue(chromedp.CSS("#role-choice"), "editor"))
		b.clickAndLoad(`#role-form button[type="submit"]`)
		b.waitVisible(".notice")
		if !strings.Contains(b.text("#staff"), reader.Email) {
			t.Error("the reader made an editor is not listed")
		}
		b.assertFits("the staff page after a change")

		b.clear("#role-email")
		// The browser takes an address without a dot in its domain; the
		// server refuses it and quotes it back.
		b.typeInto("#role-email", strings.Repeat("x", 120)+"@localhost")
		b.clickAndLoad(`#role-form button[type="submit"]`)
		b.waitVisible("#staff-error")
		b.assertFits("the staff page with a long address refused")
		if shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90)); err == nil {
			path := filepath.Join(t.TempDir(), "staff.jpg")
			if err := os.WriteFile(path, shot, 0o644); err == nil {
				t.Logf("staff page screenshot: %s", path)
			}
		}
	})
}

// phoneWidth is a common phone's width in CSS pixels.
const phoneWidth = 390

// assertFits fails the test if the page is wider than the phone. It is
// measured against the phone, not the window: a mobile browser widens
// the window to a page that overflows, and shows it zoomed out.
func (b *tab) assertFits(what string) {
	b.t.Helper()
	var width int
	if err := b.eval(`document.documentElement.scrollWidth`, &width); err != nil {
		b.t.Fatal(err)
	}
	if width > phoneWidth {
		b.t.Errorf("%s is %d pixels wide on a phone %d wide", what, width, phoneWidth)
	}
}
