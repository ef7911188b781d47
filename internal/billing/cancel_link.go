package billing

import (
	"context"
	"errors"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/dberr"
)

// CancelRenewalPath is where the link in a pre-debit notice opens; the
// token follows. Opening it only shows what a button would cancel: mail
// scanners open links too.
const CancelRenewalPath = "/renewal/cancel/"

// CancelToken is the stored side of a cancel link: for one subscription,
// used once, until the charge its notice named. Only the token's SHA-256
// is kept, so a copy of the database cancels nothing.
type CancelToken struct {
	TokenHash      string
	SubscriptionID int64
	Seq            int // the term whose notice carried it
	ExpiresAt      time.Time
	UsedAt         *time.Time
	CreatedAt      time.Time
}

// What a cancel link that cancels nothing says, and why.
var (
	ErrCancelLinkInvalid = errors.New("this link is not one we sent, or it was changed on the way; nothing was changed. " +
		"You can turn auto-renewal off from your account page")
	ErrCancelLinkUsed    = errors.New("this link was used already: auto-renewal was turned off then, and nothing more was changed now")
	ErrCancelLinkExpired = errors.New("this link has expired: it worked until the renewal charge it announced, and nothing was changed now. " +
		"You can turn auto-renewal off from your account page")
)

// CancelLink is what a cancel link is about: the subscription as it stands
// now, its plan and the notice that carried the link.
type CancelLink struct {
	Subscription *Subscription
	Plan         *Plan
	Notice       *RenewalNotice
}

// CheckCancelLink tells what a cancel link would cancel, without using it.
// A link that cannot cancel anything gets ErrCancelLinkInvalid, Used or
// Expired, or ErrNoSubscription when its subscription has ended.
func (s *Service) CheckCancelLink(ctx context.Context, token string) (*CancelLink, error) {
	t, err := s.Store.CancelTokenByHash(ctx, accounts.HashToken(token))
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrCancelLinkInvalid
	}
	if err != nil {
		return nil, err
	}
	switch {
	case t.UsedAt != nil:
		return nil, ErrCancelLinkUsed
	case !s.Now().Before(t.ExpiresAt):
		return nil, ErrCancelLinkExpired
	}
	link, err := s.cancelLink(ctx, t)
	if err == nil && link.Subscription.Status == Ended {
		return nil, ErrNoSubscription
	}
	return link, err
}

// CancelByLink uses a cancel link: auto-renewal of its subscription is
// turned off, and the reader keeps access to the end of the paid term. The
// link and every other cancel link of the subscription are used up in the
// same transaction, so of two requests with one link only one cancels,
// and a link forged, expired or used already changes nothing (the error
// says which).
func (s *Service) CancelByLink(ctx context.Context, token string) (*CancelLink, error) {
	hash := accounts.HashToken(token)
	var used *CancelToken
	err := s.Store.InBillingTx(ctx, func(tx Tx) error {
		t, err := tx.UseCancelToken(ctx, hash, s.Now())
		if err != nil {
			return err
		}
		used = t
		_, err = tx.StopAutoRenew(ctx, t.SubscriptionID, s.Now())
		return err
	})
	if errors.Is(err, dberr.ErrNotFound) {
		if _, err := s.CheckCancelLink(ctx, token); err != nil {
			return nil, err
		}
		return nil, ErrCancelLinkUsed // used by a request racing this one
	}
	if err != nil {
		return nil, err
	}
	return s.cancelLink(ctx, used)
}

func (s *Service) cancelLink(ctx context.Context, t *CancelToken) (*CancelLink, error) {
	sub, err := s.Store.SubscriptionByID(ctx, t.SubscriptionID)
	if err != nil {
		return nil, err
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return nil, err
	}
	notice, err := s.Store.RenewalNotice(ctx, t.SubscriptionID, t.Seq)
	if err != nil {
		return nil, err
	}
	return &CancelLink{Subscription: sub, Plan: plan, Notice: notice}, nil
}
