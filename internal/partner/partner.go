// Package partner delivers partners' offers, such as a complimentary
// subscription to another publication: an admin creates an offer (a
// benefit of kind partner that plans include), imports its activation
// codes from CSV, and each subscriber with the benefit claims one code,
// once. The database gives each code to one reader and each reader one
// code per offer (unique constraints); claims of one offer take turns on
// its row, so that the stock left is counted exactly and the admins are
// emailed once each time it falls below the offer's threshold.
package partner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
	"broadsheet/internal/offer"
)

// Offer is a partner's offer: a benefit of kind partner (its Name and
// Description are the benefit's title and text), where readers redeem
// its codes, and how many are left.
type Offer struct {
	ID            int64 // the benefit's
	Name          string
	Description   string
	RedemptionURL string
	// LowStock is the threshold: the admins are emailed when the codes
	// left fall below it (0: never).
	LowStock int
	Left     int // codes not claimed
	Claimed  int
}

// Claim is a code a reader claimed.
type Claim struct {
	Offer     Offer
	Code      string
	ClaimedAt time.Time
}

// Store is what partner offers need from the database.
type Store interface {
	// PartnerOffers lists every offer in the benefits' order, with its
	// stock.
	PartnerOffers(ctx context.Context) ([]Offer, error)
	// PartnerOffer returns one offer with its stock; ErrNotFound if there
	// is none.
	PartnerOffer(ctx context.Context, id int64) (*Offer, error)
	// CreatePartnerOffer adds the offer, its benefit at the end of the
	// list, and includes it in the plans planIDs, in one transaction;
	// ErrInUse if a plan does not exist.
	CreatePartnerOffer(ctx context.Context, o *Offer, planIDs []int64) (int64, error)
	// UpdatePartnerOffer saves the offer's name, description, address and
	// threshold; ErrNotFound if there is none.
	UpdatePartnerOffer(ctx context.Context, o *Offer) error
	// ImportPartnerCodes adds the codes to the offer's stock, all or none:
	// it returns the indexes of those the offer has already (its unique
	// constraint), and then adds none. ErrNotFound if there is no offer.
	ImportPartnerCodes(ctx context.Context, offerID int64, codes []string, now time.Time) (dups []int, err error)
	// ClaimPartnerCode gives the account a code of the offer, holding the
	// offer's row: the one it claimed before if any (fresh false), else
	// one nobody has; ErrNoneLeft when none is. When the claim takes the
	// codes left below the offer's threshold it queues the admins' alert,
	// keyed by that crossing, in the same transaction.
	ClaimPartnerCode(ctx context.Context, offerID, accountID int64, now time.Time) (code string, fresh bool, err error)
	// PartnerClaims lists the codes the account claimed, newest first.
	PartnerClaims(ctx context.Context, accountID int64) ([]Claim, error)
	// AdminEmails lists the admins' addresses.
	AdminEmails(ctx context.Context) ([]string, error)
}

// Subscriptions tells the reader's current subscription.
type Subscriptions interface {
	Current(ctx context.Context, accountID int64) (*billing.Subscription, error)
}

// Service runs partner offers.
type Service struct {
	Store         Store
	Subscriptions Subscriptions
	// Access says what a reader's plan includes; Offer is told when an
	// offer is added or renamed, so that the plans' benefits are read anew.
	Access *access.Service
	Offer  *offer.Service
	Mail   mail.Sender
	Now    func() time.Time
	// BaseURL is where the admins' alert links to.
	BaseURL string
}

// Errors a reader or an admin is shown.
var (
	ErrNoOffer = errors.New("there is no such partner offer")
	// ErrNotIncluded: the reader's plan does not include the offer (or
	// their subscription gives no access now).
	ErrNotIncluded = errors.New("your subscription does not include this offer: see the plans that do at /subscribe")
	// ErrNoneLeft: every code has been claimed.
	ErrNoneLeft = errors.New("every code of this offer has been claimed, so none is left for you yet: we are getting more, so come back to this page in a few days")
)

// InputError is an offer form refused: the field and what is wrong.
type InputError struct {
	Field   string // name, description, url, low_stock, plans
	Message string
}

func (e *InputError) Error() string { return e.Message }

// Form is an offer as an admin typed it.
type Form struct {
	Name, Description, RedemptionURL, LowStock string
	Plans                                      []int64 // a new offer's plans
}

// Limits of an offer.
const (
	maxURL          = 500
	maxLowStock     = 1_000_000
	defaultLowStock = 10
)

// parse checks the form and returns the offer it describes.
func (f Form) parse() (*Offer, error) {
	o := &Offer{Name: strings.TrimSpace(f.Name), Description: strings.TrimSpace(f.Description), RedemptionURL: strings.TrimSpace(f.RedemptionURL)}
	if n := utf8.RuneCountInString(o.Name); n == 0 || n > offer.MaxTitle || strings.ContainsAny(o.Name, "\r\n") {
		return nil, &InputError{"name", fmt.Sprintf("The name must be one line of 1 to %d characters.", offer.MaxTitle)}
	}
	if n := utf8.RuneCountInString(o.Description); n > offer.MaxBody {
		return nil, &InputError{"description", fmt.Sprintf("The description must be at most %d characters, not %d.", offer.MaxBody, n)}
	}
	u, err := url.Parse(o.RedemptionURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(o.RedemptionURL) > maxURL {
		return nil, &InputError{"url", fmt.Sprintf("The redemption address must be a web address starting with https:// (at most %d characters), not %q.", maxURL, f.RedemptionURL)}
	}
	o.LowStock = defaultLowStock
	if s := strings.TrimSpace(f.LowStock); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxLowStock {
			return nil, &InputError{"low_stock", fmt.Sprintf("The alert threshold must be a whole number of codes from 0 to %d, not %q.", maxLowStock, f.LowStock)}
		}
		o.LowStock = n
	}
	return o, nil
}

// Offers lists every partner offer with its stock, for the admins.
func (s *Service) Offers(ctx context.Context) ([]Offer, error) { return s.Store.PartnerOffers(ctx) }

// Create adds an offer from an admin's form, included in the plans the
// form names; an *InputError says what is wrong with it.
func (s *Service) Create(ctx context.Context, f Form) (*Offer, error) {
	o, err := f.parse()
	if err != nil {
		return nil, err
	}
	o.ID, err = s.Store.CreatePartnerOffer(ctx, o, f.Plans)
	if errors.Is(err, dberr.ErrInUse) {
		return nil, &InputError{"plans", "A plan ticked was deleted meanwhile: nothing was added. Tick the plans again."}
	}
	if err != nil {
		return nil, err
	}
	return o, s.Offer.Reload(ctx)
}

// Edit saves an offer's name, description, redemption address and alert
// threshold. Which plans include it is set with the plans' benefits.
func (s *Service) Edit(ctx context.Context, id int64, f Form) error {
	o, err := f.parse()
	if err != nil {
		return err
	}
	o.ID = id
	if err := s.Store.UpdatePartnerOffer(ctx, o); errors.Is(err, dberr.ErrNotFound) {
		return ErrNoOffer
	} else if err != nil {
		return err
	}
	return s.Offer.Reload(ctx)
}

// Claim gives the reader a code of the offer: the one they claimed
// before, or a new one. A reader whose plan does not include the offer
// (asked of their subscription as it is now) is refused with
// ErrNotIncluded, and nothing changes.
func (s *Service) Claim(ctx context.Context, accountID, offerID int64) (*Claim, error) {
	b, ok := s.Offer.Catalog.Get().Benefit(offerID)
	if !ok || b.Kind != offer.Partner {
		return nil, ErrNoOffer
	}
	sub, err := s.Subscriptions.Current(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !s.Access.Entitlements(access.Viewer{AccountID: accountID, Subscription: sub}).Includes(b) {
		return nil, ErrNotIncluded
	}
	code, _, err := s.Store.ClaimPartnerCode(ctx, offerID, accountID, s.Now())
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return nil, ErrNoOffer
	case err != nil:
		return nil, err
	}
	return &Claim{Offer: Offer{ID: b.ID, Name: b.Title}, Code: code}, nil
}

// ReaderOffer is an offer as a reader's account page shows it: the code
// they claimed, or whether they may claim one and whether any is left.
type ReaderOffer struct {
	Offer
	Shown    offer.Shown // its name and description, the publication's name filled in
	Claim    *Claim
	Included bool // their plan includes it now
}

// ForReader lists the offers the reader's plan includes and those they
// claimed a code of (a code claimed stays theirs), in the benefits' order.
func (s *Service) ForReader(ctx context.Context, accountID int64, ent access.Entitlements) ([]ReaderOffer, error) {
	claims, err := s.Store.PartnerClaims(ctx, accountID)
	if err != nil {
		return nil, err
	}
	snap := s.Offer.Catalog.Get()
	var out []ReaderOffer
	for _, b := range snap.Benefits() {
		if b.Kind != offer.Partner {
			continue
		}
		ro := ReaderOffer{Included: ent.Includes(b), Shown: s.Offer.Show(b)}
		for i := range claims {
			if claims[i].Offer.ID == b.ID {
				ro.Claim = &claims[i]
			}
		}
		if !ro.Included && ro.Claim == nil {
			continue
		}
		o, err := s.Store.PartnerOffer(ctx, b.ID)
		if errors.Is(err, dberr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ro.Offer = *o
		out = append(out, ro)
	}
	return out, nil
}
