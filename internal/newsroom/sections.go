package newsroom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
)

// Editors add, rename, order and delete the publication's sections.

// SectionStore keeps the sections.
type SectionStore interface {
	AddSection(ctx context.Context, slug, name string, at time.Time) (content.Section, error)
	RenameSection(ctx context.Context, id int64, name string, at time.Time) error
	MoveSection(ctx context.Context, id int64, by int, at time.Time) (bool, error)
	DeleteSection(ctx context.Context, id int64, at time.Time) error
	SetSectionVertical(ctx context.Context, id int64, vertical bool, at time.Time) error
}

// ErrSectionHasStories is returned for a section that still holds
// stories, or that a wire feed files into: the database refuses to
// delete it, and nothing changes.
var ErrSectionHasStories = fmt.Errorf("this section still holds stories or a wire feed's: file them in another section first: %w", dberr.ErrInUse)

// maxSectionName bounds a section's name: it fits the masthead's links.
const maxSectionName = 40

// AddSection adds a section after the others: its address is slug, or
// made from the name when slug is empty.
func (s *Service) AddSection(ctx context.Context, name, slug string) (content.Section, error) {
	name, bad := sectionName(name)
	if strings.TrimSpace(slug) == "" {
		slug = name
	}
	if slug = Slugify(slug); slug == "" && bad == nil {
		bad = invalid("slug", "use letters, digits and hyphens")
	}
	if bad != nil {
		return content.Section{}, bad
	}
	sec, err := s.Store.AddSection(ctx, slug, name, s.Now())
	if errors.Is(err, dberr.ErrConflict) {
		return sec, invalid("slug", "another section has this address")
	}
	return sec, err
}

// RenameSection gives a section a new name; its address stays.
func (s *Service) RenameSection(ctx context.Context, id int64, name string) error {
	name, bad := sectionName(name)
	if bad != nil {
		return bad
	}
	return s.Store.RenameSection(ctx, id, name, s.Now())
}

// MoveSection moves a section one place up (by -1) or down (by 1).
func (s *Service) MoveSection(ctx context.Context, id int64, by int) (bool, error) {
	return s.Store.MoveSection(ctx, id, by, s.Now())
}

// DeleteSection deletes a section that holds no story; one that does is
// refused with ErrSectionHasStories.
func (s *Service) DeleteSection(ctx context.Context, id int64) error {
	err := s.Store.DeleteSection(ctx, id, s.Now())
	if errors.Is(err, dberr.ErrInUse) {
		return ErrSectionHasStories
	}
	return err
}

// SetSectionVertical puts a section in the market-insights vertical, so
// that only readers with that benefit read its stories in full, or takes
// it out; its stories are read anew within the seconds the servers take
// to follow the content change log.
func (s *Service) SetSectionVertical(ctx context.Context, id int64, vertical bool) error {
	return s.Store.SetSectionVertical(ctx, id, vertical, s.Now())
}

func sectionName(v string) (string, *InvalidError) {
	name := content.TidyName(v)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return name, invalid("name", "a section needs a name")
	case n > maxSectionName:
		return name, invalid("name", fmt.Sprintf("at most %d characters", maxSectionName))
	}
	return name, nil
}
