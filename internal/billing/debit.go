package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// ErrChargePending is a charge the provider accepted and will debit
// later: a UPI Autopay renewal, which Razorpay debits a day after it is
// made, once the payer has had its pre-debit notification, and which may
// take 24 to 36 hours to settle. A gateway's Charge or Lookup returns an
// error that is an ErrChargePending (errors.Is) while such a charge is on
// its way; nothing must be charged again meanwhile.
var ErrChargePending = errors.New("the provider accepted the charge and will debit it later")

// debitChecks are when, counted from a renewal charge whose debit the
// provider collects later, the renewal is looked at again should no
// webhook have settled it first: just after the debit is due, as
// Razorpay's 24 to 36 hours run out, and twice more. A debit still pending
// after the last is no longer waited for quietly: its recovery fails, and
// is retried, loudly.
var debitChecks = []time.Duration{26 * time.Hour, 31 * time.Hour, 37 * time.Hour, 49 * time.Hour, 73 * time.Hour}

// errAwaitingDebit says a renewal's charge was accepted and its debit is
// awaited, its subscription giving access meanwhile: not a failure of the
// job that saw it (see quiet).
var errAwaitingDebit = errors.New("the renewal's debit is awaited")

// quiet is err, or nil when it only says a debit or a charge on its way
// is awaited.
func quiet(err error) error {
	if errors.Is(err, errAwaitingDebit) || errors.Is(err, errAwaitingCharge) {
		return nil
	}
	return err
}

// nextDebitCheck is the first of debitChecks after now for a charge made
// at charged; false once they have all passed.
func nextDebitCheck(charged, now time.Time) (time.Time, bool) {
	for _, d := range debitChecks {
		if at := charged.Add(d); at.After(now) {
			return at, true
		}
	}
	return time.Time{}, false
}

// DebitCheckKey names the job that looks at a renewal payment whose debit
// is awaited again at at: one per payment and time, so that instances
// queue each once.
func DebitCheckKey(paymentID int64, at time.Time) string {
	return "settle:debit:" + strconv.FormatInt(paymentID, 10) + ":" + strconv.FormatInt(at.Unix(), 10)
}

// awaitDebit keeps a renewal payment pending, under its key, while the
// provider collects its debit (cause is the provider's ErrChargePending):
// the subscription's next attempt moves to the next debit check, so that
// the renewal is not charged or asked about meanwhile; it gives access
// until a day past that check (GraceUntil), as the reader's money is on
// its way; and a settle job is queued for the check, in case no webhook
// settles the payment first. It returns errAwaitingDebit, or, once the
// last check has passed, an error saying the debit is overdue.
func (s *Service) awaitDebit(ctx context.Context, p *Payment, cause error) error {
	subID, seq, _, ok := parseRenewalKey(p.IdempotencyKey)
	if !ok {
		return fmt.Errorf("renewal payment %d has a malformed key %q", p.ID, p.IdempotencyKey)
	}
	now := s.Now()
	at, ok := nextDebitCheck(p.CreatedAt, now)
	if !ok {
		return fmt.Errorf("%w: renewal payment %d: its debit is still pending %s after the charge: %w",
			ErrPaymentInProgress, p.ID, now.Sub(p.CreatedAt).Round(time.Minute), cause)
	}
	queued := false
	err := s.Store.InBillingTx(ctx, func(tx Tx) error {
		if err := tx.PostponeRenewal(ctx, subID, seq, at, at.Add(RenewalLead), now); err != nil {
			return err
		}
		var err error
		queued, err = tx.EnqueueJob(ctx, SettleJob, DebitCheckKey(p.ID, at), strconv.FormatInt(p.ID, 10), at, now)
		return err
	})
	if err != nil {
		return err
	}
	if queued { // once per check, however often the payment is looked at
		slog.InfoContext(ctx, "renewal charge accepted; its debit is awaited", "payment", p.ID,
			"subscription", subID, "next_check", at, "cause", cause.Error())
	}
	return errAwaitingDebit
}
