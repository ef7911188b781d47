package refunds

import (
	"context"
	"errors"
	"time"

	"broadsheet/internal/audit"
	"broadsheet/internal/dberr"
)

// finish records a refund the provider made, under reference ref, in one
// transaction: the refund succeeded, its credit note, the end of access
// it carries, and its audit entry. A refund finished already (by recovery
// beside the admin's request) is left as it is.
func (s *Service) finish(ctx context.Context, r *Refund, ref string) error {
	now := s.Now()
	return s.Store.InRefundTx(ctx, func(tx Tx) error {
		// The payment first, then its invoice (by the credit note), in the
		// order a refund beginning takes them: a refund finishing beside
		// another beginning waits for it rather than deadlocks.
		if _, _, err := tx.LockRefundedPayment(ctx, r.PaymentID); err != nil {
			return err
		}
		if pending, err := tx.SucceedRefund(ctx, r.ID, ref, now); err != nil || !pending {
			return err
		}
		note, err := s.Billing.IssueCreditNote(ctx, tx, r.PaymentID, r.Amount, ref, now)
		if err != nil {
			return err
		}
		access, err := s.endAccess(ctx, tx, r, now)
		if err != nil {
			return err
		}
		reader, err := tx.InvoiceRecipient(ctx, r.AccountID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, &audit.Entry{
			At: now, ActorID: r.AdminID, ActorEmail: r.AdminEmail, Action: audit.ActionRefund,
			Subject: audit.SubjectPayment, SubjectID: r.PaymentID, Reason: r.Reason,
			Details: []audit.Detail{
				{Name: "Reader", Value: reader.Email},
				{Name: "Amount", Value: r.Amount.String()},
				{Name: "Plan", Value: note.Description},
				{Name: "Invoice", Value: note.CreditsNumber},
				{Name: "Credit note", Value: note.Number},
				{Name: "Provider's refund", Value: ref},
				{Name: "Access", Value: access},
				{Name: "Asked at", Value: r.CreatedAt.In(s.Location()).Format("2 Jan 2006 15:04 MST")},
			},
		})
	})
}

// endAccess carries out the refund's choice of access, if the payment
// still pays for the latest term of a subscription that has not ended (a
// renewal since, or another end, leaves it as it is), and says what it did.
func (s *Service) endAccess(ctx context.Context, tx Tx, r *Refund, now time.Time) (string, error) {
	if r.EndAccess == KeepAccess {
		return "unchanged", nil
	}
	sub, term, err := tx.RefundedTerm(ctx, r.PaymentID)
	if errors.Is(err, dberr.ErrNotFound) {
		return "unchanged: the payment paid for no term", nil
	}
	if err != nil {
		return "", err
	}
	end, said := tx.EndRefundedSubscription, "ended now"
	if r.EndAccess == EndAtTermEnd {
		end = tx.StopRefundedRenewal
		said = "lasts to " + sub.PaidUntil.In(s.Location()).Format("2 January 2006") + ", without renewal"
	}
	applied, err := end(ctx, sub.ID, term.Seq, now)
	if err != nil {
		return "", err
	}
	if !applied {
		return "unchanged: the subscription renewed or ended since the refund was asked for", nil
	}
	return said, nil
}
