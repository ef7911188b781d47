package content

// Imported is a story brought from a publication's older system, ready to
// store: Article as the newsroom would save it (rendered, sanitized, its
// authors and tags named), with what the import knows it by.
type Imported struct {
	Article *Article
	// SourceID is the story's id in the older system: importing it again
	// updates the story instead of adding another.
	SourceID string
	// Section names the story's section, created when no section has
	// its slug (Article.SectionSlug).
	Section string
	// OldPath is the story's address in the older system ("" for none),
	// which then redirects to it.
	OldPath string
	// SlugGiven says the slug was the file's, not made from the headline:
	// a re-import moves the story to it.
	SlugGiven bool
}
