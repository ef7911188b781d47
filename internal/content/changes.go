package content

import "time"

// ChangeKind says what happened to a story or a section.
type ChangeKind string

const (
	// Saved: a story was created or edited under the same slug.
	Saved ChangeKind = "saved"
	// SlugChanged: a story was saved under a new slug; OldSlug is the one
	// it left, which now names nothing.
	SlugChanged ChangeKind = "slug_changed"
	// Unpublished: a published story was taken off the site (its
	// publication moved into the future).
	Unpublished ChangeKind = "unpublished"
	// Deleted: a story was deleted.
	Deleted ChangeKind = "deleted"
	// SectionSaved: a section was created, renamed, moved or deleted;
	// Slug and SectionID are the section's, and every story in it shows
	// its name.
	SectionSaved ChangeKind = "section_saved"
)

// Change is one entry of the content change log, numbered by Seq in the
// order the changes were made.
type Change struct {
	Seq       int64
	Kind      ChangeKind
	ArticleID int64 // 0 for a section's change
	SectionID int64 // the story's section, or the section changed
	Slug      string
	OldSlug   string // set when the story's slug changed
	ChangedAt time.Time
}

// DropStale deletes from a cache of stories by slug the entries the changes
// make stale: the stories they name, under their old slugs too, and for a
// section's change every story of that section (sectionOf tells an entry's
// section), since each shows the section's name.
func DropStale[E any](m map[string]E, changes []Change, sectionOf func(E) int64) {
	for _, ch := range changes {
		if ch.Kind == SectionSaved {
			for slug, e := range m {
				if sectionOf(e) == ch.SectionID {
					delete(m, slug)
				}
			}
			continue
		}
		for _, slug := range ch.StorySlugs() {
			delete(m, slug)
		}
	}
}

// StorySlugs returns the story slugs whose copies the change makes stale:
// the slug, and the one left by a slug change. A section's change names
// no story slug (see SectionSaved).
func (c Change) StorySlugs() []string {
	switch {
	case c.Kind == SectionSaved:
		return nil
	case c.OldSlug != "" && c.OldSlug != c.Slug:
		return []string{c.Slug, c.OldSlug}
	default:
		return []string{c.Slug}
	}
}
