// Package offer holds what the offer page says a subscription includes:
// an ordered list of benefits, each a title and a line of text, that
// admins edit. A benefit may name the publication with {{publication}},
// filled in with its name of the day.
package offer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"broadsheet/internal/dberr"
	"broadsheet/internal/settings"
)

// Benefit is one line of the list, as stored.
type Benefit struct {
	ID       int64
	Position int
	Title    string
	Body     string
}

// Shown is a benefit as readers see it, the publication's name filled in.
type Shown struct {
	Title string
	Body  string
}

// Store keeps the list.
type Store interface {
	// Benefits lists the benefits in order.
	Benefits(ctx context.Context) ([]Benefit, error)
	// CreateBenefit adds a benefit at the end of the list.
	CreateBenefit(ctx context.Context, title, body string) (int64, error)
	// UpdateBenefit changes a benefit's title and text; ErrNotFound if
	// there is none.
	UpdateBenefit(ctx context.Context, id int64, title, body string) error
	// DeleteBenefit deletes a benefit; ErrNotFound if there is none.
	DeleteBenefit(ctx context.Context, id int64) error
	// MoveBenefit swaps a benefit with the one before it (by -1) or
	// after it (by 1); at either end of the list it stays.
	// ErrNotFound if there is none.
	MoveBenefit(ctx context.Context, id int64, by int) error
}

// Service edits and shows the list.
type Service struct {
	Store Store
	// Publication is the publication's name, asked each time, as an
	// admin may rename it.
	Publication func() string
}

// Variables are what a benefit's title and text may use.
var Variables = map[string]string{
	"publication": "the publication's name",
}

// Limits of a benefit.
const (
	MaxTitle = 120
	MaxBody  = 500
)

// ErrNoBenefit: the benefit does not exist (deleted meanwhile).
var ErrNoBenefit = errors.New("that benefit does not exist any more")

// InputError is a benefit refused: what is wrong with it.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// Benefits lists the benefits as stored, for the admins.
func (s *Service) Benefits(ctx context.Context) ([]Benefit, error) { return s.Store.Benefits(ctx) }

// Shown lists the benefits as readers see them, in order.
func (s *Service) Shown(ctx context.Context) ([]Shown, error) {
	list, err := s.Store.Benefits(ctx)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{"publication": s.Publication()}
	out := make([]Shown, 0, len(list))
	for _, b := range list {
		// Stored benefits were checked when saved; one that no longer
		// parses (none can, today) is shown as written.
		out = append(out, Shown{Title: fill(b.Title, vars), Body: fill(b.Body, vars)})
	}
	return out, nil
}

func fill(src string, vars map[string]string) string {
	t, err := settings.ParseTemplateOf(src, Variables)
	if err != nil {
		return src
	}
	return t.Render(vars)
}

// check trims a benefit's title and text and says what is wrong with them.
func check(title, body string) (string, string, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	if n := utf8.RuneCountInString(title); n == 0 || n > MaxTitle || strings.ContainsAny(title, "\r\n") {
		return "", "", &InputError{fmt.Sprintf("The title must be one line of 1 to %d characters.", MaxTitle)}
	}
	if n := utf8.RuneCountInString(body); n > MaxBody {
		return "", "", &InputError{fmt.Sprintf("The text must be at most %d characters, not %d.", MaxBody, n)}
	}
	for _, f := range []struct{ what, src string }{{"title", title}, {"text", body}} {
		if _, err := settings.ParseTemplateOf(f.src, Variables); err != nil {
			return "", "", &InputError{fmt.Sprintf("The %s does not read: %v.", f.what, err)}
		}
	}
	return title, body, nil
}

// Add adds a benefit at the end of the list; an *InputError says what is
// wrong with it.
func (s *Service) Add(ctx context.Context, title, body string) error {
	title, body, err := check(title, body)
	if err != nil {
		return err
	}
	_, err = s.Store.CreateBenefit(ctx, title, body)
	return err
}

// Edit changes a benefit's title and text.
func (s *Service) Edit(ctx context.Context, id int64, title, body string) error {
	title, body, err := check(title, body)
	if err != nil {
		return err
	}
	return notFound(s.Store.UpdateBenefit(ctx, id, title, body))
}

// Delete deletes a benefit.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return notFound(s.Store.DeleteBenefit(ctx, id))
}

// Move moves a benefit one place up (towards the top of the list) or down.
func (s *Service) Move(ctx context.Context, id int64, up bool) error {
	by := 1
	if up {
		by = -1
	}
	return notFound(s.Store.MoveBenefit(ctx, id, by))
}

func notFound(err error) error {
	if errors.Is(err, dberr.ErrNotFound) {
		return ErrNoBenefit
	}
	return err
}
