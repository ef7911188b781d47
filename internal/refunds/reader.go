package refunds

import (
	"context"
	"errors"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// ErrNoAccount: no account has the address the admin looked for.
var ErrNoAccount = errors.New("no account has that email address")

// Reader is a reader as the admins' payments page shows them: their live
// subscription and every payment with what was refunded of it.
type Reader struct {
	Account      *accounts.Account
	Subscription *billing.Subscription // the one that has not ended, or nil
	Payments     []PaymentState
}

// PaymentState is one payment with its invoice, its credit notes and its
// refunds.
type PaymentState struct {
	billing.PaymentRecord
	Refunds  []*Refund   // oldest first
	Refunded money.Paise // by refunds that succeeded
	Pending  money.Paise // by refunds the provider has not confirmed yet
	Left     money.Paise // what may still be refunded
	// Refundable: the payment went through, has a tax invoice, was taken
	// by this site's provider and has something left.
	Refundable bool
	// CurrentTerm: the payment paid for the latest term of the live
	// subscription, so that refunding all of it asks whether access ends
	// now or at TermEnds.
	CurrentTerm bool
	TermEnds    time.Time
}

// Reader finds the account with the email and lists its payments, newest
// first, with what was refunded of each.
func (s *Service) Reader(ctx context.Context, email string) (*Reader, error) {
	email, err := accounts.NormalizeEmail(email)
	if err != nil {
		return nil, ErrNoAccount
	}
	a, err := s.Store.AccountByEmail(ctx, email)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, err
	}
	history, err := s.Billing.PaymentHistory(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.RefundsOf(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	refunds := map[int64][]*Refund{}
	for _, r := range list {
		refunds[r.PaymentID] = append(refunds[r.PaymentID], r)
	}
	sub, err := s.Billing.Current(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var latest billing.Term
	if sub != nil {
		terms, err := s.Store.Terms(ctx, sub.ID)
		if err != nil {
			return nil, err
		}
		if len(terms) > 0 && terms[len(terms)-1].Seq == sub.TermsPaid {
			latest = terms[len(terms)-1]
		}
	}
	out := &Reader{Account: a, Subscription: sub}
	for _, h := range history {
		ps := PaymentState{PaymentRecord: h, Refunds: refunds[h.Payment.ID]}
		for _, r := range ps.Refunds {
			if r.Status == Succeeded {
				ps.Refunded += r.Amount
			} else {
				ps.Pending += r.Amount
			}
		}
		p := h.Payment
		if p.Status == billing.PaymentSucceeded && h.Invoice != nil {
			ps.Left = max(min(p.Amount-ps.Refunded-ps.Pending, h.Invoice.Total-h.Invoice.Credited), 0)
			ps.Refundable = ps.Left > 0 && p.Gateway == s.Gateway.Name()
		}
		if latest.PaymentID != 0 && latest.PaymentID == p.ID {
			ps.CurrentTerm, ps.TermEnds = true, latest.EndsAt
		}
		out.Payments = append(out.Payments, ps)
	}
	return out, nil
}

// ByKey finds the refund an admin's form made; dberr.ErrNotFound if none.
func (s *Service) ByKey(ctx context.Context, key string) (*Refund, error) {
	return s.Store.RefundByKey(ctx, key)
}
