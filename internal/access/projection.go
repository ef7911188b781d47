package access

import "broadsheet/internal/meter"

// Projection is the part of a story a reader may receive. Every output
// (the article page, the API, and the feeds, search snippets and
// newsletters to come) renders from one, never from the story itself, so
// gated text cannot leave through a side door.
type Projection[B any] struct {
	// Blocks are the story's first blocks, as many as the reader may
	// have: every one when Whole.
	Blocks []B
	Whole  bool
	// Paywall is why the rest is withheld; empty when Whole.
	Paywall meter.Reason
}

// Project cuts a story's blocks to what the decision allows. A reader
// granted the story gets every block; any other gets the lead, at most
// lead blocks (the lead_paragraphs setting) and never more than half the
// story, so a short brief or a long lead setting cannot hand over the
// whole text, and a one-block story shows only its standfirst.
//
// Blocks may be raw (a story's paragraphs) or kept rendered (the article
// page's HTML): outputs cut whatever they hold by the same rule.
func Project[B any](blocks []B, d Decision, lead int) Projection[B] {
	if d.Granted {
		return Projection[B]{Blocks: blocks, Whole: true}
	}
	n := min(max(lead, 0), len(blocks)/2)
	// Capped, so the withheld blocks cannot be reached by reslicing or
	// overwritten by an append.
	return Projection[B]{Blocks: blocks[:n:n], Paywall: d.Reason}
}
