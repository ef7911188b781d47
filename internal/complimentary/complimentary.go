// Package complimentary lets an admin give a reader a subscription without
// payment: a plan for a number of months, for a reason. It is a
// subscription like a paid one, with the same access, whose one term has
// amount 0 and no payment, so no invoice; it does not renew and ends on
// its date. The database's rule of one live subscription per account
// refuses one for a reader who has a subscription already.
package complimentary

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/audit"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
)

// Tx is what giving a subscription writes in one transaction.
type Tx interface {
	audit.Writer
	// ActingAdmin returns the account's email if it is an administrator,
	// holding it until the transaction ends; audit.ErrNotAdmin if not.
	ActingAdmin(ctx context.Context, accountID int64) (string, error)
	// LockAccount holds the reader's account, as checkouts and renewals
	// do, so that they take turns with the gift.
	LockAccount(ctx context.Context, accountID int64) error
	PlanByID(ctx context.Context, id int64) (*billing.Plan, error)
	// CreateComplimentary adds the complimentary subscription with its one
	// term, paid by no payment, and sets their ids; ErrConflict if the
	// account has a subscription that has not ended.
	CreateComplimentary(ctx context.Context, sub *billing.Subscription, term *billing.Term) error
}

// Store is what complimentary subscriptions need from the database.
type Store interface {
	// InComplimentaryTx runs fn in one transaction: committed if fn
	// returns nil.
	InComplimentaryTx(ctx context.Context, fn func(tx Tx) error) error
	AccountByEmail(ctx context.Context, email string) (*accounts.Account, error)
}

// Service gives complimentary subscriptions.
type Service struct {
	Store Store
	Now   func() time.Time
	// Location is the publication's time zone, in which months are
	// counted, as for paid terms.
	Location func() *time.Location
}

// Grant is an admin's form.
type Grant struct {
	AdminID int64
	Email   string // the reader's
	PlanID  int64
	Months  string // as typed
	Reason  string
}

// Errors an admin is shown.
var (
	ErrNoAccount = errors.New("no account has that email address")
	ErrNoPlan    = errors.New("there is no such plan")
	// ErrAlreadySubscribed: the reader has a subscription that has not
	// ended; the database allows one.
	ErrAlreadySubscribed = errors.New("this reader already has a subscription that has not ended, so nothing was given")
)

// InputError is a form refused: the field and what is wrong.
type InputError struct {
	Field   string // email, plan, months, reason
	Message string
}

func (e *InputError) Error() string { return e.Message }

// Give starts a complimentary subscription for the reader with the
// email, from now for the months asked, and records it in the audit log
// in the same transaction.
func (s *Service) Give(ctx context.Context, g Grant) (*billing.Subscription, error) {
	months, err := strconv.Atoi(strings.TrimSpace(g.Months))
	if err != nil || months < 1 || months > billing.MaxTermMonths {
		return nil, &InputError{"months", fmt.Sprintf("The length must be a whole number of months from 1 to %d, not %q.", billing.MaxTermMonths, g.Months)}
	}
	reason, err := audit.CheckReason(g.Reason)
	if err != nil {
		return nil, &InputError{"reason", err.Error()}
	}
	email, err := accounts.NormalizeEmail(g.Email)
	if err != nil {
		return nil, ErrNoAccount
	}
	reader, err := s.Store.AccountByEmail(ctx, email)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, err
	}
	now, loc := s.Now(), s.Location()
	end := billing.AddMonths(now, months, loc)
	sub := &billing.Subscription{
		AccountID: reader.ID, PlanID: g.PlanID, Status: billing.Active, Complimentary: true,
		AnchorAt: now, PaidUntil: end, TermsPaid: 1, CreatedAt: now, UpdatedAt: now,
	}
	term := &billing.Term{Seq: 1, PlanID: g.PlanID, StartsAt: now, EndsAt: end}
	err = s.Store.InComplimentaryTx(ctx, func(tx Tx) error {
		admin, err := tx.ActingAdmin(ctx, g.AdminID)
		if err != nil {
			return err
		}
		if err := tx.LockAccount(ctx, reader.ID); err != nil {
			return err
		}
		plan, err := tx.PlanByID(ctx, g.PlanID)
		if errors.Is(err, dberr.ErrNotFound) {
			return ErrNoPlan
		}
		if err != nil {
			return err
		}
		if err := tx.CreateComplimentary(ctx, sub, term); errors.Is(err, dberr.ErrConflict) {
			return ErrAlreadySubscribed
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, tx, &audit.Entry{
			At: now, ActorID: g.AdminID, ActorEmail: admin, Action: audit.ActionComplimentary,
			Subject: audit.SubjectSubscription, SubjectID: sub.ID, Reason: reason,
			Details: []audit.Detail{
				{Name: "Reader", Value: reader.Email},
				{Name: "Plan", Value: plan.Name},
				{Name: "Months", Value: strconv.Itoa(months)},
				{Name: "From", Value: now.In(loc).Format("2 January 2006")},
				{Name: "Until", Value: end.In(loc).Format("2 January 2006")},
			},
		})
	})
	if err != nil {
		return nil, err
	}
	return sub, nil
}
