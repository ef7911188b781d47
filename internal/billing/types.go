package billing

import (
	"strconv"
	"time"

	"broadsheet/internal/money"
)

// Plan is a subscription offer: a price for a term of whole calendar months.
type Plan struct {
	ID         int64
	Code       string
	Name       string
	Price      money.Paise
	Currency   string
	TermMonths int
	Position   int
	Active     bool
}

// MonthlyPrice is the price per month, rounded down to the whole rupee as the
// offer page shows it (₹3,900 for 24 months is ₹162/month).
func (p Plan) MonthlyPrice() money.Paise {
	if p.TermMonths <= 0 {
		return p.Price
	}
	perMonth := int64(p.Price) / int64(p.TermMonths)
	return money.Paise(perMonth / 100 * 100)
}

// TermLabel names the term the way the offer page does: "3 Months",
// "1 Year", "2 Years".
func (p Plan) TermLabel() string {
	switch {
	case p.TermMonths%12 == 0 && p.TermMonths == 12:
		return "1 Year"
	case p.TermMonths%12 == 0:
		return strconv.Itoa(p.TermMonths/12) + " Years"
	case p.TermMonths == 1:
		return "1 Month"
	default:
		return strconv.Itoa(p.TermMonths) + " Months"
	}
}

// Status is where a subscription stands.
type Status string

const (
	// Active: paid up; renews at the end of the term unless auto-renew is off.
	Active Status = "active"
	// PastDue: a renewal charge was declined; retried on a schedule. The
	// reader keeps access during the grace period.
	PastDue Status = "past_due"
	// Ended: the term ran out without renewal (cancelled, or retries exhausted).
	Ended Status = "ended"
)

// Subscription is an account's standing order for a plan. Each paid period
// is a Term record; PaidUntil is the end of the latest one.
type Subscription struct {
	ID              int64
	AccountID       int64
	PlanID          int64
	Status          Status
	AutoRenew       bool
	PaymentMethodID int64
	// AnchorAt and AnchorSeq are where terms are counted from: term seq
	// ends AnchorSeq+n terms' months after AnchorAt (TermEnd). A plan
	// switch starts a new count.
	AnchorAt        time.Time
	AnchorSeq       int
	PaidUntil       time.Time
	TermsPaid       int
	RenewalFailures int
	NextAttemptAt   *time.Time
	// GraceUntil is how long the subscription gives access past PaidUntil
	// while its renewal is being collected: the grace period after a
	// declined renewal, or a day past a charge moved for a late notice.
	// nil when it gives none.
	GraceUntil *time.Time
	// Complimentary: given by an admin without payment (package
	// complimentary); it never renews.
	Complimentary bool
	// NextPlanID is the plan the reader switches to at a coming renewal;
	// 0 when they stay on PlanID.
	NextPlanID int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Term is one paid period of a subscription.
type Term struct {
	ID             int64
	SubscriptionID int64
	Seq            int
	PlanID         int64
	StartsAt       time.Time
	EndsAt         time.Time
	Amount         money.Paise
	// Credit is what an upgrade counted toward this term's price from the
	// unused part of the term it cut short: the term is worth Amount+Credit.
	Credit    money.Paise
	PaymentID int64
}

// PaymentMethod is a saved card, held by the gateway as a token.
type PaymentMethod struct {
	ID        int64
	AccountID int64
	Gateway   string
	Token     string
	Brand     string
	Last4     string
	ExpMonth  int
	ExpYear   int
	CreatedAt time.Time
}

// Payment statuses.
const (
	PaymentPending   = "pending"
	PaymentSucceeded = "succeeded"
	PaymentFailed    = "failed"
	// PaymentRefunded: the charge went through but could not start a
	// subscription (the account already had one), so it was given back.
	PaymentRefunded = "refunded"
)

// Payment purposes: what a payment pays for.
const (
	PurposeCheckout = "checkout"
	PurposeRenewal  = "renewal"
	// PurposeLegacyCheckout is a checkout begun before payments named their
	// plan; one left pending is settled by refunding any charge.
	PurposeLegacyCheckout = "legacy_checkout"
	// PurposeUpgrade: an immediate switch to another plan, charged on the
	// saved payment method.
	PurposeUpgrade = "upgrade"
)

// Payment is one charge attempt, unique by its idempotency key.
type Payment struct {
	ID             int64
	AccountID      int64
	IdempotencyKey string
	Purpose        string
	// PlanID and PaymentMethodID say what a checkout buys and with which
	// saved card, so that recovery can finish it without the reader.
	PlanID          int64
	PaymentMethodID int64
	Amount          money.Paise
	Currency        string
	Status          string
	Gateway         string
	GatewayRef      string
	Failure         string
	RefundRef       string
	// CheckoutRef is the provider's id of the page a checkout is paid on.
	CheckoutRef string
	CreatedAt   time.Time
	// UpdatedAt is when the payment last changed; for a pending renewal,
	// when its charge was last sent (see Service.resumeRenewal).
	UpdatedAt time.Time
}
