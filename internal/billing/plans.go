package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// PlanUse is a plan as the admins' plans page lists it, with what refers
// to it.
type PlanUse struct {
	Plan
	// Subscribers counts its subscriptions that have not ended: they
	// renew at it, retired or not.
	Subscribers int
	// Bought: a subscription or a payment refers to it, so it is kept,
	// and its term stays as it was bought.
	Bought bool
}

// PlanStore is what the admins' plan editor needs from the database.
type PlanStore interface {
	// AllPlans lists every plan, retired ones too, in display order.
	AllPlans(ctx context.Context) ([]*PlanUse, error)
	// CreatePlan adds a plan after the others; ErrConflict if its code
	// is taken.
	CreatePlan(ctx context.Context, p *Plan) (int64, error)
	// UpdatePlan changes the name, price, term and whether it is on offer
	// of the plan with p's id and code; ErrNotFound if there is none,
	// ErrTermFixed if its term would change though it was bought.
	UpdatePlan(ctx context.Context, p *Plan) error
	// DeletePlan deletes the plan with the id and code; ErrNotFound if
	// there is none, and dberr.ErrInUse, from the database's foreign
	// keys, if anything refers to it.
	DeletePlan(ctx context.Context, id int64, code string) error
}

// Limits of a plan.
const (
	MinPlanPrice    = money.Paise(100)        // ₹1
	MaxPlanPrice    = money.Paise(1000000_00) // ₹10,00,000
	MaxTermMonths   = 60
	maxPlanNameLen  = 60
	maxPlanCodeLen  = 40
	defaultCurrency = "INR"
)

// Errors of the plan editor.
var (
	// ErrTermFixed: renewals count a subscription's terms from its start
	// in the plan's term, so the term of a plan readers bought stays.
	ErrTermFixed = errors.New("readers have bought this plan, and their renewals are counted in its term, so its term cannot change: add a new plan with the new term and retire this one")
	// ErrPlanInUse: the database keeps a plan that subscriptions or
	// payments refer to.
	ErrPlanInUse = errors.New("readers have subscribed to this plan or paid for it, and their records refer to it, so it cannot be deleted: retire it instead, and it leaves the offer")
	// ErrPlanRetired answers a checkout of a plan no longer on offer.
	ErrPlanRetired error = planRetired{}
	// ErrPlanChanged answers a checkout whose plan's price or term
	// changed since the reader saw it: nothing is charged.
	ErrPlanChanged = errors.New("the price or term of this plan changed since you opened this page, and nothing was charged: check them and pay again")
)

type planRetired struct{}

func (planRetired) Error() string { return "this plan is no longer offered" }

// Is makes it an ErrUnknownPlan: there is no such plan on offer.
func (planRetired) Is(target error) bool { return target == ErrUnknownPlan }

// PlanError is a plan form refused: the field and what is wrong with it.
type PlanError struct {
	Field   string // name, code, price, term
	Message string
}

func (e *PlanError) Error() string { return e.Message }

// PlanForm is a plan as an admin typed it.
type PlanForm struct {
	Name string
	// Code is a new plan's address; a plan's code never changes, and
	// an edit names it as well as the id, so that a form left open on a
	// plan since deleted changes no other.
	Code   string
	Price  string // rupees, as typed: "2,700", "2700.50"
	Term   string // months
	Active bool
}

// parse checks the form and returns the plan it describes.
func (f PlanForm) parse(adding bool) (*Plan, error) {
	p := &Plan{Name: strings.TrimSpace(f.Name), Code: strings.ToLower(strings.TrimSpace(f.Code)), Currency: defaultCurrency, Active: f.Active}
	if n := utf8.RuneCountInString(p.Name); n == 0 || n > maxPlanNameLen || strings.ContainsAny(p.Name, "\r\n") {
		return nil, &PlanError{"name", fmt.Sprintf("The name must be one line of 1 to %d characters.", maxPlanNameLen)}
	}
	if adding && !validCode(p.Code) {
		return nil, &PlanError{"code", fmt.Sprintf("The code %q cannot be the plan's address (/subscribe/code): "+
			"use 2 to %d lowercase letters, digits and single hyphens, such as smart-essential.", f.Code, maxPlanCodeLen)}
	}
	price, err := money.ParseRupees(f.Price)
	if err != nil {
		return nil, &PlanError{"price", "The price " + err.Error() + "."}
	}
	if price < MinPlanPrice || price > MaxPlanPrice {
		return nil, &PlanError{"price", fmt.Sprintf("The price must be from %s to %s, not %s.", MinPlanPrice, MaxPlanPrice, price)}
	}
	p.Price = price
	term, err := strconv.Atoi(strings.TrimSpace(f.Term))
	if err != nil || term < 1 || term > MaxTermMonths {
		return nil, &PlanError{"term", fmt.Sprintf("The term must be a whole number of months from 1 to %d, not %q.", MaxTermMonths, f.Term)}
	}
	p.TermMonths = term
	return p, nil
}

func validCode(code string) bool {
	if len(code) < 2 || len(code) > maxPlanCodeLen || code[0] == '-' || code[len(code)-1] == '-' || strings.Contains(code, "--") {
		return false
	}
	for _, c := range code {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// AllPlans lists every plan, retired ones too, for the admins.
func (s *Service) AllPlans(ctx context.Context) ([]*PlanUse, error) { return s.Store.AllPlans(ctx) }

// AddPlan adds a plan from an admin's form; a *PlanError says what is
// wrong with it.
func (s *Service) AddPlan(ctx context.Context, f PlanForm) (*Plan, error) {
	p, err := f.parse(true)
	if err != nil {
		return nil, err
	}
	p.ID, err = s.Store.CreatePlan(ctx, p)
	if errors.Is(err, dberr.ErrConflict) {
		return nil, &PlanError{"code", fmt.Sprintf("A plan with the code %q exists already: choose another.", p.Code)}
	}
	return p, err
}

// EditPlan changes the name, price, term and whether it is on offer of the
// plan with the id and the form's code.
// A new price applies to new checkouts and to renewals from now on, which
// charge the plan's price of the day; a new term only to a plan nobody
// bought (ErrTermFixed). Its code stays. A retired plan leaves the offer
// and takes no new checkouts; its subscribers keep renewing at it.
func (s *Service) EditPlan(ctx context.Context, id int64, f PlanForm) (*Plan, error) {
	p, err := f.parse(false)
	if err != nil {
		return nil, err
	}
	p.ID = id
	if err := s.Store.UpdatePlan(ctx, p); err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, ErrUnknownPlan
		}
		return nil, err
	}
	return p, nil
}

// DeletePlan deletes the plan with the id and code if nobody ever
// subscribed to or paid for it; the database refuses any other
// (ErrPlanInUse).
func (s *Service) DeletePlan(ctx context.Context, id int64, code string) error {
	err := s.Store.DeletePlan(ctx, id, code)
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return ErrUnknownPlan
	case errors.Is(err, dberr.ErrInUse):
		return ErrPlanInUse
	}
	return err
}
