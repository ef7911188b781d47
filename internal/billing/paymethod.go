package billing

// Replacing the payment method a subscription's renewals charge: the
// reader saves a new one on the provider's own page (a setup), like a
// checkout but without paying for a term, and comes back to
// SetupReturnPath. A past-due subscription's next retry is then brought
// forward to now, so that the overdue renewal is charged on the new method
// by the renewal engine, under its usual key.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// SetupRequest asks a provider for a page where the reader saves a payment
// method for later, off-session charges, without paying for a term.
type SetupRequest struct {
	Key         string // the setup's key; Lookup(Key, CheckoutPage.Ref) finds the outcome
	Currency    string
	Description string // what the method will pay for, shown on the provider's page
	// Amount is what one renewal charges, for a mandate's ceiling.
	Amount    money.Paise
	AccountID int64
	Email     string
	// Replaces is the token of the method being replaced, "" if none: a
	// provider may keep the new one with the same customer.
	Replaces string
	// ReturnURL is where the provider sends the reader back, saved or
	// not; CancelURL is for a reader who gives up.
	ReturnURL string
	CancelURL string
	ExpiresAt time.Time
}

// Setup statuses.
const (
	SetupPending = "pending"
	SetupSaved   = "saved"
	SetupFailed  = "failed"
)

// MethodSetup is a reader's replacement of a subscription's payment method,
// bound to the account and subscription it was begun for.
type MethodSetup struct {
	ID              int64
	Key             string
	AccountID       int64
	SubscriptionID  int64
	Gateway         string
	CheckoutRef     string
	Status          string
	Failure         string
	PaymentMethodID int64
	CreatedAt       time.Time
}

// MethodSetupStore is what replacing a payment method needs from the
// database.
type MethodSetupStore interface {
	// BeginMethodSetup records a pending setup, or returns the one with
	// the same key (which may be another account's: the caller checks).
	BeginMethodSetup(ctx context.Context, m *MethodSetup) (*MethodSetup, error)
	MethodSetupByKey(ctx context.Context, key string) (*MethodSetup, error)
	MethodSetupByID(ctx context.Context, id int64) (*MethodSetup, error)
	SetMethodSetupRef(ctx context.Context, id int64, ref string) error
	// FailMethodSetup records why a pending setup saved nothing.
	FailMethodSetup(ctx context.Context, id int64, failure string, now time.Time) error
	// SaveSetupMethod records, in one transaction under the account's
	// lock, the payment method a setup saved, makes it the one its
	// subscription's renewals charge, and, if the subscription is past
	// due and renewing, brings its next attempt forward to now. The
	// method is recorded once per setup key (a unique index): saved is
	// false, and nothing changes, when it already was. ErrNotFound if
	// the subscription ended meanwhile. sub is the subscription after it.
	SaveSetupMethod(ctx context.Context, setup *MethodSetup, m *PaymentMethod, now time.Time) (sub *Subscription, saved bool, err error)
}

// Errors of replacing a payment method.
var (
	// ErrUnknownSetup: no setup has that key, or it is another account's.
	ErrUnknownSetup = errors.New("there is no such payment method update")
	// ErrSetupNotFinished: the provider has no saved method under the
	// setup yet: the reader cancelled, or has not finished.
	ErrSetupNotFinished = errors.New("no new payment method was saved, and nothing changed")
)

// SetupReturnPath is where a provider sends the reader back from saving a
// payment method; SetupJob settles a setup a webhook told of.
const (
	SetupReturnPath = "/account/payment-method/return"
	SetupJob        = "method-setup"
)

// setupKey is the key of the setup one form on the account page begins.
func setupKey(accountID int64, formKey string) string {
	return "setup:" + strconv.FormatInt(accountID, 10) + ":" + formKey
}

// IsSetupKey reports whether a provider's key is a setup's, not a payment's.
func IsSetupKey(key string) bool { return strings.HasPrefix(key, "setup:") }

// StartMethodUpdate opens the provider's page where the reader saves a new
// payment method for their subscription's renewals, and returns where to
// send them. The same form key gives the same page. An account without a
// live, paid subscription gets ErrNoSubscription.
func (s *Service) StartMethodUpdate(ctx context.Context, accountID int64, formKey string) (*CheckoutPage, error) {
	if !ValidFormKey(formKey) {
		return nil, errors.New("the form expired; reload the page")
	}
	sub, err := s.Current(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if sub == nil || sub.Complimentary || !Entitled(sub, s.Now()) {
		return nil, ErrNoSubscription
	}
	now := s.Now()
	setup, err := s.Store.BeginMethodSetup(ctx, &MethodSetup{
		Key: setupKey(accountID, formKey), AccountID: accountID, SubscriptionID: sub.ID,
		Gateway: s.Gateway.Name(), Status: SetupPending, CreatedAt: now,
	})
	if err != nil {
		return nil, err
	}
	if setup.AccountID != accountID || setup.SubscriptionID != sub.ID {
		return nil, ErrUnknownSetup
	}
	if setup.Status != SetupPending {
		return nil, ErrCheckoutFormUsed
	}
	account, err := s.Store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return nil, err
	}
	var replaces string
	if m, err := s.Store.PaymentMethodByID(ctx, sub.PaymentMethodID); err == nil && m.Gateway == s.Gateway.Name() {
		replaces = m.Token
	}
	back := s.BaseURL + SetupReturnPath + "?" + url.Values{"key": {setup.Key}}.Encode()
	page, err := s.Gateway.StartSetup(ctx, SetupRequest{
		Key: setup.Key, Currency: plan.Currency, Amount: plan.Price, AccountID: accountID, Email: account.Email,
		Description: "Payment method for " + plan.Name + " (" + plan.TermLabel() + ")", Replaces: replaces,
		ReturnURL: back, CancelURL: back + "&cancelled=1", ExpiresAt: setup.CreatedAt.Add(CheckoutPageLifetime),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	if page.Ref != setup.CheckoutRef {
		if err := s.Store.SetMethodSetupRef(ctx, setup.ID, page.Ref); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// MethodUpdate is what became of a setup the reader came back from.
type MethodUpdate struct {
	Method *PaymentMethod // the method renewals charge now
	// Retrying: the subscription is past due and its renewal is tried
	// again now, on the new method.
	Retrying bool
}

// CompleteMethodUpdate records what became of the account's setup under
// key: it asks the provider, and makes the method it saved the one the
// subscription's renewals charge. Another account's key, or one that was
// never begun, is ErrUnknownSetup and changes nothing; a setup the reader
// has not finished (or cancelled) is ErrSetupNotFinished; one the provider
// refused is a *DeclineError. It is safe to run again and beside a
// webhook's settling of the same setup: the method is recorded once.
func (s *Service) CompleteMethodUpdate(ctx context.Context, accountID int64, key string) (*MethodUpdate, error) {
	setup, err := s.Store.MethodSetupByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) || (err == nil && setup.AccountID != accountID) {
		return nil, ErrUnknownSetup
	}
	if err != nil {
		return nil, err
	}
	return s.settleSetup(ctx, setup)
}

// SettleMethodSetup settles a setup from what the provider says of it,
// after a webhook about it (SetupJob). A setup not finished stays as it is.
func (s *Service) SettleMethodSetup(ctx context.Context, id int64) error {
	setup, err := s.Store.MethodSetupByID(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.settleSetup(ctx, setup)
	var decline *DeclineError
	if errors.Is(err, ErrSetupNotFinished) || errors.As(err, &decline) || errors.Is(err, ErrNoSubscription) {
		return nil
	}
	return err
}

func (s *Service) settleSetup(ctx context.Context, setup *MethodSetup) (*MethodUpdate, error) {
	switch setup.Status {
	case SetupSaved:
		m, err := s.Store.PaymentMethodByID(ctx, setup.PaymentMethodID)
		if err != nil {
			return nil, err
		}
		return &MethodUpdate{Method: m}, nil
	case SetupFailed:
		return nil, &DeclineError{setup.Failure}
	}
	if setup.CheckoutRef == "" {
		return nil, ErrSetupNotFinished
	}
	res, found, err := s.Gateway.Lookup(ctx, setup.Key, setup.CheckoutRef)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrPaymentInProgress, errLookupFailed, err)
	}
	if !found {
		return nil, ErrSetupNotFinished
	}
	now := s.Now()
	if !res.Succeeded || res.Method == nil {
		failure := res.Failure
		if failure == "" {
			failure = "The payment provider did not save the payment method for renewals."
		}
		failure = strings.TrimSuffix(failure, ".") + ". Nothing changed: your renewals are charged as before."
		if err := s.Store.FailMethodSetup(ctx, setup.ID, failure, now); err != nil {
			return nil, err
		}
		return nil, &DeclineError{failure}
	}
	if res.Amount > 0 && res.Reference != "" {
		// The provider took a token amount to authorise the method
		// (Razorpay's card mandates): it is given back, once by its key.
		if _, err := s.Gateway.Refund(ctx, RefundRequest{Key: setup.Key, Reference: res.Reference, RefundKey: "refund:" + setup.Key}); err != nil {
			return nil, fmt.Errorf("refunding the authorisation of %s: %w", setup.Key, err)
		}
	}
	m := *res.Method
	m.AccountID, m.CreatedAt = setup.AccountID, now
	sub, saved, err := s.Store.SaveSetupMethod(ctx, setup, &m, now)
	if errors.Is(err, dberr.ErrNotFound) {
		failure := "Your subscription ended before the new payment method was saved, so nothing changed."
		if err := s.Store.FailMethodSetup(ctx, setup.ID, failure, now); err != nil {
			return nil, err
		}
		return nil, &DeclineError{failure}
	}
	if err != nil {
		return nil, err
	}
	if !saved {
		// Recorded by another settling of the setup (a reload, a
		// webhook), in the transaction that marked the setup saved.
		latest, err := s.Store.MethodSetupByID(ctx, setup.ID)
		if err != nil {
			return nil, err
		}
		if latest.Status == SetupPending {
			return nil, fmt.Errorf("setup %s: its method is recorded but the setup is still pending", setup.Key)
		}
		return s.settleSetup(ctx, latest)
	}
	out := &MethodUpdate{Method: &m}
	if sub.Status == PastDue && sub.AutoRenew && sub.NextAttemptAt != nil && !sub.NextAttemptAt.After(now) {
		out.Retrying = true
		// The renewal engine would find it due on its next round; this
		// queues the same job, under the same key, for now.
		if _, err := s.Store.EnqueueJob(ctx, RenewalJob, RenewalJobKey(sub), strconv.FormatInt(sub.ID, 10), now, now); err != nil {
			slog.Warn("queueing the renewal retry after a payment method update", "subscription", sub.ID, "err", err)
		}
	}
	return out, nil
}

// PaymentMethodOf is the payment method a subscription's renewals charge,
// or nil.
func (s *Service) PaymentMethodOf(ctx context.Context, sub *Subscription) (*PaymentMethod, error) {
	if sub == nil || sub.PaymentMethodID == 0 {
		return nil, nil
	}
	m, err := s.Store.PaymentMethodByID(ctx, sub.PaymentMethodID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, nil
	}
	return m, err
}
