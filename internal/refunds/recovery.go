package refunds

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"broadsheet/internal/billing"
)

// RecoveryJob is the kind of job that finishes a refund left pending; its
// payload is the refund's id.
const RecoveryJob = "refund-recovery"

// RecoveryKey names the recovery job of a pending refund: one per refund.
func RecoveryKey(refundID int64) string {
	return "refund-recovery:" + strconv.FormatInt(refundID, 10)
}

// RecoverAfter is how old a pending refund must be before recovery asks
// the provider about it: by then the request that began it has recorded
// the answer or died (it waits providerTimeout at most).
const RecoverAfter = 2 * time.Minute

// JobKinds are the kinds of job refunds own, for the jobs runner.
func (s *Service) JobKinds() map[string]billing.JobKind {
	return map[string]billing.JobKind{RecoveryJob: {Run: s.Recover, Workers: 1}}
}

// EnqueueRecoveries queues the recovery job of each refund left pending
// past RecoverAfter, keyed by the refund so that instances queue it once.
func (s *Service) EnqueueRecoveries(ctx context.Context) error {
	now := s.Now()
	stale, err := s.Store.PendingRefunds(ctx, now.Add(-RecoverAfter), 500)
	if err != nil {
		return err
	}
	for _, r := range stale {
		if _, err := s.Store.EnqueueJob(ctx, RecoveryJob, RecoveryKey(r.ID), strconv.FormatInt(r.ID, 10), now, now); err != nil {
			return err
		}
	}
	return nil
}

// Recover finishes a refund left pending (its request died, or lost the
// provider's answer): it asks the provider again under the refund's key,
// which refunds once however often it is asked, and records the refund as
// the admin's request would have. A refund the provider does not confirm
// stays pending, and the job is tried again later. Safe to run twice and
// beside the admin's request.
func (s *Service) Recover(ctx context.Context, refundID int64) error {
	r, err := s.Store.RefundByID(ctx, refundID)
	if err != nil {
		return err
	}
	if r.Status != Pending {
		return nil
	}
	if r.Gateway != s.Gateway.Name() {
		return fmt.Errorf("refund %d was asked of %s, and this site now uses %s: finish it in that provider's dashboard",
			r.ID, r.Gateway, s.Gateway.Name())
	}
	p, err := s.Store.PaymentByID(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	ref, err := s.askProvider(context.WithoutCancel(ctx), r, p)
	if err != nil {
		return fmt.Errorf("refund %d: %w", r.ID, err)
	}
	return s.finish(context.WithoutCancel(ctx), r, ref)
}
