package web

import (
	"context"
	"html/template"
	"slices"

	"broadsheet/internal/newsletter"
)

// newsletterBox is the newsletters' sign-up under every story, rendered
// when the lists or the titles of the benefits that open them change, and
// kept, one for signed-in readers (who join at once) and one for others
// (who sign up an address to confirm): the article page only writes one
// of them out.
type newsletterBox struct {
	lists               []boxList
	signedIn, signedOut template.HTML
}

// boxList is a list in the box, with the title of the benefit that opens
// it when it is gated, as the newsletters' page names it (benefitTitle).
type boxList struct {
	newsletter.List
	Opens string
}

// RefreshNewsletters renders the box again if the lists or their
// benefits' titles changed (here, or on another instance: the scheduler
// calls it).
func (s *Server) RefreshNewsletters(ctx context.Context) error {
	if s.Newsletters == nil {
		return nil
	}
	all, err := s.Newsletters.Lists(ctx)
	if err != nil {
		return err
	}
	lists := make([]boxList, len(all))
	for i, l := range all {
		lists[i] = boxList{List: l, Opens: s.benefitTitle(l.BenefitID)}
	}
	if old := s.newsletterBox.Load(); old != nil && slices.Equal(old.lists, lists) {
		return nil
	}
	box := &newsletterBox{lists: lists}
	if len(lists) > 0 {
		if box.signedIn, err = s.renderKept("newsletter-box", struct {
			Lists    []boxList
			SignedIn bool
		}{lists, true}); err != nil {
			return err
		}
		if box.signedOut, err = s.renderKept("newsletter-box", struct {
			Lists    []boxList
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
