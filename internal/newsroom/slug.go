package newsroom

import "broadsheet/internal/content"

// Slugify makes an address from s (see content.Slugify, where the rule
// lives so the store can name an author or a tag by it too).
func Slugify(s string) string { return content.Slugify(s) }
