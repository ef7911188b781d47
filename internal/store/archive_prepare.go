package store

import (
	"strings"

	"broadsheet/internal/content"
)

// ImportStory is a story of an import file made ready for the store by
// the importer's workers, beside the writer: the encodings that take the
// length of its body (its rendered blocks as body_html stores them, and
// its body as its first revision stores it) are done once, off the
// writer's path, which is the import's slowest.
type ImportStory struct {
	*content.Imported
	rendered string // body_html
	body     string // the body as a JSON string
}

// PrepareImport makes st ready for ArchiveImport.Write. It is safe for
// concurrent use.
func PrepareImport(st *content.Imported) (*ImportStory, error) {
	rendered, err := renderedColumn(st.Article)
	if err != nil {
		return nil, err
	}
	body, err := marshalHTML(st.Article.Body)
	if err != nil {
		return nil, err
	}
	return &ImportStory{Imported: st, rendered: rendered, body: body}, nil
}

// bodyless is what a revision's JSON holds in place of the body, which is
// encoded fourth, after the slug, headline and summary: in a JSON string a
// quote is escaped, so this text can only be the field itself.
const bodyless = `"body":""`

// revisionJSON is revisionJSON(st.Article), with the body encoded
// beforehand.
func (st *ImportStory) revisionJSON() (string, error) {
	a := *st.Article
	a.Body = ""
	story, err := revisionJSON(&a)
	if err != nil {
		return "", err
	}
	at := strings.Index(story, bodyless)
	return story[:at] + `"body":` + st.body + story[at+len(bodyless):], nil
}
