// Package content holds the publication's stories and sections as the rest of
// the product sees them. It knows nothing of storage or HTTP.
package content

import (
	"strings"
	"time"

	"broadsheet/internal/markup"
)

// Access is how a story is gated.
type Access string

const (
	// Free stories are open to everyone and never count against the meter.
	Free Access = "free"
	// Metered stories are open to subscribers and, up to the monthly free
	// limit, to everyone else.
	Metered Access = "metered"
	// Premium stories are open to subscribers only.
	Premium Access = "premium"
)

// Valid reports whether a is one of the known access levels.
func (a Access) Valid() bool { return a == Free || a == Metered || a == Premium }

// Section groups stories on the site (Markets, Economy, ...).
type Section struct {
	ID       int64
	Slug     string
	Name     string
	Position int
	// Vertical: the section is in the market-insights vertical, whose
	// stories only readers with that benefit read in full.
	Vertical bool
}

// Article is one story.
type Article struct {
	ID          int64
	Slug        string
	Headline    string
	Summary     string
	Body        string // paragraphs separated by blank lines
	SectionID   int64
	SectionSlug string
	SectionName string
	// Vertical: the story's section is in the market-insights vertical
	// (read with the story, so that deciding asks no query).
	Vertical bool
	Author   string // the byline: the authors' names joined
	// Authors and Tags are loaded with one story and in the newsroom's
	// list, not in the public lists: the authors in the byline's order,
	// the tags in the editor's.
	Authors     []Author
	Tags        []Tag
	Access      Access
	EditorsPick bool
	WireSource  string // the agency of a syndicated story; empty for our own
	PublishedAt time.Time
	UpdatedAt   time.Time
	Status      Status
	Format      Format
	// Rendered is a Markdown body's blocks, rendered and sanitized when
	// the story was saved; nil for a text body.
	Rendered []markup.Block
	Image    Image
	// Revision counts the story's saves; a save names the revision it
	// edited (see the newsroom).
	Revision int
	// WireDisclaimer is a wire story's own disclaimer, from its feed;
	// empty shows the publication's (settings.WireDisclaimer).
	WireDisclaimer string
}

// Image is a story's lead image, shown to every reader above the body.
type Image struct {
	Name          string // the file in the media store; "" for none
	Width, Height int
	Caption       string
	Credit        string
}

// Status is where a story stands in the newsroom.
type Status string

const (
	// StatusDraft stories are seen by staff only.
	StatusDraft Status = "draft"
	// StatusPublished stories are public from PublishedAt on: before it, they
	// are scheduled.
	StatusPublished Status = "published"
	// StatusUnpublished stories were taken down; staff still see them.
	StatusUnpublished Status = "unpublished"
)

// Format is how a story's body is written.
type Format string

const (
	// Text bodies are paragraphs separated by blank lines.
	Text Format = "text"
	// Markdown bodies are CommonMark with tables.
	Markdown Format = "markdown"
)

// Visible reports whether readers may find the story at now: published,
// and its time come.
func (a *Article) Visible(now time.Time) bool {
	return a.Status == StatusPublished && !a.PublishedAt.After(now)
}

// State names where the story stands at now as the console shows it:
// draft, scheduled, published or unpublished.
func (a *Article) State(now time.Time) string {
	if a.Status == StatusPublished && a.PublishedAt.After(now) {
		return "scheduled"
	}
	return string(a.Status)
}

// Blocks returns the story's body as blocks of HTML safe to send, in
// order: the unit the paywall's lead counts.
func (a *Article) Blocks() []markup.Block {
	if a.Format == Markdown {
		return a.Rendered
	}
	return markup.Paragraphs(a.Paragraphs())
}

// Premium reports whether only subscribers may read the story.
func (a *Article) Premium() bool { return a.Access == Premium }

// Paragraphs splits the body into its paragraphs.
func (a *Article) Paragraphs() []string { return SplitParagraphs(a.Body) }

// SplitParagraphs splits text on blank lines, dropping empty paragraphs.
func SplitParagraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// JoinParagraphs is the inverse of SplitParagraphs.
func JoinParagraphs(ps []string) string { return strings.Join(ps, "\n\n") }

// StoryFilter is what the newsroom's list of stories shows: every story,
// newest first, narrowed by state (draft, scheduled, published,
// unpublished; "" for all), section slug and words in the headline, a page
// of Limit stories with ids below Before (0: from the newest).
type StoryFilter struct {
	State   string
	Section string
	Query   string
	Before  int64
	Limit   int
	Now     time.Time
}

// Revision is one save of a story in the newsroom.
type Revision struct {
	Number  int
	By      string // the email of the account that saved it; "" if none
	SavedAt time.Time
	Changed []string // the fields it changed
}
