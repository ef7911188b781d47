// Package refunds gives back a reader's payment, in full or in part, when
// an admin asks, exactly once. The admin's form carries a one-time key; the
// refund is recorded pending under it (unique in the database) before the
// provider is asked to refund under the same key, so a form sent twice, or
// a retry after a crash, refunds once at the provider too. The refund then
// succeeds in one transaction with its credit note, the end of the
// reader's access if the admin chose it, and its audit entry. A pending
// refund whose process died is finished by a recovery job that asks the
// provider again under the same key.
package refunds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// Status is where a refund stands.
type Status string

// Refund statuses.
const (
	// Pending: recorded, and the provider asked or about to be; not
	// confirmed yet.
	Pending Status = "pending"
	// Succeeded: the provider refunded it, and its credit note is issued.
	Succeeded Status = "succeeded"
)

// EndAccess is what a refund of the whole of the current term's payment
// does to the reader's subscription.
type EndAccess string

// The choices of access. Any other refund keeps the subscription as it is.
const (
	KeepAccess   EndAccess = ""
	EndNow       EndAccess = "now"      // the subscription ends at once
	EndAtTermEnd EndAccess = "term_end" // access lasts to the end of the term, and it does not renew
)

// Refund is money an admin gave back of a payment.
type Refund struct {
	ID        int64
	Key       string // the admin's form's one-time key, and the provider's idempotency key
	PaymentID int64
	AccountID int64 // the reader's
	Amount    money.Paise
	Status    Status
	EndAccess EndAccess
	Reason    string
	// AdminID and AdminEmail: who asked, with their address then.
	AdminID    int64
	AdminEmail string
	Gateway    string
	GatewayRef string // the provider's reference of the refund, once it succeeded
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Tx is what a refund writes in one transaction: it begins pending, or
// succeeds with its credit note, its effect on access and its audit entry.
type Tx interface {
	billing.Tx // the credit note (billing.Service.IssueCreditNote)
	audit.Writer
	// ActingAdmin returns the account's email if it is an administrator,
	// holding it until the transaction ends; audit.ErrNotAdmin if not.
	ActingAdmin(ctx context.Context, accountID int64) (string, error)
	// LockRefundedPayment holds the payment's row until the transaction
	// ends and returns it with what its refunds, pending or succeeded,
	// take: two refunds of one payment take turns, and the second sees
	// the first.
	LockRefundedPayment(ctx context.Context, paymentID int64) (*billing.Payment, money.Paise, error)
	// RefundByKey finds the refund of a form; ErrNotFound if none.
	RefundByKey(ctx context.Context, key string) (*Refund, error)
	// CreateRefund records a pending refund and sets its ID; ErrConflict
	// if its key is taken.
	CreateRefund(ctx context.Context, r *Refund) error
	// SucceedRefund records a pending refund as succeeded with the
	// provider's reference, and reports whether it was pending.
	SucceedRefund(ctx context.Context, id int64, ref string, now time.Time) (bool, error)
	// RefundedTerm is the term a payment paid for and its subscription
	// as it is now; ErrNotFound if it paid for none.
	RefundedTerm(ctx context.Context, paymentID int64) (*billing.Subscription, *billing.Term, error)
	// EndRefundedSubscription ends the subscription at once, and
	// StopRefundedRenewal turns its renewal off, if it has not ended and
	// its latest term is still term seq; each reports whether it applied.
	EndRefundedSubscription(ctx context.Context, subscriptionID int64, seq int, now time.Time) (bool, error)
	StopRefundedRenewal(ctx context.Context, subscriptionID int64, seq int, now time.Time) (bool, error)
}

// Store is what refunds need from the database.
type Store interface {
	// InRefundTx runs fn in one transaction: committed if fn returns nil.
	InRefundTx(ctx context.Context, fn func(tx Tx) error) error
	AccountByEmail(ctx context.Context, email string) (*accounts.Account, error)
	PaymentByID(ctx context.Context, id int64) (*billing.Payment, error)
	Terms(ctx context.Context, subscriptionID int64) ([]billing.Term, error)
	RefundByKey(ctx context.Context, key string) (*Refund, error)
	RefundByID(ctx context.Context, id int64) (*Refund, error)
	// RefundsOf lists the account's refunds, oldest first.
	RefundsOf(ctx context.Context, accountID int64) ([]*Refund, error)
	// PendingRefunds lists refunds still pending that were recorded
	// before the given time, oldest first.
	PendingRefunds(ctx context.Context, before time.Time, limit int) ([]*Refund, error)
	EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error)
}

// Service refunds payments for the admins.
type Service struct {
	Store Store
	// Billing lists payments with their invoices and issues credit notes.
	Billing *billing.Service
	// Gateway is the provider that took the payments.
	Gateway billing.Gateway
	Now     func() time.Time
	// Location is the publication's time zone, for the dates the audit
	// log prints.
	Location func() *time.Location
}

// Errors an admin is shown.
var (
	ErrUnknownPayment = errors.New("there is no such payment")
	ErrNotRefundable  = errors.New("only a payment that went through can be refunded")
	ErrNoInvoice      = errors.New("this payment has no tax invoice to credit (it was made before invoices were issued): refund it in the payment provider's dashboard")
	ErrOtherProvider  = errors.New("this payment was taken by a payment provider this site no longer uses: refund it in that provider's dashboard")
	ErrFormUsed       = errors.New("this refund form was already used for another payment: open the page again")
	ErrInProgress     = errors.New("this refund is already being processed: the page shows it once the provider confirms it")
	// ErrNotConfirmed: the provider did not confirm the refund. It stays
	// recorded as pending, and is asked for again, under the same key,
	// until it is confirmed: it is never made twice.
	ErrNotConfirmed = errors.New("the payment provider did not confirm the refund: it is recorded as pending and will be asked for again within minutes, never twice")
)

// ExceedsError refuses a refund larger than what is left of the payment.
type ExceedsError struct{ Asked, Left money.Paise }

func (e *ExceedsError) Error() string {
	if e.Left == 0 {
		return "nothing is left to refund of this payment: refunds made or under way take all of it"
	}
	return fmt.Sprintf("only %s is left to refund of this payment, not %s", e.Left, e.Asked)
}

// InputError is a refund form refused: the field and what is wrong.
type InputError struct {
	Field   string // amount, reason, key, end_access
	Message string
}

func (e *InputError) Error() string { return e.Message }

// Request is an admin's refund form.
type Request struct {
	AdminID   int64
	PaymentID int64
	Key       string // the form's one-time key (billing.NewFormKey)
	Amount    string // rupees, as typed: "1,000", "499.50"
	Reason    string
	// EndAccess applies to a refund of the whole of the current term's
	// payment; KeepAccess there means EndNow, the default.
	EndAccess EndAccess
}

// check reads the form: the amount and the reason.
func (req Request) check() (money.Paise, string, error) {
	if !billing.ValidFormKey(req.Key) {
		return 0, "", &InputError{"key", "This form has no valid key: open the page again."}
	}
	switch req.EndAccess {
	case KeepAccess, EndNow, EndAtTermEnd:
	default:
		return 0, "", &InputError{"end_access", "Choose whether access ends now or at the end of the term."}
	}
	amount, err := money.ParseRupees(req.Amount)
	if err != nil {
		return 0, "", &InputError{"amount", "The amount " + err.Error() + "."}
	}
	if amount <= 0 {
		return 0, "", &InputError{"amount", "The amount must be more than nothing."}
	}
	reason, err := audit.CheckReason(req.Reason)
	if err != nil {
		return 0, "", &InputError{"reason", err.Error()}
	}
	return amount, reason, nil
}

// providerTimeout bounds the wait for the provider, well below
// RecoverAfter, so that recovery finds no refund still on its way.
const providerTimeout = 30 * time.Second

// Refund gives back the amount of the payment the admin asked for: it
// records the refund pending, asks the provider, and records it as
// succeeded with its credit note, the end of access chosen and its audit
// entry. The same form again returns its refund (ErrInProgress while it
// is pending) and refunds nothing more; a refund over what is left,
// counting pending ones, is refused (*ExceedsError) and changes nothing.
// If the provider does not confirm, the refund stays pending and the
// error is ErrNotConfirmed: recovery finishes it.
func (s *Service) Refund(ctx context.Context, req Request) (*Refund, error) {
	amount, reason, err := req.check()
	if err != nil {
		return nil, err
	}
	r, p, err := s.begin(ctx, req, amount, reason)
	if err != nil || p == nil {
		return r, err
	}
	// Once the provider is asked, the answer is recorded even if the
	// admin's request is cancelled.
	ctx = context.WithoutCancel(ctx)
	ref, err := s.askProvider(ctx, r, p)
	if err != nil {
		return r, fmt.Errorf("%w: %w", ErrNotConfirmed, err)
	}
	if err := s.finish(ctx, r, ref); err != nil {
		return r, fmt.Errorf("%w: %w", ErrNotConfirmed, err)
	}
	return s.Store.RefundByID(ctx, r.ID)
}

// begin records the refund pending, under the payment's lock, and returns
// it with the payment to refund; a form sent before returns its refund
// and no payment, as there is nothing more to ask the provider.
func (s *Service) begin(ctx context.Context, req Request, amount money.Paise, reason string) (*Refund, *billing.Payment, error) {
	var out *Refund
	var payment *billing.Payment
	now := s.Now()
	err := s.Store.InRefundTx(ctx, func(tx Tx) error {
		email, err := tx.ActingAdmin(ctx, req.AdminID)
		if err != nil {
			return err
		}
		p, taken, err := tx.LockRefundedPayment(ctx, req.PaymentID)
		if errors.Is(err, dberr.ErrNotFound) {
			return ErrUnknownPayment
		}
		if err != nil {
			return err
		}
		if earlier, err := tx.RefundByKey(ctx, req.Key); err == nil {
			if earlier.PaymentID != p.ID {
				return ErrFormUsed
			}
			out = earlier
			return nil
		} else if !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
		if p.Status != billing.PaymentSucceeded {
			return ErrNotRefundable
		}
		if p.Gateway != s.Gateway.Name() {
			return ErrOtherProvider
		}
		inv, err := tx.InvoiceForPayment(ctx, p.ID)
		if errors.Is(err, dberr.ErrNotFound) {
			return ErrNoInvoice
		}
		if err != nil {
			return err
		}
		left := min(p.Amount-taken, inv.Total-inv.Credited)
		if amount > left {
			return &ExceedsError{Asked: amount, Left: max(left, 0)}
		}
		end := KeepAccess
		if amount == left {
			if current, err := paysCurrentTerm(ctx, tx, p.ID); err != nil {
				return err
			} else if current {
				end = req.EndAccess
				if end == KeepAccess {
					end = EndNow
				}
			}
		}
		r := &Refund{
			Key: req.Key, PaymentID: p.ID, AccountID: p.AccountID, Amount: amount, Status: Pending, EndAccess: end,
			Reason: reason, AdminID: req.AdminID, AdminEmail: email, Gateway: s.Gateway.Name(), CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateRefund(ctx, r); errors.Is(err, dberr.ErrConflict) {
			return ErrFormUsed // the same form sent at once for another payment
		} else if err != nil {
			return err
		}
		out, payment = r, p
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if payment == nil && out.Status == Pending {
		return out, nil, ErrInProgress
	}
	return out, payment, nil
}

// paysCurrentTerm reports whether the payment paid for the latest term of
// a subscription that has not ended: refunding all of it asks what
// becomes of the reader's access.
func paysCurrentTerm(ctx context.Context, tx Tx, paymentID int64) (bool, error) {
	sub, term, err := tx.RefundedTerm(ctx, paymentID)
	if errors.Is(err, dberr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return sub.Status != billing.Ended && term.Seq == sub.TermsPaid, nil
}

// askProvider asks the provider to refund, under the refund's key: asked
// again, it answers with the same refund.
func (s *Service) askProvider(ctx context.Context, r *Refund, p *billing.Payment) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, providerTimeout)
	defer cancel()
	return s.Gateway.Refund(ctx, billing.RefundRequest{Key: p.IdempotencyKey, Reference: p.GatewayRef, Amount: r.Amount, RefundKey: r.Key})
}
