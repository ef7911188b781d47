package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"broadsheet/internal/dberr"
)

// Reconciliation timing.
const (
	// ReconcileEvery is how often the periodic reconciliation runs.
	ReconcileEvery = time.Hour
	// ReconcileWindow is how far back it looks: long enough for a
	// difference to be seen on many runs, so one that failed (the
	// provider down for a while) is seen by the next.
	ReconcileWindow = 3 * 24 * time.Hour
	// reconcilePage is how many of our payments are read at a time.
	reconcilePage = 200
)

// ReconcileSummary counts what a reconciliation did.
type ReconcileSummary struct {
	Checked  int // keys of ours the provider has payments under
	Repaired int // payments settled from what the provider recorded
	Reported int // reports filed (not counting ones already open)
}

// ReconcileRecent reconciles the payments of the last ReconcileWindow.
func (s *Service) ReconcileRecent(ctx context.Context) (ReconcileSummary, error) {
	return s.Reconcile(ctx, s.Now().Add(-ReconcileWindow))
}

// Reconcile compares the provider's payments since the given time with
// ours, and repairs or reports each difference. A payment the provider
// took that we left pending, or released as never paid, or (a renewal,
// whose charge may have been on its way when another of the same attempt
// was declined) recorded as declined, is settled through the paths that
// settle it after a webhook (starting or extending its subscription, or
// refunding it, exactly once); any other difference is
// filed as a Report for an admin, once per kind and key however often
// reconciliation runs. It is safe to run on several instances at once.
// A failure with one payment does not stop the others: the errors are
// returned together once every payment was looked at.
func (s *Service) Reconcile(ctx context.Context, since time.Time) (ReconcileSummary, error) {
	var sum ReconcileSummary
	// Refunds recorded before the provider is asked must be on its list;
	// one recorded while the list is read may not be yet.
	refunded := map[string]bool{}
	if err := s.eachRecent(ctx, since, func(p *Payment) error { refunded[p.IdempotencyKey] = true; return nil }, PaymentRefunded); err != nil {
		return sum, err
	}
	listed, err := s.Gateway.Payments(ctx, since)
	if err != nil {
		return sum, fmt.Errorf("listing the provider's payments: %w", err)
	}
	byKey := map[string][]ProviderPayment{}
	var keys []string
	for _, pp := range listed {
		if pp.Key == "" {
			continue // not one of ours: another product on the same account
		}
		if IsSetupKey(pp.Key) {
			continue // a new payment method's authorisation, refunded when it is recorded (paymethod.go)
		}
		if _, seen := byKey[pp.Key]; !seen {
			keys = append(keys, pp.Key)
		}
		byKey[pp.Key] = append(byKey[pp.Key], pp)
	}
	var errs []error
	taken := map[string]bool{}
	for _, key := range keys {
		sum.Checked++
		took, err := s.reconcileKey(ctx, key, byKey[key], refunded[key], &sum)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconciling payment %s: %w", key, err))
		}
		taken[key] = took
	}
	if err := s.reconcileOurs(ctx, since, taken, &sum); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// reconcileKey compares the provider's payments under one key with ours,
// and reports whether the provider took money under it. A key takes at
// most one payment, but may have several attempts (a decline, then another
// card on the same page). refundedBefore says our refund of it was
// recorded before the provider listed its payments.
func (s *Service) reconcileKey(ctx context.Context, key string, pps []ProviderPayment, refundedBefore bool, sum *ReconcileSummary) (bool, error) {
	var taken []ProviderPayment
	for _, pp := range pps {
		if pp.Status == ProviderSucceeded {
			taken = append(taken, pp)
		}
	}
	if len(taken) == 0 {
		return false, nil // a payment of ours among these is looked up by reconcileOurs
	}
	p, err := s.Store.PaymentByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) {
		var errs []error
		for _, pp := range taken {
			errs = append(errs, s.fileReport(ctx, sum, ReportUnknownPayment, key, pp.Ref,
				fmt.Sprintf("%s took %s on %s under this key, and no payment of ours has it.", s.provider(), pp.Amount, s.when(pp.CreatedAt))))
		}
		return true, errors.Join(errs...)
	}
	if err != nil {
		return true, err
	}
	pp := taken[0]
	var errs []error
	if len(taken) > 1 {
		refs := make([]string, len(taken))
		for i, t := range taken {
			refs[i] = t.Ref
		}
		errs = append(errs, s.fileReport(ctx, sum, ReportDuplicateCharge, key, taken[1].Ref,
			fmt.Sprintf("%s took money %d times under this key: %s.", s.provider(), len(taken), strings.Join(refs, ", "))))
	}
	if otherCurrency := pp.Currency != "" && !strings.EqualFold(pp.Currency, p.Currency); pp.Amount != p.Amount || otherCurrency {
		detail := fmt.Sprintf("%s took %s; our payment is for %s.", s.provider(), pp.Amount, p.Amount)
		if otherCurrency {
			detail = fmt.Sprintf("%s took %d in %s; our payment is for %d in %s.", s.provider(), pp.Amount, strings.ToUpper(pp.Currency), p.Amount, p.Currency)
		}
		errs = append(errs, s.fileReport(ctx, sum, ReportAmountMismatch, key, pp.Ref, detail))
	}
	switch {
	case p.Status == PaymentPending || releasedUnpaid(p) || p.Purpose == PurposeRenewal && p.Status == PaymentFailed:
		// A renewal declined here may have been taken by a charge of the
		// same attempt that was on its way: it pays the term or is refunded.
		errs = append(errs, s.repair(ctx, p, pp, sum))
	case p.Status == PaymentFailed:
		errs = append(errs, s.fileReport(ctx, sum, ReportPaidAfterDecline, key, pp.Ref,
			fmt.Sprintf("We recorded a decline (%q); %s took %s on %s.", p.Failure, s.provider(), pp.Amount, s.when(pp.CreatedAt))))
	case p.Status == PaymentSucceeded && pp.Refunded > 0:
		ours, err := s.Store.RefundedOf(ctx, p.ID)
		if err != nil {
			errs = append(errs, err)
		} else if ours != pp.Refunded {
			errs = append(errs, s.fileReport(ctx, sum, ReportUnrecordedRefund, key, pp.Ref,
				fmt.Sprintf("%s gave back %s of %s; we record %s given back.", s.provider(), pp.Refunded, pp.Amount, ours)))
		}
	case p.Status == PaymentRefunded && refundedBefore && pp.Refunded == 0:
		errs = append(errs, s.fileReport(ctx, sum, ReportMissingRefund, key, pp.Ref,
			fmt.Sprintf("We recorded a refund (%s); %s shows none of %s given back.", p.RefundRef, s.provider(), pp.Amount)))
	}
	return true, errors.Join(errs...)
}

// repair settles a payment we left pending or released while the provider
// took the money, as a webhook's settling would: by asking the provider
// again, then starting or extending the subscription it paid for, or
// refunding it. A pending payment younger than CheckoutRecoveryAfter is
// left to the request that began it. One the settling left unsettled is
// reported.
func (s *Service) repair(ctx context.Context, p *Payment, pp ProviderPayment, sum *ReconcileSummary) error {
	if p.Status == PaymentPending && s.Now().Sub(p.CreatedAt) < CheckoutRecoveryAfter {
		return nil
	}
	var err error
	switch {
	case p.Purpose == PurposeCheckout:
		err = s.SettlePayment(ctx, p.ID)
	case p.Purpose == PurposeRenewal && p.Status == PaymentPending:
		err = s.RecoverRenewal(ctx, p.ID)
	case p.Purpose == PurposeUpgrade && p.Status == PaymentPending:
		err = s.RecoverUpgrade(ctx, p.ID)
	case p.Purpose == PurposeRenewal, p.Purpose == PurposeUpgrade:
		_, err = s.settleLate(ctx, p)
	default: // a legacy checkout, which recovery refunds
		err = s.RecoverCheckout(ctx, p.ID)
	}
	latest, lerr := s.Store.PaymentByID(ctx, p.ID)
	switch {
	case lerr != nil:
		return errors.Join(err, lerr)
	case latest.Status == PaymentSucceeded || latest.Status == PaymentRefunded:
		sum.Repaired++
		return nil
	case err != nil:
		return err // the provider did not answer, say: the next run tries again
	}
	return s.fileReport(ctx, sum, ReportUnsettled, p.IdempotencyKey, pp.Ref,
		fmt.Sprintf("%s took %s on %s; our payment is still %s after asking again.", s.provider(), pp.Amount, s.when(pp.CreatedAt), latest.Status))
}

// reconcileOurs looks at our payments since the given time that took money
// and that the provider did not list as taken, and asks the provider for
// each: one it does not know, or says failed, is reported. Asking, rather
// than trusting the list alone, spares a report for a payment the list
// left out (made just before its window, or past its last page) or that
// went through while the list was read (a decline, then another card).
func (s *Service) reconcileOurs(ctx context.Context, since time.Time, taken map[string]bool, sum *ReconcileSummary) error {
	var errs []error
	err := s.eachRecent(ctx, since, func(p *Payment) error {
		if taken[p.IdempotencyKey] {
			return nil
		}
		res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, p.CheckoutRef)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("looking up payment %s: %w", p.IdempotencyKey, err))
		case !found:
			errs = append(errs, s.fileReport(ctx, sum, ReportMissingAtProvider, p.IdempotencyKey, p.GatewayRef,
				fmt.Sprintf("We recorded %s as paid on %s; %s has no payment under this key.", p.Amount, s.when(p.CreatedAt), s.provider())))
		case !res.Succeeded:
			errs = append(errs, s.fileReport(ctx, sum, ReportFailedAtProvider, p.IdempotencyKey, res.Reference,
				fmt.Sprintf("We recorded %s as paid; %s says it failed: %s", p.Amount, s.provider(), res.Failure)))
		}
		return nil
	}, PaymentSucceeded, PaymentRefunded)
	return errors.Join(append(errs, err)...)
}

// eachRecent calls fn with each of our payments through this gateway
// since the given time with one of the statuses, a page at a time.
func (s *Service) eachRecent(ctx context.Context, since time.Time, fn func(p *Payment) error, statuses ...string) error {
	for after := int64(0); ; {
		page, err := s.Store.RecentPayments(ctx, s.Gateway.Name(), since, after, reconcilePage, statuses...)
		if err != nil {
			return err
		}
		for _, p := range page {
			after = p.ID
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(page) < reconcilePage {
			return nil
		}
	}
}

// fileReport files a report unless one like it is open or was resolved,
// and counts it.
func (s *Service) fileReport(ctx context.Context, sum *ReconcileSummary, kind, key, ref, detail string) error {
	detail = strings.ToUpper(detail[:1]) + detail[1:] // it may start with the provider's name
	filed, err := s.Store.FileReport(ctx, &Report{Kind: kind, PaymentKey: key, ProviderRef: ref, Detail: detail, FoundAt: s.Now()})
	if filed {
		sum.Reported++
	}
	return err
}

// provider names the provider in a report.
func (s *Service) provider() string {
	name := s.Gateway.Name()
	if name == testGatewayName || name == "" {
		return "the test gateway"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// when is a time as the publication's admins read it.
func (s *Service) when(t time.Time) string {
	loc := time.UTC
	if s.Location != nil {
		loc = s.Location()
	}
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}
