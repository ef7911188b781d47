package content

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A reader's search is parsed here, once, into a Query; the store renders
// the Query to each engine's own syntax, so nothing a reader types reaches
// an engine as syntax.
//
// The language: words, all of which must match; "a phrase in quotes";
// -word or -"phrase" to exclude; word* for a prefix. Anything between words
// that is not a letter, digit or mark separates words, as the indexes do,
// so "e-mail" is the phrase "e mail".

// Search limits: longer queries are refused rather than cut.
const (
	MaxSearchLength = 256 // bytes
	MaxSearchTerms  = 12
)

// Errors of a search that cannot be run, in words a reader can act on.
var (
	ErrSearchEmpty    = errors.New("type a word to search for")
	ErrSearchNoWord   = errors.New("a search needs at least one word to find, not only words to leave out")
	ErrSearchTooLong  = errors.New("the search is too long: use fewer words")
	ErrSearchNotUTF8  = errors.New("the search is not text")
	ErrSearchBadDates = errors.New("the start date is after the end date")
)

// Query is a parsed search: the stories that match every term.
type Query struct {
	Terms []Term
}

// Term is one part of a search: a word, or a phrase of words in order.
type Term struct {
	Words   []string // lower-cased letters, digits and marks only
	Prefix  bool     // the last word is a prefix
	Exclude bool     // stories matching the term are left out
}

// Positive returns the terms a story must match.
func (q Query) Positive() []Term {
	var out []Term
	for _, t := range q.Terms {
		if !t.Exclude {
			out = append(out, t)
		}
	}
	return out
}

// String is the query written back in the search language, normalised.
func (q Query) String() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Exclude {
			b.WriteByte('-')
		}
		if len(t.Words) > 1 {
			b.WriteByte('"')
		}
		b.WriteString(strings.Join(t.Words, " "))
		if len(t.Words) > 1 {
			b.WriteByte('"')
		}
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// ParseQuery parses a reader's search. An unclosed quote runs to the end;
// a lone - or * is ignored. A search with no word to find is an error.
func ParseQuery(s string) (Query, error) {
	if !utf8.ValidString(s) {
		return Query{}, ErrSearchNotUTF8
	}
	if len(s) > MaxSearchLength {
		return Query{}, ErrSearchTooLong
	}
	var q Query
	nwords := 0
	rest := strings.TrimSpace(s)
	for rest != "" {
		exclude := false
		if rest[0] == '-' {
			exclude, rest = true, rest[1:]
		}
		var raw string
		if rest != "" && rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				raw, rest = rest[1:], ""
			} else {
				raw, rest = rest[1:1+end], rest[2+end:]
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			raw, rest = rest[:end], rest[end:]
		}
		prefix := false
		if strings.HasPrefix(rest, "*") {
			// "a phrase"*: the star follows the closing quote.
			prefix, rest = true, rest[1:]
		}
		if strings.HasSuffix(raw, "*") {
			prefix = true
		}
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		words := SearchWords(raw)
		if len(words) == 0 {
			continue
		}
		q.Terms = append(q.Terms, Term{Words: words, Prefix: prefix, Exclude: exclude})
		if nwords += len(words); len(q.Terms) > MaxSearchTerms || nwords > 2*MaxSearchTerms {
			return Query{}, ErrSearchTooLong
		}
	}
	if len(q.Terms) == 0 {
		return Query{}, ErrSearchEmpty
	}
	if len(q.Positive()) == 0 {
		return Query{}, ErrSearchNoWord
	}
	return q, nil
}

// isWordRune reports whether r belongs to a word: a letter, digit or mark
// of any script (a Devanagari vowel sign is a mark inside its word). Both
// engines' indexes are set up to split text the same way.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// SearchWords splits text into lower-cased words as the search indexes do.
func SearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) })
}

// SearchSort orders search results.
type SearchSort string

// The orders of search results.
const (
	ByRelevance SearchSort = "relevance" // headline matches first, then standfirst, then body
	ByDate      SearchSort = "date"      // newest first
)

// SearchCursor is the place after the last result of a page: its score
// (for relevance) or time (for date), and its id.
type SearchCursor struct {
	Score       float64
	PublishedAt time.Time
	ID          int64
}

// SearchParams is one page of a search of the published stories.
type SearchParams struct {
	Query   Query
	Section string    // a section's slug; "" for all
	From    time.Time // published at or after; zero for no bound
	Until   time.Time // published before; zero for no bound
	Sort    SearchSort
	After   *SearchCursor
	Limit   int
	Now     time.Time // only stories published by now are found
}

// SearchResult is one story a search found, whole as stored: what of it a
// searcher may see is the access projection's to say.
type SearchResult struct {
	Article *Article
	Score   float64 // higher is more relevant; comparable within one search only
}

// Cursor returns the cursor of the page after r.
func (r SearchResult) Cursor() SearchCursor {
	return SearchCursor{Score: r.Score, PublishedAt: r.Article.PublishedAt, ID: r.Article.ID}
}

// Fragment is a piece of highlighted text: a match, or the text between.
type Fragment struct {
	Text  string
	Match bool
}

// Highlight splits text into fragments, marking each word the query looks
// for (a word of a term, or a word starting with a prefix term's last).
// Excluded terms are not marked.
func Highlight(text string, q Query) []Fragment {
	frags, _ := highlight(text, q)
	return frags
}

func highlight(text string, q Query) ([]Fragment, []int) {
	var out []Fragment
	var matches []int // indexes into out
	start := 0
	emit := func(s string, match bool) {
		if s == "" {
			return
		}
		if !match && len(out) > 0 && !out[len(out)-1].Match {
			out[len(out)-1].Text += s
			return
		}
		if match {
			matches = append(matches, len(out))
		}
		out = append(out, Fragment{Text: s, Match: match})
	}
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += size
		}
		if wordWanted(strings.ToLower(text[i:j]), q) {
			emit(text[start:i], false)
			emit(text[i:j], true)
			start = j
		}
		i = j
	}
	emit(text[start:], false)
	return out, matches
}

func wordWanted(w string, q Query) bool {
	for _, t := range q.Terms {
		if t.Exclude {
			continue
		}
		for k, tw := range t.Words {
			if w == tw || t.Prefix && k == len(t.Words)-1 && strings.HasPrefix(w, tw) {
				return true
			}
		}
	}
	return false
}

// SnippetWords is about how many words a snippet shows.
const SnippetWords = 30

// Snippet is a highlighted extract of text around its first match, or its
// start when nothing matches: about SnippetWords words, with an ellipsis
// where it is cut. Give it only text the searcher may read.
func Snippet(text string, q Query) []Fragment {
	text = strings.Join(strings.Fields(text), " ")
	words := strings.Split(text, " ")
	if text == "" {
		return nil
	}
	first := 0
	for i, w := range words {
		if _, m := highlight(w, q); len(m) > 0 {
			first = i
			break
		}
	}
	from := max(0, first-SnippetWords/3)
	to := min(len(words), from+SnippetWords)
	from = max(0, min(from, to-SnippetWords))
	extract := strings.Join(words[from:to], " ")
	if from > 0 {
		extract = "… " + extract
	}
	if to < len(words) {
		extract += " …"
	}
	return Highlight(extract, q)
}
