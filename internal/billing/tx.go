package billing

import (
	"context"
	"time"
)

// Tx is what a billing use case writes inside one transaction, so that
// its steps commit together or not at all. The store implements it (the
// store imports billing, so billing names only the writes it needs).
// Inside a transaction a use case calls tx alone, never the Store: on
// SQLite the transaction holds the only write connection.
type Tx interface {
	// LockAccount holds the account until the transaction ends, so that
	// the account's checkouts and renewals take turns. Take it first.
	LockAccount(ctx context.Context, accountID int64) error
	// SettlePayment records the outcome of a payment that is still
	// pending, and reports whether it was.
	SettlePayment(ctx context.Context, id int64, status, ref, failure string, now time.Time) (bool, error)
	// CreatePaymentMethod saves a payment method the provider keeps for
	// renewals and returns its id.
	CreatePaymentMethod(ctx context.Context, m *PaymentMethod) (int64, error)
	// CreateSubscription adds an active subscription; ErrConflict if the
	// account already has one that has not ended.
	CreateSubscription(ctx context.Context, sub *Subscription) (int64, error)
	// ExtendSubscription moves the subscription on to the paid term if it
	// has not ended and still has term.Seq-1 terms paid; it reports whether.
	ExtendSubscription(ctx context.Context, term *Term, nextAttempt, now time.Time) (bool, error)
	// ApplyUpgrade switches the subscription to term's plan from term's
	// start if it is still active with term.Seq-1 terms paid, cutting the
	// term before short; it reports whether it applied.
	ApplyUpgrade(ctx context.Context, term *Term, nextAttempt, now time.Time) (bool, error)
	// PaymentHasTerm reports whether a term paid by the payment is recorded.
	PaymentHasTerm(ctx context.Context, paymentID int64) (bool, error)
	// MarkPaymentSucceeded records a payment as succeeded unless it was
	// refunded; it reports whether it applied.
	MarkPaymentSucceeded(ctx context.Context, id int64, ref string, now time.Time) (bool, error)
	// CreateTerm records a paid term of a subscription.
	CreateTerm(ctx context.Context, term *Term) error
	// RecordWebhookEvent records a provider's event once and reports
	// whether this was the first time.
	RecordWebhookEvent(ctx context.Context, provider string, ev Event, now time.Time) (bool, error)
	// EnqueueJob adds a job unless one with the same key exists.
	EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error)
	// RecordRenewalFailure records a declined attempt on a subscription
	// that has not ended and is still at that attempt: past due, tried
	// again at next (nil: not again), giving access until graceUntil (nil:
	// as before). It reports whether it applied.
	RecordRenewalFailure(ctx context.Context, id int64, termsPaid, failures int, next, graceUntil *time.Time, now time.Time) (bool, error)
	// EndSubscription ends sub if it is still as read and no renewal of it
	// is pending: ErrConflict while one is, ErrNotFound if it changed.
	EndSubscription(ctx context.Context, sub *Subscription, now time.Time) error
	// MarkNoticeSent records when a term's notice went out, once; it
	// reports whether this call recorded it.
	MarkNoticeSent(ctx context.Context, subscriptionID int64, seq int, sent time.Time) (bool, error)
	// PostponeRenewal moves the next charge of a subscription still
	// renewing term seq to at, if it was due sooner, and lets it give
	// access until graceUntil at least.
	PostponeRenewal(ctx context.Context, subscriptionID int64, seq int, at, graceUntil, now time.Time) error
	// UseCancelToken uses a cancel link's token up, once: ErrNotFound if
	// it is unknown, used or expired.
	UseCancelToken(ctx context.Context, tokenHash string, now time.Time) (*CancelToken, error)
	// StopAutoRenew turns auto-renewal off for a subscription that has not
	// ended and uses up its other cancel links; it reports whether it was on.
	StopAutoRenew(ctx context.Context, subscriptionID int64, now time.Time) (bool, error)
	InvoiceTx
}

// InvoiceTx is what issuing invoices and credit notes reads and writes
// inside the transaction that records a payment or a refund.
type InvoiceTx interface {
	// PlanByID reads a plan.
	PlanByID(ctx context.Context, id int64) (*Plan, error)
	// InvoiceRecipient is the account as its invoices name it: its
	// billing details and email.
	InvoiceRecipient(ctx context.Context, accountID int64) (Party, error)
	// IssueInvoice gives inv the next number of its series and financial
	// year and records it, setting its ID, Seq and Number. Its counter
	// is held until the transaction ends, so numbers are taken in turn
	// and one rolled back is taken again. ErrConflict if the payment
	// already has an invoice (or the refund a credit note).
	IssueInvoice(ctx context.Context, inv *Invoice) error
	// InvoiceForPayment finds the tax invoice of a payment, with what
	// credit notes gave back of it; ErrNotFound if it has none.
	InvoiceForPayment(ctx context.Context, paymentID int64) (*Invoice, error)
}
