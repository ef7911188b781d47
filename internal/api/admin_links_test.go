package api_test

import (
	"net/http"
	"slices"
	"testing"

	"broadsheet/internal/app/apptest"
)

// strings of a JSON list.
func stringsOf(v any) []string {
	out := []string{}
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// The newsroom's endpoints keep a story's authors and tags and return
// them as stored: a name typed in another case is the stored author's, a
// PATCH without tags keeps them, one with tags replaces them, and the
// list carries them too.
func TestAdminArticlesKeepAuthorsAndTags(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		b := site.NewBrowser()
		auth := signedInAs(t, b, "editor")
		story := newStory(t, site)
		story["tags"] = []string{"Parliament", "Monsoon session", "parliament"}
		_, a := create(t, b, auth, story)
		if got := stringsOf(a["tags"]); !slices.Equal(got, []string{"Parliament", "Monsoon session"}) {
			t.Errorf("tags %v, want Parliament and Monsoon session, each once", got)
		}
		path := storyPath(a)

		// Only the headline: the tags stay.
		resp, out := call(t, b, "PATCH", path, map[string]any{"headline": "Session opens"}, auth.Clone())
		if resp.Status != http.StatusOK || !slices.Equal(stringsOf(out["article"].(map[string]any)["tags"]), []string{"Parliament", "Monsoon session"}) {
			t.Fatalf("PATCH without tags: status %d: %s", resp.Status, resp.Body)
		}
		resp, out = call(t, b, "PATCH", path, map[string]any{"tags": []string{"Budget 2026"}, "authors": []string{"vikram sen"}}, auth.Clone())
		got := out["article"].(map[string]any)
		if resp.Status != http.StatusOK || !slices.Equal(stringsOf(got["tags"]), []string{"Budget 2026"}) ||
			!slices.Equal(stringsOf(got["authors"]), []string{"Vikram Sen"}) {
			t.Fatalf("PATCH with tags and a lower-case name: status %d: %s", resp.Status, resp.Body)
		}
		_, out = call(t, b, "GET", path, nil, auth.Clone())
		if got := out["article"].(map[string]any); !slices.Equal(stringsOf(got["tags"]), []string{"Budget 2026"}) ||
			!slices.Equal(stringsOf(got["authors"]), []string{"Vikram Sen"}) {
			t.Errorf("GET after the PATCH: tags %v, authors %v", got["tags"], got["authors"])
		}
		_, out = call(t, b, "GET", adminArticles+"?status=draft", nil, auth.Clone())
		found := false
		for _, item := range out["articles"].([]any) {
			if m := item.(map[string]any); m["id"] == a["id"] {
				found = slices.Equal(stringsOf(m["tags"]), []string{"Budget 2026"}) && slices.Equal(stringsOf(m["authors"]), []string{"Vikram Sen"})
			}
		}
		if !found {
			t.Errorf("the list lacks the story with its tags and authors: %v", out["articles"])
		}
		resp, out = call(t, b, "PATCH", path, map[string]any{"tags": []string{}, "authors": []string{}}, auth.Clone())
		if got := out["article"].(map[string]any); resp.Status != http.StatusOK || len(stringsOf(got["tags"])) != 0 || len(stringsOf(got["authors"])) != 0 {
			t.Errorf("PATCH with no tags nor authors: status %d: %s", resp.Status, resp.Body)
		}
	})
}
