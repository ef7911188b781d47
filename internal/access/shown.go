package access

import "broadsheet/internal/content"

// ShownCount is how many of a story's n paragraphs the decision lets the
// reader receive, and whether that is the whole story. A reader who may
// not read the story gets the lead, but never more than half of it: a
// short story (a two-paragraph brief) or a long lead setting must not hand
// over the whole text, and a one-paragraph story shows only its standfirst.
// Outputs that keep a story's paragraphs already rendered cut them with
// this, so they follow the same rule as Show.
func ShownCount(d Decision, n, leadParagraphs int) (shown int, full bool) {
	if d.Granted {
		return n, true
	}
	return min(max(leadParagraphs, 0), n/2), false
}

// Shown is the part of a story a reader may receive.
type Shown struct {
	Paragraphs []string
	Full       bool
}

// Show cuts a story to what the decision allows: everything, or the lead
// paragraphs. Every output renders from Shown, never from the article body.
func Show(a *content.Article, d Decision, leadParagraphs int) Shown {
	ps := a.Paragraphs()
	n, full := ShownCount(d, len(ps), leadParagraphs)
	return Shown{Paragraphs: ps[:n], Full: full}
}
