package archive

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"broadsheet/internal/content"
)

// GenOptions says what archive Generate makes.
type GenOptions struct {
	Stories int
	Since   int // the first year
	Until   time.Time
	Seed    uint64
}

// Generate writes a synthetic archive as an import file: opts.Stories
// stories from 1 January of opts.Since to opts.Until, oldest first, the
// newer years busier, in the sections of a general newspaper, by a
// staff of a few hundred with the odd shared byline, bodies of a few
// hundred words (about 3 KB; short briefs and long reads among them),
// one in twenty in Hindi, some as HTML, some as Markdown, each with its
// old address. The same options make the same file.
func Generate(w io.Writer, opts GenOptions) error {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	start := time.Date(opts.Since, 1, 1, 0, 0, 0, 0, time.UTC)
	if !opts.Until.After(start) {
		return fmt.Errorf("--since %d is not before %s", opts.Since, opts.Until.Format("2006-01-02"))
	}
	span := opts.Until.Sub(start)
	staff := make([]string, 300)
	for i := range staff {
		staff[i] = firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
	}
	hindiStaff := make([]string, 40)
	for i := range hindiStaff {
		hindiStaff[i] = hindiFirst[rng.IntN(len(hindiFirst))] + " " + hindiLast[rng.IntN(len(hindiLast))]
	}
	// Times are drawn and sorted in blocks so the file is oldest first
	// without holding every story: the density rises with the years
	// (t = u^0.7 of the span puts more stories near the end).
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	times := make([]time.Duration, opts.Stories)
	for i := range times {
		times[i] = time.Duration(math.Pow(rng.Float64(), 0.7) * float64(span))
	}
	slices.Sort(times)
	var body strings.Builder
	for i := range opts.Stories {
		at := start.Add(times[i]).Truncate(time.Second)
		hindi := rng.IntN(20) == 0
		sec := sections[rng.IntN(len(sections))]
		rec := Record{
			ID:          json.RawMessage(fmt.Sprintf(`"ar-%07d"`, i+1)),
			Section:     sec.name,
			PublishedAt: at.Format(time.RFC3339),
			Access:      accessOf(rng),
		}
		var words []string
		if hindi {
			words = hindiWords
			rec.Authors = names{hindiStaff[rng.IntN(len(hindiStaff))]}
		} else {
			words = sec.words
			rec.Authors = names{staff[rng.IntN(len(staff))]}
			if rng.IntN(8) == 0 {
				rec.Authors = append(rec.Authors, staff[rng.IntN(len(staff))])
			}
		}
		rec.Headline = sentence(rng, words, 5+rng.IntN(7), false)
		rec.Standfirst = sentence(rng, words, 15+rng.IntN(15), true)
		for range rng.IntN(4) {
			rec.Tags = append(rec.Tags, sec.tags[rng.IntN(len(sec.tags))])
		}
		paragraphs := 6 + rng.IntN(8)
		switch rng.IntN(10) {
		case 0:
			paragraphs = 2 + rng.IntN(2) // a brief
		case 1:
			paragraphs = 20 + rng.IntN(20) // a long read
		}
		body.Reset()
		html := rng.IntN(3) == 0
		if html {
			rec.Format = "html"
		}
		for p := range paragraphs {
			text := sentence(rng, words, 12+rng.IntN(14), true) + " " + sentence(rng, words, 10+rng.IntN(14), true)
			switch {
			case html && p == 3:
				body.WriteString("<h2>" + sentence(rng, words, 4, false) + "</h2>\n")
			case !html && p == 3:
				body.WriteString("## " + sentence(rng, words, 4, false) + "\n\n")
			}
			if html {
				body.WriteString("<p>" + text + "</p>\n")
			} else {
				body.WriteString(text + "\n\n")
			}
		}
		rec.Body = body.String()
		slug := content.Slugify(rec.Headline)
		rec.URL = fmt.Sprintf("https://www.example.com/%s/%s/%s-%d.html", sec.slug, at.Format("2006/01/02"), slug, i+1)
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func accessOf(rng *rand.Rand) string {
	switch n := rng.IntN(10); {
	case n < 2:
		return "free"
	case n < 9:
		return "metered"
	default:
		return "premium"
	}
}

// sentence strings n words, capitalized, with a full stop when full.
func sentence(rng *rand.Rand, words []string, n int, full bool) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := words[rng.IntN(len(words))]
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	if full {
		if isHindi(words) {
			b.WriteString("।")
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func isHindi(words []string) bool { return &words[0] == &hindiWords[0] }

// withCommon adds the common words to each section's own.
func withCommon(list []section) []section {
	for i := range list {
		list[i].words = append(list[i].words, commonWords...)
	}
	return list
}

type section struct {
	name, slug string
	words      []string
	tags       []string
}

var sections = withCommon([]section{
	{"News", "news", strings.Fields("city council police court hospital school road flood fire mayor residents water bus station"), []string{"Local", "Courts", "Transport", "Health"}},
	{"Politics", "politics", strings.Fields("minister parliament election vote party coalition bill opposition budget policy campaign senator"), []string{"Elections", "Parliament", "Budget"}},
	{"Business", "business", strings.Fields("market shares profit bank inflation interest rates company investors exports growth merger"), []string{"Markets", "Economy", "Banking", "Startups"}},
	{"World", "world", strings.Fields("border summit treaty embassy refugees ceasefire talks envoy capital protest sanctions"), []string{"Diplomacy", "Asia", "Europe", "Africa"}},
	{"Sport", "sport", strings.Fields("match goal cricket final season coach league wicket tournament striker champions"), []string{"Cricket", "Football", "Olympics"}},
	{"Culture", "culture", strings.Fields("film festival novel album gallery theatre director actor exhibition poet music"), []string{"Books", "Film", "Music", "Art"}},
	{"Science", "science", strings.Fields("researchers study climate species satellite vaccine genome telescope energy ocean"), []string{"Climate", "Space", "Medicine"}},
	{"Opinion", "opinion", strings.Fields("we argue should must readers letter editorial view debate reform"), []string{"Editorial", "Letters", "Columns"}},
})

var commonWords = strings.Fields(`the a of to in and on for with at by from after before over under
	new said says year years week today people city government report plan public first last
	more than about into would could also which their while when where amid against between`)

var hindiWords = strings.Fields(`और सरकार ने कहा कि के में से पर है था थे यह वह एक नई दिल्ली मुंबई चुनाव
	बजट मंत्री संसद किसान बारिश बाज़ार शेयर क्रिकेट मैच फ़िल्म शहर पुलिस अदालत अस्पताल स्कूल
	लोगों साल आज रिपोर्ट योजना विकास पानी बिजली सड़क राज्य देश विदेश समाचार खेल`)

var firstNames = strings.Fields(`Asha Rahul Priya Arjun Meera Vikram Ananya Rohan Kavya Siddharth Nisha Aditya
	Sarah James Emma Daniel Olivia Thomas Grace Samuel Leila Omar Fatima David Ruth Peter Irene Joseph`)

var lastNames = strings.Fields(`Rao Sharma Iyer Menon Gupta Singh Nair Das Kapoor Bose Reddy Joshi
	Smith Jones Brown Wilson Taylor Clarke Hughes Khan Ahmed Fernandes Pereira Mathew Thomas Varghese`)

var hindiFirst = strings.Fields(`अमित सुनीता राजेश पूजा संजय नेहा विनोद कविता अनिल रेखा`)

var hindiLast = strings.Fields(`शर्मा वर्मा गुप्ता सिंह यादव तिवारी मिश्रा पांडेय`)
