package content

import "strings"

// Author is a person stories are by. A story's byline (Article.Author) is
// its authors' names joined, kept as text so a story reads without them.
type Author struct {
	ID    int64
	Slug  string
	Name  string
	Bio   string // paragraphs separated by blank lines
	Photo string // a file of the media store; "" for none
}

// Tag is a subject stories are filed under besides their section. Tags
// are known by slug: two spellings with one slug are one tag.
type Tag struct {
	ID   int64
	Slug string
	Name string
}

// TidyName collapses the spaces in a name and trims it.
func TidyName(s string) string { return strings.Join(strings.Fields(s), " ") }

// NameKey is what tells one author's name from another's: the name
// tidied, in lower case, so that "asha rao" is Asha Rao.
func NameKey(name string) string { return strings.ToLower(TidyName(name)) }

// SplitNames splits names separated by commas, tidied, dropping empty ones.
func SplitNames(list string) []string {
	var out []string
	for _, n := range strings.Split(list, ",") {
		if n = TidyName(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// AuthorsOf is the authors a byline names, in its order, each once, with
// the slug their page would have if new.
func AuthorsOf(byline string) []Author {
	var out []Author
	seen := map[string]bool{}
	for _, n := range SplitNames(byline) {
		if k := NameKey(n); !seen[k] {
			seen[k] = true
			out = append(out, Author{Name: n, Slug: Slugify(n)})
		}
	}
	return out
}

// TagsOf is the tags a list separated by commas names, in its order, each
// slug once.
func TagsOf(list string) []Tag {
	var out []Tag
	seen := map[string]bool{}
	for _, n := range SplitNames(list) {
		if slug := Slugify(n); !seen[slug] {
			seen[slug] = true
			out = append(out, Tag{Name: n, Slug: slug})
		}
	}
	return out
}

// Byline joins authors' names as a story's byline shows them.
func Byline(authors []Author) string {
	names := make([]string, len(authors))
	for i, a := range authors {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// AuthorNames lists the story's authors' names: the linked authors', or
// for a story saved before authors were linked, its byline's.
func (a *Article) AuthorNames() []string {
	if len(a.Authors) == 0 {
		return SplitNames(a.Author)
	}
	names := make([]string, len(a.Authors))
	for i, au := range a.Authors {
		names[i] = au.Name
	}
	return names
}

// TagNames lists the story's tags' names.
func (a *Article) TagNames() []string {
	names := make([]string, len(a.Tags))
	for i, t := range a.Tags {
		names[i] = t.Name
	}
	return names
}
