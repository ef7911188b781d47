package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

var logoImg = regexp.MustCompile(`<a class="brand" href="/"><img src="(/media/[0-9a-f]{64}\.png)" alt="The Broadsheet Daily"`)

func TestPublicationLogo(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		free, _ := stories(t, site)
		story := "/article/" + free[0].Slug
		site.NewBrowser().Get(story) // kept with its masthead before the logo
		reader := signedIn(t, site, "registered reader")
		if resp := postWithFile(t, reader, "/admin/logo", nil, "logo", "logo.png", pngOf(t, 120, 40)); resp.Status != http.StatusForbidden {
			t.Errorf("a reader's logo upload: status %d, want 403", resp.Status)
		}
		editor := signedIn(t, site, "editor")
		if resp := postWithFile(t, editor, "/admin/logo", nil, "logo", "logo.png", pngOf(t, 120, 40)); resp.Status != http.StatusForbidden {
			t.Errorf("an editor's logo upload: status %d, want 403", resp.Status)
		}
		admin := signedIn(t, site, "admin")
		if resp := postWithFile(t, admin, "/admin/logo", nil, "logo", "logo.svg", []byte(`<svg onload="alert(1)"/>`)); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("an SVG logo: status %d, want 422", resp.Status)
		}
		if site.App.Settings.Get().Logo != "" {
			t.Fatal("a refused upload set a logo")
		}
		if resp := postWithFile(t, admin, "/admin/logo", nil, "logo", "logo.png", pngOf(t, 120, 40)); resp.Status != http.StatusOK {
			t.Fatalf("the admin's logo upload: status %d", resp.Status)
		}
		for _, path := range []string{"/", story, "/subscribe"} {
			m := logoImg.FindStringSubmatch(site.NewBrowser().Get(path).Body)
			if m == nil {
				t.Errorf("%s: the masthead does not show the logo", path)
				continue
			}
			if img := site.NewBrowser().Get(m[1]); img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
				t.Errorf("the logo %s: status %d", m[1], img.Status)
			}
		}
		if resp := admin.Post("/admin/logo", url.Values{"remove": {"1"}}); resp.Status != http.StatusOK {
			t.Fatalf("remove the logo: status %d", resp.Status)
		}
		if body := site.NewBrowser().Get(story).Body; strings.Contains(body, `class="logo"`) || !strings.Contains(body, `<a class="brand" href="/">The Broadsheet Daily</a>`) {
			t.Error("the logo is still shown after its removal")
		}
	})
}
