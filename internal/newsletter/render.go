package newsletter

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
	"broadsheet/internal/markup"
	"broadsheet/internal/settings"
)

//go:embed templates
var templateFiles embed.FS

// templates are an issue's email, as HTML and as text.
type templates struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

// Init parses the email's templates once: a broken one fails start-up,
// never a send.
func (s *Service) Init() error {
	h, err := htmltemplate.ParseFS(templateFiles, "templates/issue.html")
	if err != nil {
		return err
	}
	t, err := texttemplate.ParseFS(templateFiles, "templates/issue.txt")
	if err != nil {
		return err
	}
	s.templates = &templates{html: h, text: t}
	return nil
}

// newMarker makes what stands for a recipient's unsubscribe link in an
// email rendered once for every recipient who may see the same: each
// message is the rendering with its own link put in its place. It is a
// URL, so that the HTML template writes it as it is, and random for each
// edition, so that no story's text (a wire item's, say) can hold it.
func newMarker() string {
	var b [16]byte
	rand.Read(b[:])
	return "https://unsubscribe.invalid/" + hex.EncodeToString(b[:])
}

// StoryView is one story of an issue as one reader may receive it: its
// blocks cut by the access projection.
type StoryView struct {
	Headline, Summary, Section, URL string
	Premium                         bool
	Body                            []htmltemplate.HTML // sanitized blocks
	Text                            []string            // the same blocks' words
	Whole                           bool                // else the lead, and a link to the rest
}

// View is an issue as one reader may receive it.
type View struct {
	Issue       *Issue
	List        List
	Publication string
	Lang        string
	// Intro is the editor's intro by paragraph: empty for a reader not
	// entitled to the list, who sees the stories as the site would show
	// them and no more.
	Intro        []string
	Stories      []StoryView
	MayReceive   bool
	WebURL       string
	SubscribeURL string
	ManageURL    string
	Unsubscribe  string
}

// edition is an issue ready to send: its published stories read once,
// and each distinct cut of them rendered once and kept, so a send to a
// hundred thousand readers renders a handful of emails.
type edition struct {
	access  *access.Service
	issue   *Issue
	list    List
	tmpl    *templates
	stories []*content.Article
	blocks  [][]markup.Block
	cfg     *settings.Settings
	now     time.Time
	base    string
	host    string
	marker  string // see newMarker

	mu       sync.Mutex
	rendered map[uint64]*rendering
}

// rendering is one cut of an issue as an email, split where the
// recipient's unsubscribe link goes.
type rendering struct {
	subject           string
	htmlHead, htmlEnd string
	textHead, textEnd string
}

// edition reads an issue's stories: only those published by now, so a
// story taken down, or not out yet, is in no email or web view.
func (s *Service) edition(ctx context.Context, i *Issue, l List) (*edition, error) {
	now := s.Now()
	if s.templates == nil {
		return nil, errors.New("newsletter: Init was not called")
	}
	e := &edition{access: s.Access, issue: i, list: l, tmpl: s.templates, cfg: s.Settings(), now: now, base: s.BaseURL, marker: newMarker(), rendered: map[uint64]*rendering{}}
	if u, err := url.Parse(s.BaseURL); err == nil {
		e.host = u.Hostname()
	}
	if len(i.StoryIDs) > 64 {
		return nil, errors.New("an issue has too many stories") // check() allows MaxStories
	}
	for _, id := range i.StoryIDs {
		a, err := s.Stories.StoryByID(ctx, id)
		if errors.Is(err, dberr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if a.Visible(now) {
			e.stories = append(e.stories, a)
			e.blocks = append(e.blocks, a.Blocks())
		}
	}
	return e, nil
}

// cut says which stories reader v may receive whole, one bit each: what
// the projection decides for them, counting nothing against a meter (an
// email spends no free story: a metered story shows its lead, as in
// search results).
func (e *edition) cut(v access.Viewer) uint64 {
	var mask uint64
	for i, a := range e.stories {
		if e.access.Glance(v, a, e.now, e.cfg).Granted {
			mask |= 1 << i
		}
	}
	return mask
}

// view is the issue as reader v may receive it.
func (e *edition) view(v access.Viewer) *View {
	return e.viewOf(e.cut(v), MayReceive(e.access.EntitlementsAt(v, e.now), e.list))
}

func (e *edition) viewOf(mask uint64, receives bool) *View {
	vw := &View{
		Issue: e.issue, List: e.list, Publication: e.cfg.Publication, Lang: e.cfg.Language, MayReceive: receives,
		WebURL:       e.base + "/newsletters/" + e.list.Slug + "/" + strconv.FormatInt(e.issue.ID, 10),
		SubscribeURL: e.base + "/subscribe", ManageURL: e.base + "/newsletters",
	}
	if receives {
		vw.Intro = content.SplitParagraphs(e.issue.Intro)
	}
	for i, a := range e.stories {
		shown := access.Project(e.blocks[i], access.Decision{Granted: mask&(1<<i) != 0}, e.cfg.LeadParagraphs)
		sv := StoryView{Headline: a.Headline, Summary: a.Summary, Section: a.SectionName, Premium: a.Premium(),
			URL: e.base + "/article/" + a.Slug, Whole: shown.Whole}
		for _, b := range shown.Blocks {
			sv.Body = append(sv.Body, htmltemplate.HTML(b.HTML))
			sv.Text = append(sv.Text, b.Text)
		}
		vw.Stories = append(vw.Stories, sv)
	}
	return vw
}

// rendering renders, or finds rendered, the cut mask of the issue.
func (e *edition) rendering(mask uint64) (*rendering, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.rendered[mask]; ok {
		return r, nil
	}
	vw := e.viewOf(mask, true)
	vw.Unsubscribe = e.marker
	var h, t bytes.Buffer
	if err := e.tmpl.html.Execute(&h, vw); err != nil {
		return nil, err
	}
	if err := e.tmpl.text.Execute(&t, vw); err != nil {
		return nil, err
	}
	r := &rendering{subject: e.issue.Subject}
	var ok1, ok2 bool
	r.htmlHead, r.htmlEnd, ok1 = splitAt(h.String(), e.marker)
	r.textHead, r.textEnd, ok2 = splitAt(t.String(), e.marker)
	if !ok1 || !ok2 {
		return nil, errors.New("newsletter template: no unsubscribe link")
	}
	e.rendered[mask] = r
	return r, nil
}

// splitAt cuts s at its only occurrence of marker.
func splitAt(s, marker string) (head, end string, ok bool) {
	head, end, found := strings.Cut(s, marker)
	return head, end, found && !strings.Contains(end, marker)
}

// message is the email of the issue for reader v, whose own unsubscribe
// link is unsubscribe.
func (e *edition) message(v access.Viewer, unsubscribe string) (mail.Message, error) {
	r, err := e.rendering(e.cut(v))
	if err != nil {
		return mail.Message{}, err
	}
	return mail.Message{
		Subject: r.subject,
		HTML:    r.htmlHead + htmltemplate.HTMLEscapeString(unsubscribe) + r.htmlEnd,
		Body:    r.textHead + unsubscribe + r.textEnd,
		Headers: map[string]string{
			// RFC 8058: mail clients offer "unsubscribe" and POST
			// List-Unsubscribe=One-Click to the link, without sign-in.
			"List-Unsubscribe":      "<" + unsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"List-Id":               e.list.Name + " <" + e.list.Slug + ".list-id." + e.host + ">",
			"Precedence":            "bulk",
		},
	}, nil
}
