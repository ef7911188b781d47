// Package offer holds what a subscription includes: an ordered list of
// benefits, each a title and a line of text that admins edit and a kind
// that says what it gives (premium stories, the archive, a partner's
// code...), and which plans include each. A benefit may name the
// publication with {{publication}}, filled in with its name of the day.
// The gates ask the Catalog, kept in memory, what a plan includes.
package offer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"broadsheet/internal/dberr"
	"broadsheet/internal/settings"
)

// Benefit is one line of the list, as stored.
type Benefit struct {
	ID       int64
	Position int
	Kind     Kind
	Title    string
	Body     string
}

// Shown is a benefit as readers see it, the publication's name filled in.
type Shown struct {
	ID    int64
	Kind  Kind
	Title string
	Body  string
	// Plans names the plans on offer that include it when some do not;
	// empty when every one does.
	Plans []string
}

// Store keeps the list.
type Store interface {
	// Benefits lists the benefits in order.
	Benefits(ctx context.Context) ([]Benefit, error)
	// CreateBenefit adds a benefit of kind at the end of the list.
	CreateBenefit(ctx context.Context, kind Kind, title, body string) (int64, error)
	// UpdateBenefit changes a benefit's title and text; ErrNotFound if
	// there is none.
	UpdateBenefit(ctx context.Context, id int64, title, body string) error
	// DeleteBenefit deletes a benefit; ErrNotFound if there is none,
	// dberr.ErrInUse if a newsletter list is gated by it.
	DeleteBenefit(ctx context.Context, id int64) error
	// MoveBenefit swaps a benefit with the one before it (by -1) or
	// after it (by 1); at either end of the list it stays.
	// ErrNotFound if there is none.
	MoveBenefit(ctx context.Context, id int64, by int) error
	// SetPlanBenefits makes the plan include exactly the benefits ids:
	// ErrNotFound if there is no such plan, dberr.ErrInUse if a benefit
	// does not exist (the database's foreign key), and then nothing
	// changes.
	SetPlanBenefits(ctx context.Context, planID int64, ids []int64) error
}

// Service edits and shows the list and what each plan includes.
type Service struct {
	Store Store
	// Catalog is the list and the plans' benefits as the gates read them;
	// each edit here reloads it.
	Catalog *Catalog
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

// Errors an admin is shown.
var (
	// ErrNoBenefit: the benefit does not exist (deleted meanwhile).
	ErrNoBenefit = errors.New("that benefit does not exist any more")
	// ErrNoPlan: the plan does not exist (deleted meanwhile).
	ErrNoPlan = errors.New("that plan does not exist any more")
	// ErrBuiltin: a built-in benefit is asked about by the gates: it is
	// left out of plans, not deleted.
	ErrBuiltin = errors.New("the gates of the site ask about this benefit, so it cannot be deleted: " +
		"untick it on each plan at /admin/plans to stop giving it")
	// ErrPartnerOffer: a partner offer's codes, claimed or not, are kept
	// with it.
	ErrPartnerOffer = errors.New("this benefit is a partner offer, whose codes readers have claimed or may claim, so it is kept: " +
		"untick it on each plan at /admin/plans to stop giving it")
	// ErrGatesNewsletter: a newsletter list is open only to readers whose
	// plan includes the benefit; deleting it would leave the list to
	// nobody, or to everybody.
	ErrGatesNewsletter = errors.New("a newsletter is open only to readers whose plan includes this benefit, so it is kept: " +
		"choose who receives that newsletter at /admin/newsletters first")
)

// Addable reports whether admins may add a benefit of the kind here: a
// line of text or a newsletters benefit. The built-in ones always exist
// and partner offers are added with their codes (package partner).
func Addable(k Kind) bool { return k == Info || k == Newsletters }

// InputError is a benefit refused: what is wrong with it.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// Benefits lists the benefits as stored, for the admins.
func (s *Service) Benefits(ctx context.Context) ([]Benefit, error) { return s.Store.Benefits(ctx) }

// Shown lists, in order, the benefits that plans on offer include, as
// readers see them: each names the plans that include it unless every
// plan on offer does. It reads the catalog, not the database.
func (s *Service) Shown() []Shown {
	snap := s.Catalog.Get()
	offered := 0
	for _, p := range snap.Plans() {
		if p.Active {
			offered++
		}
	}
	vars := s.vars()
	var out []Shown
	for _, b := range snap.Benefits() {
		plans := snap.PlansOffering(b.ID)
		if len(plans) == 0 {
			continue
		}
		sh := s.show(b, vars)
		if len(plans) < offered {
			for _, p := range plans {
				sh.Plans = append(sh.Plans, p.Name)
			}
		}
		out = append(out, sh)
	}
	return out
}

// PlanBenefits lists the benefits a plan includes, as readers see them,
// in order, from the catalog.
func (s *Service) PlanBenefits(planID int64) []Shown {
	snap := s.Catalog.Get()
	g := snap.Grants(planID)
	vars := s.vars()
	var out []Shown
	for _, b := range snap.Benefits() {
		if g.Includes(b.ID) {
			out = append(out, s.show(b, vars))
		}
	}
	return out
}

// Offered returns the built-in benefit of kind k as readers see it, and
// the names of the plans on offer that include it, in display order, from
// the catalog.
func (s *Service) Offered(k Kind) (Shown, []string) {
	snap := s.Catalog.Get()
	b, _ := snap.OfKind(k)
	var plans []string
	for _, p := range snap.PlansOffering(b.ID) {
		plans = append(plans, p.Name)
	}
	return s.Show(b), plans
}

// Show is one benefit as readers see it.
func (s *Service) Show(b Benefit) Shown { return s.show(b, s.vars()) }

func (s *Service) vars() map[string]string {
	return map[string]string{"publication": s.Publication()}
}

func (s *Service) show(b Benefit, vars map[string]string) Shown {
	// Stored benefits were checked when saved; one that no longer parses
	// (none can, today) is shown as written.
	return Shown{ID: b.ID, Kind: b.Kind, Title: fill(b.Title, vars), Body: fill(b.Body, vars)}
}

// Reload reads the catalog again, after a change made elsewhere (a plan
// added, the demo seeded).
func (s *Service) Reload(ctx context.Context) error { return s.Catalog.Reload(ctx) }

// Current reloads the catalog and returns it, for the admins' pages,
// which show what the database holds, not what this instance last read.
func (s *Service) Current(ctx context.Context) (*Snapshot, error) {
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s.Catalog.Get(), nil
}

// SetPlanBenefits makes a plan include exactly the benefits ids, in one
// transaction: a plan or benefit deleted meanwhile changes nothing.
func (s *Service) SetPlanBenefits(ctx context.Context, planID int64, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err := s.Store.SetPlanBenefits(ctx, planID, ids)
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return ErrNoPlan
	case errors.Is(err, dberr.ErrInUse):
		return ErrNoBenefit
	case err != nil:
		return err
	}
	return s.Reload(ctx)
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

// Add adds a benefit of kind (see Addable) at the end of the list; an
// *InputError says what is wrong with it.
func (s *Service) Add(ctx context.Context, kind Kind, title, body string) error {
	if !Addable(kind) {
		return &InputError{"A benefit added here is a line of text or curated newsletters."}
	}
	title, body, err := check(title, body)
	if err != nil {
		return err
	}
	if _, err = s.Store.CreateBenefit(ctx, kind, title, body); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// Edit changes a benefit's title and text.
func (s *Service) Edit(ctx context.Context, id int64, title, body string) error {
	title, body, err := check(title, body)
	if err != nil {
		return err
	}
	return s.reloaded(ctx, notFound(s.Store.UpdateBenefit(ctx, id, title, body)))
}

// Delete deletes a benefit, and with it its place in every plan; a
// built-in one is refused with ErrBuiltin, and one that gates a newsletter
// (the database's foreign key says so) with ErrGatesNewsletter.
func (s *Service) Delete(ctx context.Context, id int64) error {
	if b, ok := s.Catalog.Get().Benefit(id); ok && b.Kind.Builtin() {
		return ErrBuiltin
	} else if ok && b.Kind == Partner {
		return ErrPartnerOffer
	}
	err := s.Store.DeleteBenefit(ctx, id)
	if errors.Is(err, dberr.ErrInUse) {
		return ErrGatesNewsletter
	}
	return s.reloaded(ctx, notFound(err))
}

// Move moves a benefit one place up (towards the top of the list) or down.
func (s *Service) Move(ctx context.Context, id int64, up bool) error {
	by := 1
	if up {
		by = -1
	}
	return s.reloaded(ctx, notFound(s.Store.MoveBenefit(ctx, id, by)))
}

// reloaded reloads the catalog after an edit that went through.
func (s *Service) reloaded(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return s.Reload(ctx)
}

func notFound(err error) error {
	if errors.Is(err, dberr.ErrNotFound) {
		return ErrNoBenefit
	}
	return err
}
