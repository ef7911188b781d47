// Package content holds the publication's stories and sections as the rest of
// the product sees them. It knows nothing of storage or HTTP.
package content

import (
	"strings"
	"time"
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
	Author      string
	Access      Access
	EditorsPick bool
	WireSource  string // the agency of a syndicated story; empty for our own
	PublishedAt time.Time
	UpdatedAt   time.Time
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
