package e2e_test

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/demo"
)

// TestEditorPublishesAStory walks an editor through the newsroom in a real
// browser: a premium story with a lead image written and scheduled,
// previewed live and by its link, unseen until
// its time, then read as the paywall and a subscription allow; renamed,
// with the old address redirecting; unpublished, and gone.
func TestEditorPublishesAStory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		reader := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		signInAs(editor, demoAccount(t, "editor"))

		editor.navigate("/")
		editor.clickAndLoad("#nav-newsroom")
		editor.clickAndLoad("#new-story")
		editor.typeInto("#headline", "Reservoirs fill as the monsoon lingers")
		editor.typeInto("#standfirst", "Storage is at its highest in a decade.")
		editor.setValue("#body", "Reservoir storage rose again this week.\n\n## What it means\n\n"+
			"Winter crops will have water.\n\nPower utilities expect cheaper hydro output.\n\n"+
			"The central commission will update its figures on Friday.")
		editor.setValue("#section", "economy")
		editor.typeInto("#authors", "Meera Iyer")
		editor.setValue("#access", "premium")
		editor.do("choose the lead image", chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{photo(t)}))
		editor.typeInto("#image_caption", "The reservoir at dawn")
		editor.typeInto("#image_credit", "Photo: Staff")
		editor.setValue("#status", "scheduled")
		// The site's clock reads 10:00 in the publication's zone.
		editor.setValue("#publish_at", "2026-11-15T12:00")
		// The live preview follows the form: a premium story, whole for a
		// subscriber, cut at the paywall for everyone else.
		var sent bool
		if err := editor.eval(`document.getElementById("story-form").dispatchEvent(new Event("input", {bubbles: true}))`, &sent); err != nil {
			t.Fatal(err)
		}
		editor.waitVisible(`#live-preview[data-state="ready"] #preview-metered #paywall`)
		if live := editor.text("#live-preview #preview-subscriber"); !strings.Contains(live, "update its figures on Friday") {
			t.Errorf("the live preview for a subscriber lacks the end of the story: %q", live)
		}
		if live := editor.text("#live-preview #preview-metered"); strings.Contains(live, "update its figures on Friday") ||
			!strings.Contains(live, "premium") {
			t.Errorf("the live preview for other readers is not cut at the premium paywall: %q", live)
		}
		editor.clickAndLoad("#save-story")
		if got := editor.text(".notice"); got != "Story saved." {
			t.Fatalf("after saving: notice %q", got)
		}
		slug := editor.value("#slug")
		if slug != "reservoirs-fill-as-the-monsoon-lingers" {
			t.Errorf("slug made from the headline = %q", slug)
		}

		editor.clickAndLoad("#preview-link")
		editor.waitVisible("#preview-metered #paywall")
		if sub := editor.text("#preview-subscriber"); !strings.Contains(sub, "update its figures on Friday") {
			t.Error("the subscriber's preview lacks the end of the story")
		}
		if metered := editor.text("#preview-metered"); strings.Contains(metered, "update its figures on Friday") {
			t.Error("the metered reader's preview shows the end of the story")
		}

		reader.navigate("/article/" + slug)
		if got := reader.text("h1"); strings.Contains(got, "Reservoirs") {
			t.Fatal("a reader opened the story before its time")
		}
		site.Clock.Advance(2*time.Hour + time.Minute)
		site.RunJobs()
		reader.navigate("/")
		reader.clickAndLoad(`a[href="/article/` + slug + `"]`)
		reader.waitVisible("#paywall")
		var shown bool
		if err := reader.eval(`(i => !!i && i.complete && i.naturalWidth === 64)(document.querySelector('.lead-image img'))`, &shown); err != nil || !shown {
			t.Errorf("the reader does not see the story's lead image (%v)", err)
		}
		if caption := reader.text(".lead-image figcaption"); !strings.Contains(caption, "The reservoir at dawn") {
			t.Errorf("lead image caption %q", caption)
		}
		if body := reader.pageText(); !strings.Contains(body, "Reservoir storage rose again") || strings.Contains(body, "update its figures on Friday") {
			t.Error("the reader does not get the lead alone")
		}
		signInAs(reader, demoAccount(t, "subscriber"))
		reader.navigate("/article/" + slug)
		if body := reader.text("article"); !strings.Contains(body, "update its figures on Friday") || reader.count("#paywall") != 0 {
			t.Error("a subscriber does not read the story in full")
		}

		editor.navigate("/admin/articles?q=reservoirs")
		editor.clickAndLoad(`#stories a`)
		editor.clear("#slug")
		editor.typeInto("#slug", "reservoirs-at-decade-high")
		editor.clickAndLoad("#save-story")
		site.RunJobs()
		reader.navigate("/article/" + slug)
		if got := reader.location(); got != site.URL+"/article/reservoirs-at-decade-high" {
			t.Errorf("the old address led to %s, want the new one", got)
		}

		editor.setValue("#status", "unpublished")
		editor.clickAndLoad("#save-story")
		site.RunJobs()
		reader.navigate("/article/reservoirs-at-decade-high")
		if got := reader.text("h1"); strings.Contains(got, "Reservoirs") {
			t.Error("an unpublished story is still served")
		}
		reader.navigate("/")
		if strings.Contains(reader.pageText(), "Reservoirs fill") {
			t.Error("the home page still lists an unpublished story")
		}
	})
}

// photo writes a small PNG image for the editor to upload and returns its
// path.
func photo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for x := range 64 {
		img.Set(x, 20, color.RGBA{0, 90, 160, 255})
	}
	path := filepath.Join(t.TempDir(), "reservoir.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// signInAs signs the tab's browser in with a password.
func signInAs(b *tab, a demo.Account) {
	b.t.Helper()
	b.navigate("/login")
	b.typeInto("#login-email", a.Email)
	b.typeInto("#login-password", a.Password)
	b.clickAndLoad(`#password-form button[type="submit"]`)
}

func demoAccount(t *testing.T, role string) demo.Account {
	t.Helper()
	for _, a := range demo.Accounts {
		if strings.HasPrefix(a.Role, role) {
			return a
		}
	}
	t.Fatalf("no demo account with role %q", role)
	return demo.Account{}
}

// setValue sets a form field's value as a script would, for fields typing
// cannot fill reliably (selects, date pickers, long text).
func (b *tab) setValue(sel, v string) {
	b.t.Helper()
	q, _ := json.Marshal(sel)
	val, _ := json.Marshal(v)
	var ok bool
	if err := b.eval(`(f => { if (!f) return false; f.value = `+string(val)+`; return f.value === `+string(val)+` })(document.querySelector(`+string(q)+`))`, &ok); err != nil || !ok {
		b.t.Fatalf("set %s: no such field or value (%v)", sel, err)
	}
}
