package web

import (
	"context"
	"html/template"
	"slices"

	"broadsheet/internal/newsletter"
)

// newsletterBox is the newsletters' sign-up under every story, rendered
// when the lists change and kept, one for signed-in readers (who join at
// once) and one for others (who sign up an address to confirm): the
// article page only writes one of them out.
type newsletterBox struct {
	lists               []newsletter.List
	signedIn, signedOut template.HTML
}

// RefreshNewsletters renders the box again if the lists changed (here, or
// on another instance: the scheduler calls it).
func (s *Server) RefreshNewsletters(ctx context.Context) error {
	if s.Newsletters == nil {
		return nil
	}
	lists, err := s.Newsletters.Lists(ctx)
	if err != nil {
		return err
	}
	if old := s.newsletterBox.Load(); old != nil && slices.Equal(old.lists, lists) {
		return nil
	}
	box := &newsletterBox{lists: lists}
	if len(lists) > 0 {
		if box.signedIn, err = s.renderKept("newsletter-box", struct {
			Lists    []newsletter.List
			SignedIn bool
		}{lists, true}); err != nil {
			return err
		}
		if box.signedOut, err = s.renderKept("newsletter-box", struct {
			Lists    []newsletter.List
			SignedIn bool
		}{lists, false}); err != nil {
			return err
		}
	}
	s.newsletterBox.Store(box)
	return nil
}

// newsletterBoxFor is the box for a reader signed in or not; nothing
// before the lists are read or when there are none.
func (s *Server) newsletterBoxFor(signedIn bool) template.HTML {
	box := s.newsletterBox.Load()
	switch {
	case box == nil:
		return ""
	case signedIn:
		return box.signedIn
	}
	return box.signedOut
}
