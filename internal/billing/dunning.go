package billing

import (
	"context"
	"errors"
	"strconv"
	"time"

	"broadsheet/internal/dberr"
)

// recordDecline records a declined attempt at a term's renewal, with the
// job that emails the reader about it, in one transaction: the
// subscription is past due, tried again on the schedule counted from the
// first declined attempt, and gives access to the end of the grace period.
// After the last retry it stays past due, untried, until that end, when
// Renew ends it. A replay of the same attempt changes nothing and queues
// no second email.
func (s *Service) recordDecline(ctx context.Context, sub *Subscription, p *Payment, seq, attempt int, now time.Time) error {
	sched := s.schedule()
	first := p.CreatedAt
	if attempt > 1 {
		fp, err := s.Store.PaymentByKey(ctx, renewalKeyFor(sub.ID, seq, 1))
		if err != nil && !errors.Is(err, dberr.ErrNotFound) {
			return err
		}
		if err == nil {
			first = fp.CreatedAt
		}
	}
	accessEnds := AccessUntil(sub)
	var grace *time.Time
	if attempt == 1 {
		// The grace period runs from the end of the term, or, when the
		// first attempt was late (the charge was moved for a late notice),
		// from a day after it, as it would have been had it been on time.
		g := later(sub.PaidUntil, first.Add(RenewalLead)).Add(sched.Grace)
		grace, accessEnds = &g, g
	}
	var next *time.Time
	if attempt <= len(sched.Retries) {
		// At least a day after this decline, so that the email about it
		// reaches the reader, with time to act, before the card is tried
		// again; and never once the grace period is over.
		t := later(first.Add(sched.Retries[attempt-1]), now.Add(NoticeMinLead))
		if t.Before(accessEnds) {
			next = &t
		}
	}
	return s.Store.InBillingTx(ctx, func(tx Tx) error {
		applied, err := tx.RecordRenewalFailure(ctx, sub.ID, seq-1, attempt, next, grace, now)
		if err != nil || !applied {
			return err
		}
		_, err = tx.EnqueueJob(ctx, RenewalDeclinedJob, RenewalDeclinedKey(p), strconv.FormatInt(p.ID, 10), now, now)
		return err
	})
}

// endUnpaid ends a subscription whose renewal was declined to the last
// retry once its grace period is over, with the job that tells the reader,
// together. If it changed meanwhile (a renewal is being charged, the
// reader cancelled) nothing happens: the next round sees it as it is.
func (s *Service) endUnpaid(ctx context.Context, sub *Subscription, now time.Time) error {
	err := s.Store.InBillingTx(ctx, func(tx Tx) error {
		if err := tx.LockAccount(ctx, sub.AccountID); err != nil {
			return err
		}
		if err := tx.EndSubscription(ctx, sub, now); err != nil {
			return err
		}
		_, err := tx.EnqueueJob(ctx, RenewalEndedJob, RenewalEndedKey(sub.ID), strconv.FormatInt(sub.ID, 10), now, now)
		return err
	})
	if errors.Is(err, dberr.ErrNotFound) || errors.Is(err, dberr.ErrConflict) {
		return nil
	}
	return err
}
