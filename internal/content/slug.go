package content

import (
	"strings"
	"unicode"
)

// maxSlug bounds a slug (a story's, an author's, a tag's), in characters.
const maxSlug = 80

// Slugify makes an address from s: lower-case letters and digits of any
// script (a Hindi headline keeps its words), runs of anything else turned
// into one hyphen, at most maxSlug characters, cut at a hyphen when it can.
func Slugify(s string) string {
	var b strings.Builder
	n, hyphen := 0, false
	for _, r := range strings.ToLower(s) {
		if n >= maxSlug {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) && b.Len() > 0 {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
				n++
			}
			b.WriteRune(r)
			n++
			hyphen = false
			continue
		}
		hyphen = true
	}
	slug := b.String()
	if n >= maxSlug {
		if i := strings.LastIndexByte(slug, '-'); i > maxSlug/2 {
			slug = slug[:i]
		}
	}
	return slug
}
