package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"broadsheet/e2e"
	"broadsheet/internal/app/apptest"
)

// TestAuthorsTagsAndSectionsOnAPhone: on a 390-pixel-wide phone an editor
// files a story under a long new author's name and a long tag, adds a
// section with a long name and moves it up, and gives the author a bio;
// the console's pages, the story, the author's page and the tag's page
// never scroll sideways.
func TestAuthorsTagsAndSectionsOnAPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := &tab{t: t, ctx: e2e.NewTab(t, 90*time.Second), base: site.URL}
		b.do("emulate a phone", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
		signInAs(b, demoAccount(t, "editor"))
		name := "Venkataraghavanarasimhaswamy Ramachandraprabhakaran"
		tag := "Interstatewaterdisputestribunalproceedings"

		b.navigate("/admin/articles/new")
		b.typeInto("#headline", "Tribunal hears the river dispute")
		b.setValue("#body", "The hearing opened on Monday.\n\nIt resumes next week.")
		b.setValue("#section", "politics")
		b.typeInto("#authors", name)
		b.typeInto("#tags", tag+", Rivers")
		b.setValue("#status", "published")
		b.clickAndLoad("#save-story")
		if got := b.text(".notice"); got != "Story saved." {
			t.Fatalf("after saving: notice %q", got)
		}
		b.assertFits("the story editor")

		b.navigate("/admin/sections")
		b.typeInto("#section-name", "Waterdisputesandinterstaterivers")
		b.clickAndLoad(`#section-form button[type="submit"]`)
		b.waitVisible("#sections")
		b.clickAndLoad(`#sections li:last-child button[value="up"]`)
		b.waitVisible(".notice")
		b.assertFits("the sections page")

		b.navigate("/admin/authors")
		b.waitVisible("#authors")
		b.assertFits("the authors page")
		authors, err := site.App.Store.Authors(context.Background(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, au := range authors {
			if au.Name == name {
				b.clickAndLoad(`#authors li[data-author="` + strconv.FormatInt(au.ID, 10) + `"] a`)
			}
		}
		b.setValue("#bio", strings.Repeat("Covers water and the courts. ", 20))
		b.clickAndLoad("#save-author")
		b.waitVisible(".notice")
		b.assertFits("the author's form")

		site.RunJobs()
		b.navigate("/article/tribunal-hears-the-river-dispute")
		b.waitVisible(".tags")
		b.assertFits("the story with its tags")
		b.clickAndLoad(`a[rel="author"]`)
		b.waitVisible("#author")
		if !strings.Contains(b.text("#author"), "Covers water") {
			t.Error("the author's page lacks the bio")
		}
		b.assertFits("the author's page")
		b.navigate("/article/tribunal-hears-the-river-dispute")
		b.clickAndLoad(`a[rel="tag"]`)
		if !strings.Contains(b.text("h1"), tag) {
			t.Errorf("the tag's page is headed %q", b.text("h1"))
		}
		b.assertFits("the tag's page")
	})
}
