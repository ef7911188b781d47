package store

import (
	"testing"
	"time"

	"broadsheet/internal/content"
)

// An imported story's first revision, its body encoded beforehand, is
// what the newsroom's revision of the same story is, byte for byte, even
// when its text looks like the JSON around it.
func TestImportRevisionAsNewsroom(t *testing.T) {
	for _, text := range []string{
		`Plain words.`,
		`"body":"" and "body":"x", <b>&amp;</b> \ "quoted" ` + "\n\t\u2028 हिन्दी",
		``,
	} {
		a := &content.Article{
			ID: 7, Slug: "s", Headline: `He said "body":""`, Summary: `"body":""` + text, Body: text + `"body":""`,
			Format: content.Markdown, SectionID: 3, Author: "Asha Rao", Access: content.Metered,
			Status: content.StatusPublished, PublishedAt: time.Date(1998, 3, 12, 9, 30, 0, 0, time.UTC),
			Authors: []content.Author{{ID: 4, Name: "Asha Rao"}}, Tags: []content.Tag{{ID: 5, Name: "Budget"}},
		}
		want, err := revisionJSON(a)
		if err != nil {
			t.Fatal(err)
		}
		st, err := PrepareImport(&content.Imported{Article: a, SourceID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.revisionJSON()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("revision\n got %s\nwant %s", got, want)
		}
		if a.Body != text+`"body":""` {
			t.Fatalf("body changed: %q", a.Body)
		}
	}
}
