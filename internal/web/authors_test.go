package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// authorsNamed returns the stored authors whose name is name, in any case.
func authorsNamed(t *testing.T, site *apptest.Site, name string) []content.Author {
	t.Helper()
	list, err := site.App.Store.Authors(context.Background(), "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []content.Author
	for _, au := range list {
		if strings.EqualFold(au.Name, name) {
			out = append(out, au)
		}
	}
	return out
}

// A byline naming someone new gives them a page, linked from the story;
// the same name typed in another case is the same author; a name seen only
// on a draft has no page until its story is out.
func TestAuthorFromABylineGetsAPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		id := newStory(t, editor, storyFields("authors", "Meher Contractor, Vikram Das", "tags", "Kharif, Rural economy"))
		a := storyByID(t, site, id)
		if a.Author != "Meher Contractor, Vikram Das" || len(a.Authors) != 2 || a.Authors[0].Slug != "meher-contractor" ||
			len(a.Tags) != 2 || a.Tags[1].Slug != "rural-economy" {
			t.Fatalf("byline %q, authors %+v, tags %+v", a.Author, a.Authors, a.Tags)
		}
		site.RunJobs()
		reader := site.NewBrowser()
		page := reader.Get("/article/" + a.Slug)
		for _, link := range []string{`href="/author/meher-contractor"`, `href="/author/vikram-das"`, `href="/tag/kharif"`, `href="/tag/rural-economy"`} {
			if !strings.Contains(page.Body, link) {
				t.Errorf("the story's page lacks the link %s", link)
			}
		}
		author := reader.Get("/author/meher-contractor")
		if author.Status != http.StatusOK || !strings.Contains(author.Body, "<h1>Meher Contractor</h1>") || !strings.Contains(author.Body, a.Headline) {
			t.Errorf("author page: status %d, or the name or story is missing", author.Status)
		}
		if tag := reader.Get("/tag/rural-economy"); tag.Status != http.StatusOK || !strings.Contains(tag.Body, a.Headline) {
			t.Errorf("tag page: status %d, or the story is missing", tag.Status)
		}

		// The same name in lower case is the same author, and the byline
		// shows the name as stored.
		second := storyByID(t, site, newStory(t, editor, storyFields("headline", "Second story", "authors", "meher  contractor")))
		if second.Author != "Meher Contractor" || len(authorsNamed(t, site, "Meher Contractor")) != 1 {
			t.Errorf("byline %q, %d authors named Meher Contractor; want the one author", second.Author, len(authorsNamed(t, site, "Meher Contractor")))
		}

		// A name only a draft carries has no page yet, nor a tag only it has.
		newStory(t, editor, storyFields("headline", "Secret hire", "authors", "Ira Quietly", "tags", "Merger talks", "status", "draft"))
		if len(authorsNamed(t, site, "Ira Quietly")) != 1 {
			t.Fatal("the draft's author was not created")
		}
		for _, path := range []string{"/author/ira-quietly", "/tag/merger-talks", "/author/nobody-at-all", "/tag/nothing"} {
			if resp := reader.Get(path); resp.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.Status)
			}
		}
	})
}

// Stories saved at once naming the same new authors, in either order,
// create each author once and link every story to them.
func TestStoriesSavedAtOnceCreateOneAuthor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		const n = 8
		ids := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				names := "Nandini Krishnan, Rohan Mehta"
				if i%2 == 1 {
					names = "Rohan Mehta, Nandini Krishnan"
				}
				resp := editor.Post("/admin/articles", storyFields("headline", "Story at once "+strconv.Itoa(i),
					"authors", names, "tags", "Same tag, Other tag"))
				if id, err := strconv.ParseInt(strings.TrimPrefix(resp.URL, "/admin/articles/"), 10, 64); err == nil && resp.Status == http.StatusOK {
					ids[i] = id
				} else {
					t.Errorf("save %d: status %d at %s", i, resp.Status, resp.URL)
				}
			})
		}
		wg.Wait()
		for _, name := range []string{"Nandini Krishnan", "Rohan Mehta"} {
			if got := authorsNamed(t, site, name); len(got) != 1 {
				t.Errorf("%d authors named %s, want 1: %+v", len(got), name, got)
			}
		}
		for i, id := range ids {
			if id == 0 {
				continue
			}
			a := storyByID(t, site, id)
			if len(a.Authors) != 2 || len(a.Tags) != 2 || a.Authors[0].ID == a.Authors[1].ID {
				t.Errorf("story %d: authors %+v, tags %+v", i, a.Authors, a.Tags)
			}
			// A save that failed on the authors and was retried under
			// another address would show here.
			if want := "story-at-once-" + strconv.Itoa(i); a.Slug != want {
				t.Errorf("story %d saved at %q, want %q", i, a.Slug, want)
			}
		}
	})
}

// An editor gives an author a bio and a photo and corrects their name: the
// author's page shows them, and every story of theirs, read before, shows
// the new name in its byline once the caches refresh. A name another
// author has is refused, and nothing changes.
func TestEditorRenamesAnAuthor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		id := newStory(t, editor, storyFields("authors", "Asha Rao, Vikram Das"))
		a := storyByID(t, site, id)
		site.RunJobs()
		reader := site.NewBrowser()
		if page := reader.Get("/article/" + a.Slug); !strings.Contains(page.Body, ">Asha Rao</a>") {
			t.Fatal("the story's page does not show its author before the rename")
		}
		asha := a.Authors[0]
		path := "/admin/authors/" + strconv.FormatInt(asha.ID, 10)
		if resp := editor.Get("/admin/authors"); resp.Status != http.StatusOK || !strings.Contains(resp.Body, `href="`+path+`"`) {
			t.Fatalf("authors list: status %d, or Asha Rao is missing", resp.Status)
		}
		photo := pngOf(t, 20, 20)
		resp := postWithFile(t, editor, path, url.Values{"name": {"Asha Rao-Menon"}, "bio": {"Covers farming.\n\nBased in Pune."}},
			"photo", "asha.png", photo)
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Author saved.") {
			t.Fatalf("save the author: status %d", resp.Status)
		}
		site.RunJobs()
		if got := storyByID(t, site, id); got.Author != "Asha Rao-Menon, Vikram Das" {
			t.Errorf("byline after the rename: %q", got.Author)
		}
		page := reader.Get("/article/" + a.Slug)
		if !strings.Contains(page.Body, ">Asha Rao-Menon</a>") || strings.Contains(page.Body, ">Asha Rao</a>") {
			t.Error("the story read before the rename still shows the old name")
		}
		profile := reader.Get("/author/" + asha.Slug)
		m := mediaSrc.FindStringSubmatch(profile.Body)
		if profile.Status != http.StatusOK || !strings.Contains(profile.Body, "<h1>Asha Rao-Menon</h1>") ||
			!strings.Contains(profile.Body, "Based in Pune.") || m == nil {
			t.Fatalf("author page after the edit: status %d, or the name, bio or photo is missing", profile.Status)
		}
		if img := reader.Get(m[1]); img.Status != http.StatusOK || img.Body != string(photo) {
			t.Errorf("the photo: status %d", img.Status)
		}

		// Restoring the story's first revision names her as she is
		// called now, not by the name she had then.
		restore := url.Values{"restore": {"1"}, "revision": {strconv.Itoa(storyByID(t, site, id).Revision)}}
		if resp := editor.Post("/admin/articles/"+strconv.FormatInt(id, 10)+"/restore", restore); resp.Status != http.StatusOK {
			t.Fatalf("restore: status %d", resp.Status)
		}
		if got := storyByID(t, site, id); got.Author != "Asha Rao-Menon, Vikram Das" || len(authorsNamed(t, site, "Asha Rao")) != 0 {
			t.Errorf("after restoring revision 1: byline %q, %d authors named Asha Rao again", got.Author, len(authorsNamed(t, site, "Asha Rao")))
		}

		// Vikram Das may not take Asha's name.
		vikram := "/admin/authors/" + strconv.FormatInt(a.Authors[1].ID, 10)
		resp = editor.Post(vikram, url.Values{"name": {"asha rao-menon"}})
		if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "another author has this name") {
			t.Errorf("a name taken: status %d", resp.Status)
		}
		if got := storyByID(t, site, id); got.Author != "Asha Rao-Menon, Vikram Das" {
			t.Errorf("a refused rename changed the byline to %q", got.Author)
		}
	})
}

// Readers cannot open or use the authors' and sections' console, and what
// they send changes nothing; signed out, they are sent to sign in.
func TestAuthorsAndSectionsConsoleIsForStaff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		a := storyByID(t, site, newStory(t, editor, storyFields()))
		author := "/admin/authors/" + strconv.FormatInt(a.Authors[0].ID, 10)
		secs, _ := site.App.Store.Sections(ctx)
		section := "/admin/sections/" + strconv.FormatInt(secs[len(secs)-1].ID, 10)
		empty := "/admin/sections/" + strconv.FormatInt(addSection(t, site, editor, "Empty desk").ID, 10)
		before, _ := site.App.Store.Sections(ctx)

		pages := []string{"/admin/authors", author, "/admin/sections"}
		for _, path := range pages {
			resp := coNoRedirect(t, site, http.MethodGet, path)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous GET %s: status %d, want 303 to sign in", path, resp.StatusCode)
			}
		}
		reader := signedIn(t, site, "registered reader")
		for _, path := range pages {
			if resp := reader.Get(path); resp.Status != http.StatusForbidden {
				t.Errorf("reader GET %s: status %d, want 403", path, resp.Status)
			}
		}
		posts := []struct {
			path string
			form url.Values
		}{
			{"/admin/sections", url.Values{"name": {"Reader's section"}}},
			{section, url.Values{"do": {"rename"}, "name": {"Renamed by a reader"}}},
			{section, url.Values{"do": {"up"}}},
			{empty, url.Values{"do": {"delete"}}},
			{author, url.Values{"name": {"Renamed by a reader"}, "bio": {"Reader's bio"}}},
		}
		for _, p := range posts {
			if resp := reader.Post(p.path, p.form); resp.Status != http.StatusForbidden {
				t.Errorf("reader POST %s %v: status %d, want 403", p.path, p.form, resp.Status)
			}
		}
		if resp := postWithFile(t, reader, author, url.Values{"name": {"Renamed by a reader"}}, "photo", "x.png", pngOf(t, 5, 5)); resp.Status != http.StatusForbidden {
			t.Errorf("reader's photo upload: status %d, want 403", resp.Status)
		}
		after, _ := site.App.Store.Sections(ctx)
		if len(after) != len(before) {
			t.Fatalf("a reader's posts changed the sections from %v to %v", before, after)
		}
		for i := range after {
			if after[i] != before[i] {
				t.Errorf("a reader's posts changed section %v to %v", before[i], after[i])
			}
		}
		if got, _ := site.App.Store.AuthorByID(ctx, a.Authors[0].ID); got.Name != a.Authors[0].Name || got.Bio != "" || got.Photo != "" {
			t.Errorf("a reader's posts changed the author to %+v", got)
		}
	})
}

// An author renamed again and again while editors save her stories: no
// save nor rename fails but for a stale revision, and every story's
// byline is its authors' names as they stand at the end.
func TestAuthorRenamedWhileHerStoriesAreSaved(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		var ids []int64
		for i := range 6 {
			ids = append(ids, newStory(t, editor, storyFields("headline", "Her story "+strconv.Itoa(i), "authors", "Asha Rao, Vikram Das")))
		}
		asha := storyByID(t, site, ids[0]).Authors[0]
		var wg sync.WaitGroup
		wg.Go(func() {
			for n := range 6 {
				form := url.Values{"name": {"Asha Rao " + strconv.Itoa(n)}}
				if resp := editor.Post("/admin/authors/"+strconv.FormatInt(asha.ID, 10), form); resp.Status != http.StatusOK {
					t.Errorf("rename %d: status %d", n, resp.Status)
				}
			}
		})
		for _, id := range ids {
			wg.Go(func() {
				for n := range 3 {
					a := storyByID(t, site, id)
					form := storyFields("headline", a.Headline+" "+strconv.Itoa(n), "authors", a.Author, "revision", strconv.Itoa(a.Revision))
					if resp := editor.Post("/admin/articles/"+strconv.FormatInt(id, 10), form); resp.Status != http.StatusOK && resp.Status != http.StatusConflict {
						t.Errorf("save story %d: status %d", id, resp.Status)
					}
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			a := storyByID(t, site, id)
			if a.Author != content.Byline(a.Authors) {
				t.Errorf("story %d: byline %q, authors %+v", id, a.Author, a.Authors)
			}
		}
	})
}
