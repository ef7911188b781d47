package access

// ShownCount is how many of a story's n paragraphs the decision lets the
// reader receive, and whether that is the whole story. Outputs that keep
// a story's paragraphs already rendered cut them with this, so they follow
// the same rule as Show.
func ShownCount(d Decision, n, leadParagraphs int) (shown int, full bool) {
	if d.Granted {
		return n, true
	}
	return min(max(leadParagraphs, 0), n), false
}
