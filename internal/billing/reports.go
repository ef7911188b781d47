package billing

import (
	"context"
	"errors"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// Report is a difference reconciliation found between our payments and the
// provider's that it could not, or must not, repair by itself: an admin
// looks into it and marks it resolved.
type Report struct {
	ID          int64
	Kind        string // one of the Report… kinds
	PaymentKey  string // the idempotency key of the payment concerned
	ProviderRef string // the provider's payment, when there is one
	Detail      string
	FoundAt     time.Time
	ResolvedAt  *time.Time
	ResolvedBy  int64 // the admin who resolved it
}

// Kinds of report.
const (
	// ReportUnknownPayment: the provider took money under one of our keys
	// that no payment of ours has.
	ReportUnknownPayment = "unknown_payment"
	// ReportAmountMismatch: the provider took another amount than ours.
	ReportAmountMismatch = "amount_mismatch"
	// ReportUnrecordedRefund: the provider gave money back that we have
	// not recorded as refunded (a refund made in its dashboard).
	ReportUnrecordedRefund = "unrecorded_refund"
	// ReportMissingRefund: we recorded a refund the provider does not show.
	ReportMissingRefund = "missing_refund"
	// ReportMissingAtProvider: a payment we recorded as taken that the
	// provider does not know.
	ReportMissingAtProvider = "missing_at_provider"
	// ReportFailedAtProvider: a payment we recorded as taken that the
	// provider says failed.
	ReportFailedAtProvider = "failed_at_provider"
	// ReportDuplicateCharge: the provider took money more than once under
	// one key.
	ReportDuplicateCharge = "duplicate_charge"
	// ReportPaidAfterDecline: we recorded a decline, and the provider took
	// the money after all.
	ReportPaidAfterDecline = "paid_after_decline"
	// ReportUnsettled: the provider took the money, and settling our
	// payment from it left it unsettled.
	ReportUnsettled = "unsettled"
)

// ReportKindText says what a kind of report means, for admins.
func ReportKindText(kind string) string {
	switch kind {
	case ReportUnknownPayment:
		return "Money taken for no payment of ours"
	case ReportAmountMismatch:
		return "Amount differs"
	case ReportUnrecordedRefund:
		return "Refund not recorded here"
	case ReportMissingRefund:
		return "Refund missing at the provider"
	case ReportMissingAtProvider:
		return "Payment unknown to the provider"
	case ReportFailedAtProvider:
		return "Payment failed at the provider"
	case ReportDuplicateCharge:
		return "Charged more than once"
	case ReportPaidAfterDecline:
		return "Paid after a recorded decline"
	case ReportUnsettled:
		return "Paid, not settled here"
	}
	return kind
}

// ReportStore keeps reconciliation's reports and lists the payments it
// compares.
type ReportStore interface {
	// RecentPayments lists the payments made through gateway since the
	// given time with one of the statuses, in id order after afterID, at
	// most limit.
	RecentPayments(ctx context.Context, gateway string, since time.Time, afterID int64, limit int, statuses ...string) ([]*Payment, error)
	// FileReport records a report and reports whether it did: not while
	// one of its kind and key is open, nor once one of its kind, key and
	// provider reference was resolved.
	FileReport(ctx context.Context, r *Report) (bool, error)
	// OpenReports lists the reports not resolved yet, oldest first.
	OpenReports(ctx context.Context, limit int) ([]*Report, error)
	// RefundedOf sums the refunds admins gave of a payment, given or
	// being given.
	RefundedOf(ctx context.Context, paymentID int64) (money.Paise, error)
	// ResolveReport marks a report resolved by an admin, unless it is
	// already; ErrNotFound if there is no such report.
	ResolveReport(ctx context.Context, id, by int64, now time.Time) error
}

// ErrUnknownReport: no reconciliation report has that id.
var ErrUnknownReport = errors.New("there is no such report")

// maxOpenReports bounds the reports the admin page lists at once.
const maxOpenReports = 500

// OpenReports lists the differences with the provider that wait for an
// admin, oldest first.
func (s *Service) OpenReports(ctx context.Context) ([]*Report, error) {
	return s.Store.OpenReports(ctx, maxOpenReports)
}

// ResolveReport marks a report resolved by the admin adminID. Resolving
// one already resolved (by another admin a moment before) is no error.
func (s *Service) ResolveReport(ctx context.Context, id, adminID int64) error {
	err := s.Store.ResolveReport(ctx, id, adminID, s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		return ErrUnknownReport
	}
	return err
}
