package web

import (
	"bytes"
	"errors"
	"html/template"
	"sync"

	"broadsheet/internal/accounts"
	"broadsheet/internal/settings"
)

// A shell is the page around a story, rendered once for a kind of reader
// from the same layout template as every other page, and cut where the
// parts of one page and one reader go. Serving the article page is then
// copying bytes: it is the hottest page by far, and running the layout
// template on every view was most of its cost.
type shell struct {
	segments []shellSegment
}

// shellSegment is literal bytes followed by a hole (or by nothing, last).
type shellSegment struct {
	literal []byte
	hole    shellHole
}

type shellHole int

const (
	holeNone   shellHole = iota
	holeTitle            // the headline, escaped for <title>
	holeHead             // description, Open Graph and JSON-LD tags
	holePath             // the page's path, escaped for the log-in link's query
	holeNotice           // a one-time notice, or nothing
	holeStory            // the story as the reader may see it
)

// Markers stand in for the holes while the layout renders. They are plain
// letters and digits, so every escaping context leaves them unchanged.
var holeMarkers = map[shellHole]string{
	holeTitle:  "bsHoleTitle7Q2",
	holeHead:   "bsHoleHead7Q2",
	holePath:   "bsHolePath7Q2",
	holeNotice: "bsHoleNotice7Q2",
	holeStory:  "bsHoleStory7Q2",
}

// shellKey is everything the page around a story depends on.
type shellKey struct {
	cfg      *settings.Settings
	nav      template.HTML
	signedIn bool
	admin    bool
	premium  bool // no Subscribe button
	ads      bool
}

func shellKeyFor(cfg *settings.Settings, nav template.HTML, v *viewer) shellKey {
	k := shellKey{cfg: cfg, nav: nav, premium: v.Entitlements.Premium, ads: !v.Entitlements.AdFree}
	if v.SignedIn() {
		k.signedIn, k.admin = true, v.Account.Role.IsAdmin()
	}
	return k
}

// shells keeps the few shells in use; a settings or section change makes
// new keys, and the old ones are dropped when the map fills.
type shells struct {
	mu sync.RWMutex
	m  map[shellKey]*shell
}

const maxShells = 64

func (s *Server) shell(k shellKey) (*shell, error) {
	s.shells.mu.RLock()
	sh, ok := s.shells.m[k]
	s.shells.mu.RUnlock()
	if ok {
		return sh, nil
	}
	sh, err := s.renderShell(k)
	if err != nil {
		return nil, err
	}
	s.shells.mu.Lock()
	if s.shells.m == nil || len(s.shells.m) >= maxShells {
		s.shells.m = make(map[shellKey]*shell)
	}
	s.shells.m[k] = sh
	s.shells.mu.Unlock()
	return sh, nil
}

// renderShell runs the layout for a reader of the key's kind with markers
// in the holes, then cuts the output at them.
func (s *Server) renderShell(k shellKey) (*shell, error) {
	v := &viewer{}
	if k.signedIn {
		v.Account = &accounts.Account{}
		if k.admin {
			v.Account.Role = accounts.RoleAdmin
		}
	}
	v.Entitlements.Premium, v.Entitlements.AdFree = k.premium, !k.ads
	p := &page{
		Title:       holeMarkers[holeTitle],
		Publication: k.cfg.Publication,
		SectionNav:  k.nav,
		Viewer:      v,
		Notice:      template.HTML(holeMarkers[holeNotice]),
		ShowAds:     k.ads,
		Path:        holeMarkers[holePath],
		Head:        template.HTML(holeMarkers[holeHead]),
		Data:        template.HTML(holeMarkers[holeStory]),
	}
	var buf bytes.Buffer
	if err := s.pages["article"].ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, err
	}
	return cutShell(buf.Bytes())
}

// cutShell splits rendered bytes at the hole markers, in the order they
// appear. Every hole but the path (only signed-out readers get a log-in
// link) must appear exactly once.
func cutShell(b []byte) (*shell, error) {
	sh := &shell{}
	seen := map[shellHole]int{}
	for {
		at, hole := -1, holeNone
		for h, m := range holeMarkers {
			if i := bytes.Index(b, []byte(m)); i >= 0 && (at < 0 || i < at) {
				at, hole = i, h
			}
		}
		if at < 0 {
			sh.segments = append(sh.segments, shellSegment{literal: bytes.Clone(b)})
			break
		}
		sh.segments = append(sh.segments, shellSegment{literal: bytes.Clone(b[:at]), hole: hole})
		seen[hole]++
		b = b[at+len(holeMarkers[hole]):]
	}
	for h := range holeMarkers {
		if seen[h] > 1 || (seen[h] == 0 && h != holePath) {
			return nil, errors.New("the layout does not have each part of the article page exactly once")
		}
	}
	return sh, nil
}

// pageParts fills a shell's holes for one view.
type pageParts struct {
	title, head, path, notice string
	story                     func(*bytes.Buffer)
}

// write puts the page together into buf.
func (sh *shell) write(buf *bytes.Buffer, p *pageParts) {
	for _, seg := range sh.segments {
		buf.Write(seg.literal)
		switch seg.hole {
		case holeTitle:
			buf.WriteString(p.title)
		case holeHead:
			buf.WriteString(p.head)
		case holePath:
			buf.WriteString(p.path)
		case holeNotice:
			buf.WriteString(p.notice)
		case holeStory:
			p.story(buf)
		}
	}
}
